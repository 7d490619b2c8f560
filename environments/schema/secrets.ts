import { secretLookingVariable } from '../../contracts/secret-patterns';

/**
 * The configuration's check for secrets in plain environment variables: the policy rule's heuristics
 * (contracts/secret-patterns.ts) plus what escaped them (issue 13). Stricter here than in the rule on purpose: a false
 * alarm at configuration time costs a rename, while the rule also judges task definitions written by others.
 */

/** Segments that qualify a secret's name without making it a setting: DB_PASSWORD_PROD, API_TOKEN_V2, SECRET_OLD. */
const QUALIFIER = '(PROD|PRODUCTION|LIVE|DEV|DEVELOPMENT|STAGING|STAGE|STG|TEST|QA|UAT|SANDBOX|PRIMARY|SECONDARY|BACKUP|OLD|NEW|PREV|PREVIOUS|NEXT|CURRENT|V\\d+|\\d+|B64|BASE64|ENC|RAW|VALUE|PLAIN|CLEAR)';
const SECRET_WORD = '(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|ACCESS_KEY|SECRET_KEY|SIGNING_KEY|AUTH_KEY|SESSION_KEY|CREDENTIAL|CREDENTIALS|SECRET_KEY_BASE|MASTER_KEY|ENCRYPTION_KEY|CLIENT_KEY|DSN|CONNECTION_STRING|CONN_STR)';
const QUALIFIED_SECRET_NAME = new RegExp(`(^|_)${SECRET_WORD}(_${QUALIFIER})+$|(^|_)(DSN|CONNECTION_STRING|CONN_STR|SECRET_KEY_BASE|MASTER_KEY|ENCRYPTION_KEY)$`, 'i');

/** Names that hint at a credential without saying so exactly: judged by the value's randomness. */
const HINTING_NAME = /(KEY|AUTH|CRED|SECRET|TOKEN|PASS|PWD|SIGNATURE|SALT|PEPPER|HMAC|BEARER|COOKIE)/i;

const SECRET_VALUES: readonly [RegExp, string][] = [
  // Any scheme with user:password@ (an empty user too: https://:token@host), anywhere in the value.
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]*:[^\s/?#@]+@/i, 'a URL with a password in it'],
  // key=value connection strings and query strings: postgres DSNs, JDBC, ADO.NET, ?token=...
  [/(^|[\s;?&,])(password|passwd|pwd|pass|secret|token|access_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|accountkey|sharedaccesskey|client_secret|auth)\s*=\s*[^\s;&,'"]{3,}/i, 'a connection string with a password in it'],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}/, 'a Stripe key'],
  [/\bsk-(ant-|proj-)?[A-Za-z0-9_-]{20,}/, 'an API secret key (sk-...)'],
  [/\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, 'a SendGrid key'],
  [/\bnpm_[A-Za-z0-9]{36}\b/, 'an npm token'],
  [/\bdckr_pat_[A-Za-z0-9_-]{20,}/, 'a Docker Hub token'],
  [/\bhf_[A-Za-z0-9]{30,}\b/, 'a Hugging Face token'],
  [/\bpypi-[A-Za-z0-9_-]{50,}/, 'a PyPI token'],
  [/\bshp(at|ss|ca|pa)_[a-fA-F0-9]{32}\b/, 'a Shopify token'],
  [/hooks\.slack\.com\/(services|workflows)\/[A-Za-z0-9/_-]{20,}/, 'a Slack webhook URL'],
  [/\bxapp-\d-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE REQUEST)[A-Z ]*-----/, 'a PEM private key'],
];

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/** A long random-looking token: 20+ characters without spaces, 3.5+ bits of entropy per character. */
function looksRandom(value: string): boolean {
  return value.length >= 20 && !/\s/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value) && entropy(value) >= 3.5;
}

/** Why the plain variable looks like a secret, or undefined when it does not. The value itself is never returned. */
export function secretLookingValue(name: string, value: string): string | undefined {
  const base = secretLookingVariable(name, value);
  if (base) return base;
  if (QUALIFIED_SECRET_NAME.test(name)) return `its name ${name} says it holds a secret`;
  for (const [pattern, what] of SECRET_VALUES) {
    if (pattern.test(value)) return `its value looks like ${what}`;
  }
  if (HINTING_NAME.test(name) && looksRandom(value)) return `its name ${name} hints at a credential and its value is a long random string`;
  return undefined;
}
