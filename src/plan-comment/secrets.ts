import { decodeJsonDocument } from './attributes';
import { isObject } from './plan';

/**
 * Secrets Terraform does not mark sensitive: an environment variable `DB_PASSWORD` in a container definition, an AWS
 * secret access key in a tag, a token in a user-data script. Found two ways: by the shape of well-known tokens,
 * anywhere in any text; and by key, a high-entropy string under a secret-looking name (`DB_PASSWORD_PROD`,
 * `apiToken`, `{"name": "STRIPE_KEY", "value": "…"}` in a container definition's environment).
 */

/** Token formats with a fixed shape: masked wherever they appear (values, JSON-encoded documents, logs). */
export const TOKEN_PATTERNS: readonly RegExp[] = [
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub tokens (personal, OAuth, user-to-server, server-to-server, refresh)
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g, // GitHub fine-grained personal access token
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[^]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g, // PEM private key
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]*:)[^\s@/'"`]+(?=@)/gi, // the password of user:password@ in a URL or DSN
];

/** What every format above (and the AWS secret key below) contains literally: a cheap pre-test. Keep in step. */
export const TOKEN_HINTS = /AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|xox[abposr]-|PRIVATE KEY|eyJ|:\/\/|secret_?access_?key|SecretAccessKey/i;

/**
 * An AWS secret access key is 40 characters of base64 with no prefix: matching it everywhere would hide every long
 * digest, so it is looked for only next to what names it (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`).
 */
export const AWS_SECRET_KEY = /(?<=(?:secret_?access_?key|SecretAccessKey|AWS_SECRET_ACCESS_KEY)\W{1,6})[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi;

/** Words of a key that name a secret; `key` counts only as the last word (`STRIPE_KEY`, not `key_name`). */
const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'dsn', 'apikey', 'privatekey', 'accesskey', 'secretkey', 'salt', 'signingkey']);
/** Words that make the key a reference to a secret, not the secret (an ARN, a name, a file path, a length). */
const REFERENCE_WORDS = new Set(['arn', 'name', 'id', 'ids', 'file', 'path', 'url', 'length', 'type', 'version', 'rotation', 'enabled', 'ttl', 'prefix', 'kms', 'policy', 'expiry', 'expires', 'count', 'required', 'age']);

/** `DB_PASSWORD_PROD`, `apiToken`, `iam:PassedToService` → lower-case words (`db`, `password`, `prod`). */
function keyWords(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Keys repeat across thousands of resources: each is split into words once. */
const keyVerdicts = new Map<string, boolean>();

function isSecretKeyCached(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = isSecretKey(key);
    if (keyVerdicts.size < 100_000) keyVerdicts.set(key, verdict);
  }
  return verdict;
}

function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0 || REFERENCE_WORDS.has(words[words.length - 1])) return false;
  if (words[words.length - 1] === 'key') return true;
  // Compounds: API_KEY, ACCESS_KEY, PRIVATE_KEY as two words, as well as APIKEY as one.
  for (let i = 0; i < words.length; i++) if (SECRET_WORDS.has(words[i]) || SECRET_WORDS.has(`${words[i]}${words[i + 1] ?? ''}`)) return true;
  return false;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A string under this key is probably a secret: the key reads like one, and the value is not a reference or a word. */
export function isSecretUnderKey(key: string, value: string): boolean {
  if (value.length < 8 || !isSecretKeyCached(key)) return false;
  if (/^arn:/.test(value) || /^\$\{.*\}$/.test(value) || /^(true|false|null|none|changeme)$/i.test(value)) return false;
  return entropy(value) >= 2.5;
}


const MAX_DEPTH = 200;

/**
 * Every string in `value` (decoding JSON documents held in strings) that sits under a secret-looking key, including
 * the `{"name": "DB_PASSWORD", "value": "…"}` pairs of container environments and SSM-style lists. Iterative: a deep
 * value cannot exhaust the stack.
 */
export function secretsByKey(value: unknown, found: Set<string>): void {
  // Parallel stacks rather than an object per node: this walks every value of a large plan.
  const values: unknown[] = [value];
  const keys: string[] = [''];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const key = keys.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_DEPTH) continue;
    if (typeof v === 'string') {
      if (key !== '' && isSecretUnderKey(key, v)) found.add(v);
      const doc = v.length > 1 && (v[0] === '{' || v[0] === '[') ? decodeJsonDocument(v) : undefined;
      if (doc !== undefined) {
        values.push(doc);
        keys.push(key);
        depths.push(depth + 1);
      }
    } else if (Array.isArray(v)) {
      for (const item of v) {
        values.push(item);
        keys.push(key);
        depths.push(depth + 1);
      }
    } else if (isObject(v)) {
      // {"name": "DB_PASSWORD", "value": "…"}: the name is the key of the value.
      const pairName = typeof v.name === 'string' ? v.name : typeof v.Name === 'string' ? v.Name : typeof v.key === 'string' ? v.key : undefined;
      for (const k in v) {
        values.push(v[k]);
        keys.push(pairName !== undefined && (k === 'value' || k === 'Value') ? pairName : k);
        depths.push(depth + 1);
      }
    }
  }
}
