/**
 * Heuristics for "this plain environment variable is a secret": used by the ecs-secrets-not-in-environment rule and
 * by the environment configuration check, so both refuse the same things. They err towards refusing: a false alarm
 * costs a rename (or moving the value to `secrets`), a miss leaks a credential into the task definition, which
 * anyone with ecs:DescribeTaskDefinition can read.
 */

/**
 * Names ending in a word that says "secret": DB_PASSWORD, API_KEY, CLIENT_SECRET, AUTH_TOKEN, PRIVATE_KEY... The
 * word must end the name, so TOKEN_TTL_SECONDS or PASSWORD_MIN_LENGTH stay plain settings.
 */
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|ACCESS_KEY|SECRET_KEY|SIGNING_KEY|AUTH_KEY|SESSION_KEY|CREDENTIAL|CREDENTIALS)$/i;

const SECRET_VALUES: readonly [RegExp, string][] = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password in it'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'a JSON web token'],
  [/\bsk_(live|test)_[A-Za-z0-9]{16,}\b/, 'a Stripe secret key'],
];

/** Why the variable looks like a secret, or undefined when it does not. */
export function secretLookingVariable(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name)) return `its name ${name} says it holds a secret`;
  for (const [pattern, what] of SECRET_VALUES) {
    if (pattern.test(value)) return `its value looks like ${what}`;
  }
  return undefined;
}
