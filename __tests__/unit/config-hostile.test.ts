import { Testing } from 'cdktf';
import fc from 'fast-check';
import { ConfigError, defineEnvironment, FARGATE_MEMORY_MIB, LOG_RETENTION_DAYS, type EnvironmentConfig } from '../../environments/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { dev, prod, variant } from '../helpers/stacks';

/**
 * Hostile and mistaken configuration (issue 13): listed cases with the exact one-line refusal, and generated ones
 * (fast-check) over every field: never an exception other than the one-line ConfigError, and whatever is accepted
 * synthesizes.
 */

const LITERAL = 'allowed: text without "${" or "%{" (Terraform would evaluate it as an expression; cdktf could not keep it literal)';
const INSIDE = 'allowed: text without double quotes, backslashes or control characters (the value is written inside an HCL expression; keep structured values in secrets or an SSM parameter)';
const SECRET = (name: string, why: string) => `invalid environment "dev": services.web.environment.${name}: received "(value hidden)"; allowed: a plain setting, not a secret (${why}); pass it in secrets`;
const DEV = (field: string, received: string, allowed: string) => `invalid environment "dev": ${field}: received ${received}; ${allowed}`;
const PROD = (field: string, received: string, allowed: string) => `invalid environment "prod": ${field}: received ${received}; ${allowed}`;
const long = (n: number, c: string) => `${c}${'a'.repeat(n - 2)}${c}`;

const GITLAB = 'registry.gitlab.com';
const GITLAB_BOOT = 'registry.gitlab.com/team/app:bootstrap';
const PULL_SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-AbC123';
const FULL_ARN = 'allowed: a complete Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>)';
const OWN_SECRET = "allowed: a secret in the environment's account 111111111111 and region eu-west-1 (ECS reads repositoryCredentials there)";
const HOST = 'allowed: a registry host[:port] such as registry.gitlab.com or harbor.example.com:8443 (lowercase, no scheme, no path)';
/** Dev's release group "app" (web, worker, nightly) pulling from `imageSource`, its bootstrap image there. */
const pullFrom = (imageSource: Record<string, unknown>) => {
  const each = { bootstrapImage: GITLAB_BOOT, imageSource };
  return { services: { web: each, worker: each, nightly: each } };
};

interface HostileConfig {
  readonly title: string;
  readonly base?: EnvironmentConfig;
  readonly patch: Record<string, unknown>;
  readonly message: string;
}

const HOSTILE: HostileConfig[] = [
  { title: 'the issue\'s tag value reading a file', patch: { tags: { Evil: '${upper("x")}-${length(file("/etc/hostname"))}' } }, message: DEV('tags.Evil', '"${upper(\\"x\\")}-${length(file(\\"/etc/hostname\\"))}"', LITERAL) },
  { title: 'a template directive in a tag', patch: { tags: { Evil: '%{ for f in fileset("/", "*") }${f}%{ endfor }' } }, message: DEV('tags.Evil', '"%{ for f in fileset(\\"/\\", \\"*\\") }${f}%{ endfor }"', LITERAL) },
  { title: 'an expression in a tag key', patch: { tags: { '${path.cwd}': 'x' } }, message: DEV('tags.${path.cwd}', '"${path.cwd}"', LITERAL) },
  { title: 'an escaped expression (cdktf escapes it twice inside jsonencode)', patch: { services: { web: { environment: { GREETING: '$${x}' } } } }, message: DEV('services.web.environment.GREETING', '"$${x}"', LITERAL) },
  { title: 'a directive in an environment variable', patch: { services: { web: { environment: { GREETING: '%{if true}x%{endif}' } } } }, message: DEV('services.web.environment.GREETING', '"%{if true}x%{endif}"', LITERAL) },
  { title: 'a cdktf list-token marker', patch: { services: { web: { environment: { GREETING: '#{TfToken[TOKEN.1]}' } } } }, message: DEV('services.web.environment.GREETING', '"#{TfToken[TOKEN.1]}"', LITERAL) },
  { title: 'a quote closing the HCL string inside jsonencode', patch: { services: { web: { environment: { GREETING: '", "x" = upper("a"), "y" = "' } } } }, message: DEV('services.web.environment.GREETING', '"\\", \\"x\\" = upper(\\"a\\"), \\"y\\" = \\""', INSIDE) },
  { title: 'a backslash in an environment variable', patch: { services: { web: { environment: { GREETING: 'a\\' } } } }, message: DEV('services.web.environment.GREETING', '"a\\\\"', INSIDE) },
  { title: 'a control character in an environment variable', patch: { services: { web: { environment: { GREETING: 'a\rb' } } } }, message: DEV('services.web.environment.GREETING', '"a\\rb"', INSIDE) },
  { title: 'an expression in the health-check path', patch: { services: { web: { healthCheck: { path: '/${file("/etc/passwd")}' } } } }, message: DEV('services.web.healthCheck.path', '"/${file(\\"/etc/passwd\\")}"', LITERAL) },
  { title: 'an expression in a rollback alarm name', base: prod, patch: { services: { web: { deployment: { rollbackAlarms: { additionalAlarmNames: ['${aws_iam_role.x.arn}'] } } } } }, message: PROD('services.web.deployment.rollbackAlarms.additionalAlarmNames.0', '"${aws_iam_role.x.arn}"', LITERAL) },
  { title: 'an expression in the ECS Exec reason', patch: { services: { web: { executeCommandReason: 'Needed for the ${var.x} incident investigation this week.' } } }, message: DEV('services.web.executeCommandReason', '"Needed for the ${var.x} incident investigation this week."', LITERAL) },
  { title: 'test listener open to the internet in two halves', base: prod, patch: { loadBalancer: { allowedTestCidrs: ['0.0.0.0/1', '128.0.0.0/1'] } }, message: PROD('loadBalancer.allowedTestCidrs.0', '"0.0.0.0/1"', 'allowed: a CIDR of /8 or narrower (the test listener must not be public)') },
  { title: 'test listener open to a /7', base: prod, patch: { loadBalancer: { allowedTestCidrs: ['10.0.0.0/7'] } }, message: PROD('loadBalancer.allowedTestCidrs.0', '"10.0.0.0/7"', 'allowed: a CIDR of /8 or narrower (the test listener must not be public)') },
  { title: 'test listener open to five /8 networks', base: prod, patch: { loadBalancer: { allowedTestCidrs: ['1.0.0.0/8', '2.0.0.0/8', '3.0.0.0/8', '4.0.0.0/8', '5.0.0.0/8'] } }, message: PROD('loadBalancer.allowedTestCidrs', '["1.0.0.0/8","2.0.0.0/8","3.0.0.0/8","4.0.0.0/8","5.0.0.0/8"]', 'allowed: CIDRs covering together at most 67108864 addresses (four /8 networks; the test listener must not be public)') },
  { title: 'public listeners restricted in name only (TLS, so the plain-HTTP edge check does not apply)', base: prod, patch: { loadBalancer: { allowedIngressCidrs: ['0.0.0.0/1', '128.0.0.0/1'] } }, message: PROD('loadBalancer.allowedIngressCidrs', '["0.0.0.0/1","128.0.0.0/1"]', 'allowed: CIDRs that do not add up to the whole internet (write ["0.0.0.0/0"] when the listeners are public)') },
  { title: 'secret of another account', patch: { services: { web: { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:999999999999:parameter/x' } } } }, message: DEV('services.web.secrets.DATABASE_URL', '"arn:aws:ssm:eu-west-1:999999999999:parameter/x"', 'allowed: a secret of account 111111111111 (accountId)') },
  { title: 'secret of another region', patch: { services: { web: { secrets: { DATABASE_URL: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf' } } } }, message: DEV('services.web.secrets.DATABASE_URL', '"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf"', 'allowed: a secret in region eu-west-1 (the environment\'s region)') },
  { title: 'secrets KMS key of another region', patch: { services: { web: { secretsKmsKeyArns: ['arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000000'] } } }, message: DEV('services.web.secretsKmsKeyArns.0', '"arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000000"', 'allowed: a KMS key in region eu-west-1 (KMS keys are regional)') },
  {
    title: 'project and service names whose role names collide once cut to 64',
    patch: { project: long(32, 'p'), services: { [long(32, 's')]: { ...structuredClone(dev.services.worker), releaseGroup: undefined } } },
    message: DEV(`services.${long(32, 's')}`, `"${long(32, 's')}"`, `allowed: a shorter name: its task role and services.${long(32, 's')}'s execution role would both be "${`${long(32, 'p')}-dev-${long(32, 's')}`.slice(0, 64)}" once cut to AWS's 64 characters`),
  },
  { title: 'a password with an environment suffix', patch: { services: { web: { environment: { DB_PASSWORD_PROD: 'x' } } } }, message: SECRET('DB_PASSWORD_PROD', 'its name DB_PASSWORD_PROD says it holds a secret') },
  { title: 'a versioned token', patch: { services: { web: { environment: { API_TOKEN_V2: 'x' } } } }, message: SECRET('API_TOKEN_V2', 'its name API_TOKEN_V2 says it holds a secret') },
  { title: 'a DSN variable', patch: { services: { web: { environment: { SENTRY_DSN: 'x' } } } }, message: SECRET('SENTRY_DSN', 'its name SENTRY_DSN says it holds a secret') },
  { title: 'a URL with an empty user and a token', patch: { services: { web: { environment: { GIT_REMOTE: 'https://:tok3n@git.example.com/x' } } } }, message: SECRET('GIT_REMOTE', 'its value looks like a URL with a password in it') },
  { title: 'a key=value connection string', patch: { services: { web: { environment: { DB: 'host=db port=5432 user=app password=hunter2' } } } }, message: SECRET('DB', 'its value looks like a connection string with a password in it') },
  { title: 'a JDBC URL with a password parameter', patch: { services: { web: { environment: { JDBC: 'jdbc:postgresql://db/app?user=app&password=hunter2' } } } }, message: SECRET('JDBC', 'its value looks like a connection string with a password in it') },
  { title: 'a fine-grained GitHub token', patch: { services: { web: { environment: { BOT: `github_pat_${'A1b2'.repeat(10)}` } } } }, message: SECRET('BOT', 'its value looks like a GitHub token') },
  { title: 'a Google API key', patch: { services: { web: { environment: { MAPS: `AIza${'Sy0-_aBcDe'.repeat(3)}12345` } } } }, message: SECRET('MAPS', 'its value looks like a Google API key') },
  { title: 'a Slack webhook URL', patch: { services: { web: { environment: { ALERTS: 'https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX' } } } }, message: SECRET('ALERTS', 'its value looks like a Slack webhook URL') },
  { title: 'a random string in a key-hinting name', patch: { services: { web: { environment: { STRIPE_KEY_LIVE_ID: 'q8Zr2LmX9vTn4KpW7sYd3HfJ' } } } }, message: SECRET('STRIPE_KEY_LIVE_ID', 'its name STRIPE_KEY_LIVE_ID hints at a credential and its value is a long random string') },
  { title: 'terminal escapes in a tag key', patch: { tags: { 'a\u001b[2Jb': 'x' } }, message: DEV('tags.a\\u001b[2Jb', '"a\\u001b[2Jb"', 'allowed: a tag key of letters, digits, spaces and _ . : / = + - @ (what AWS accepts in tags)') },
  { title: 'a bidi override in a tag value', patch: { tags: { Owner: 'x\u202Ey' } }, message: DEV('tags.Owner', '"x\\u202ey"', 'allowed: a tag value of letters, digits, spaces and _ . : / = + - @ (what AWS accepts in tags)') },
  { title: 'a canary under a rolling strategy', patch: { services: { web: { deployment: { trafficShifting: { type: 'canary', percent: 10, intervalMinutes: 5 } } } } }, message: DEV('services.web.deployment.trafficShifting', '{"type":"canary","percent":10,"intervalMinutes":5}', 'allowed: unset while services.web.deployment.strategy is "rolling" (a blue/green setting; set strategy: "blue-green" or remove it)') },
  { title: 'an approval wait under a rolling strategy', patch: { services: { web: { deployment: { approvalWaitMinutes: 60 } } } }, message: DEV('services.web.deployment.approvalWaitMinutes', '60', 'allowed: unset while services.web.deployment.strategy is "rolling" (a blue/green setting; set strategy: "blue-green" or remove it)') },
  { title: 'test-listener CIDRs under a rolling strategy', patch: { loadBalancer: { allowedTestCidrs: ['203.0.113.0/24'] } }, message: DEV('loadBalancer.allowedTestCidrs', '["203.0.113.0/24"]', 'allowed: unset while no web service is blue/green (a blue/green setting; set a service\'s deployment.strategy: "blue-green" or remove it)') },
  // Private registries (issue 16): the pull secret by its complete ARN in the environment's account and region, a bare host.
  { title: 'a pull secret by a partial ARN (no random suffix)', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry' } }), message: DEV('services.web.imageSource.pullCredentials.secretArn', '"arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry"', FULL_ARN) },
  { title: 'a pull secret by its name', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: 'webapp/dev/registry-AbC123' } }), message: DEV('services.web.imageSource.pullCredentials.secretArn', '"webapp/dev/registry-AbC123"', FULL_ARN) },
  { title: 'a pull secret by a wildcard', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-*' } }), message: DEV('services.web.imageSource.pullCredentials.secretArn', '"arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-*"', FULL_ARN) },
  { title: 'a pull secret of another account', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: PULL_SECRET.replace('111111111111', '999999999999') } }), message: DEV('services.web.imageSource.pullCredentials.secretArn', '"arn:aws:secretsmanager:eu-west-1:999999999999:secret:webapp/dev/registry-AbC...', OWN_SECRET) },
  { title: 'a pull secret of another region', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: PULL_SECRET.replace('eu-west-1', 'us-east-1') } }), message: DEV('services.web.imageSource.pullCredentials.secretArn', '"arn:aws:secretsmanager:us-east-1:111111111111:secret:webapp/dev/registry-AbC...', OWN_SECRET) },
  { title: 'a pull secret key of another account', patch: pullFrom({ registry: GITLAB, pullCredentials: { secretArn: PULL_SECRET, kmsKeyArn: 'arn:aws:kms:eu-west-1:999999999999:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9' } }), message: DEV('services.web.imageSource.pullCredentials.kmsKeyArn', '"arn:aws:kms:eu-west-1:999999999999:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"', "allowed: a key in the environment's account 111111111111 and region eu-west-1 (the secret's own key)") },
  { title: 'a registry with a scheme', patch: pullFrom({ registry: 'https://registry.gitlab.com' }), message: DEV('services.web.imageSource.registry', '"https://registry.gitlab.com"', HOST) },
  { title: 'a registry with a path', patch: pullFrom({ registry: 'registry.gitlab.com/team' }), message: DEV('services.web.imageSource.registry', '"registry.gitlab.com/team"', HOST) },
  { title: 'a registry with credentials in it', patch: pullFrom({ registry: 'puller@registry.gitlab.com' }), message: DEV('services.web.imageSource.registry', '"puller@registry.gitlab.com"', HOST) },
  { title: 'ECR as a private registry', patch: pullFrom({ registry: '111111111111.dkr.ecr.eu-west-1.amazonaws.com' }), message: DEV('services.web.imageSource.registry', '"111111111111.dkr.ecr.eu-west-1.amazonaws.com"', "allowed: a registry other than ECR (leave imageSource unset for the environment's ECR repository; ECR authenticates with IAM)") },
  { title: 'a bootstrap image outside the private registry (the credentials would go there)', patch: { services: { web: { imageSource: { registry: GITLAB } }, worker: { imageSource: { registry: GITLAB } }, nightly: { imageSource: { registry: GITLAB } } } }, message: DEV('services.web.bootstrapImage', '"public.ecr.aws/nginx/nginx:1.27-alpine"', 'allowed: an image in registry.gitlab.com (imageSource.registry: the pull credentials are sent to that registry only)') },
  { title: 'one member of a release group pulling from elsewhere', patch: { services: { web: { bootstrapImage: GITLAB_BOOT, imageSource: { registry: GITLAB } }, worker: { bootstrapImage: GITLAB_BOOT }, nightly: { bootstrapImage: GITLAB_BOOT } } }, message: DEV('services.worker.imageSource', 'nothing', 'allowed: {"registry":"registry.gitlab.com"} like services.web (release group "app" ships one image from one registry)') },
  { title: 'pull credentials for a sidecar in ECR', patch: { services: { web: { sidecars: { agent: { image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/agent@sha256:${'a'.repeat(64)}`, pullCredentials: { secretArn: PULL_SECRET } } } } } }, message: DEV('services.web.sidecars.agent.image', '"111111111111.dkr.ecr.eu-west-1.amazonaws.com/agent@sha256:aaaaaaaaaaaaaaaaaa...', 'allowed: an image outside ECR when pullCredentials is set (ECR authenticates with IAM; drop pullCredentials)') },
];

/** What defineEnvironment did with one input: accepted, refused in one ConfigError line, or anything else (a bug). */
function outcome(input: unknown): { kind: 'accepted'; env: EnvironmentConfig } | { kind: 'refused'; message: string } | { kind: 'crashed'; error: unknown } {
  try {
    return { kind: 'accepted', env: defineEnvironment(input as EnvironmentConfig) };
  } catch (e) {
    if (e instanceof ConfigError && !e.message.includes('\n')) return { kind: 'refused', message: e.message };
    return { kind: 'crashed', error: e };
  }
}

function synthesizes(env: EnvironmentConfig): void {
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    Testing.synth(new EnvironmentStack(Testing.app(), env));
  } finally {
    quiet.mockRestore();
  }
}

const tally = { tried: 0, refused: 0 };
afterAll(() => {
  process.stdout.write(`hostile input (configuration): tried ${tally.tried}, refused cleanly ${tally.refused}, accepted ${tally.tried - tally.refused}\n`);
});

describe('hostile configuration: listed cases', () => {
  test.each(HOSTILE)('$title is refused in one line naming the field', (c) => {
    // GIVEN a valid environment with the hostile patch / WHEN it is defined
    tally.tried += 1;
    let message = '';
    try {
      variant(c.base ?? dev, c.patch);
    } catch (e) {
      if (e instanceof ConfigError) message = e.message;
      else throw e;
    }
    if (message === c.message) tally.refused += 1;
    // THEN exactly the expected line
    expect(message).toBe(c.message);
  });
});

describe('near misses stay accepted (the checks must not refuse ordinary settings)', () => {
  test.each([
    ['TOKEN_TTL_SECONDS', '3600'],
    ['PASSWORD_MIN_LENGTH', '12'],
    ['SECRET_ROTATION_DAYS', '30'],
    ['APP_URL', 'https://www.example.com/path?page=2'],
    ['DATABASE_HOST', 'db.internal:5432'],
    ['CACHE_KEY_PREFIX', 'webapp-v2'],
    ['FEATURE_FLAGS', 'a,b,c'],
    ['GREETING', 'Hello $USER, 100% {ok}'],
    ['OAUTH_CALLBACK', 'https://www.example.com/callback'],
    ['BUILD_ID', '3f2a9c1'],
  ])('%s=%s', (name, value) => {
    // GIVEN dev with one more plain setting / WHEN it is defined / THEN it is accepted as written
    expect(variant(dev, { services: { web: { environment: { ...dev.services.web.environment, [name]: value } } } }).services.web.environment[name]).toBe(value);
  });

  test('test-listener CIDRs of four /8 networks and a public listener written as 0.0.0.0/0 are accepted', () => {
    const env = variant(prod, { loadBalancer: { allowedTestCidrs: ['10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8', '13.0.0.0/8'], allowedIngressCidrs: ['0.0.0.0/0'] } });
    expect(env.loadBalancer.allowedTestCidrs).toHaveLength(4);
  });
});

/** Strings a pipeline or a typo could put anywhere: template sequences, token markers, quotes, control characters. */
const hostileString = fc.oneof(
  fc.constantFrom('${upper("x")}', '%{ if true }x%{ endif }', '$${x}', '#{TfToken[TOKEN.1]}', '&{TfToken[TOKEN.2]}', '${TfToken[TOKEN.3]}'),
  fc.tuple(fc.string(), fc.constantFrom('${', '%{'), fc.string()).map(([a, b, c]) => `${a}${b}${c}`),
);
const anyValue = fc.oneof(fc.string(), hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));

/** Every path to a leaf (or an empty container) of an object. */
function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [path];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [path];
  return entries.flatMap(([k, v]) => leafPaths(v, [...path, k]));
}

function setPath(base: EnvironmentConfig, path: string[], value: unknown): unknown {
  const copy = structuredClone(base) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

describe('hostile configuration: generated (fast-check)', () => {
  const bases = [dev, prod];
  const paths = bases.map((b) => leafPaths(b));

  test('any value at any field: accepted, or refused in one ConfigError line; never another exception', () => {
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), anyValue, (b, p, value) => {
        // (not counted as hostile input: many of these values are valid)
        const r = outcome(setPath(bases[b], paths[b][p % paths[b].length], value));
        if (r.kind === 'crashed') throw new Error(`not a one-line ConfigError: ${String(r.error)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('regex metacharacters, empty, huge, prototype keys and odd numbers at every field: accepted, or refused in one ConfigError line', () => {
    // GIVEN every leaf of both shipped environments and values that once broke checks built from input (a region "(")
    const values: unknown[] = ['(', '[', '\\', '*', '+', '?', '', ' ', 'a'.repeat(5000), '__proto__', 'constructor', -1, 0, -0, 0.5, 1e308, NaN, Infinity, true, null, undefined, [], {}, ['('], { a: '(' }, '0.0.0.0/0', '::/0'];
    const crashes: string[] = [];
    bases.forEach((base, b) => {
      for (const path of paths[b]) {
        for (const value of values) {
          // WHEN the value replaces the leaf
          const r = outcome(setPath(base, path, value));
          if (r.kind === 'crashed') crashes.push(`${base.name} ${path.join('.')} = ${JSON.stringify(value)?.slice(0, 20)}: ${String(r.error)}`);
        }
      }
    });
    // THEN nothing escapes as another exception
    expect(crashes).toEqual([]);
  });

  test('a template or token sequence in any string field is always refused', () => {
    const stringPaths = bases.map((b, i) => paths[i].filter((p) => typeof p.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], b) === 'string'));
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), hostileString, (b, p, value) => {
        const r = outcome(setPath(bases[b], stringPaths[b][p % stringPaths[b].length], value));
        tally.tried += 1;
        if (r.kind === 'refused') tally.refused += 1;
        return r.kind === 'refused';
      }),
      { numRuns: 200 },
    );
  });

  test('garbage of any shape at the top: refused in one line, never a crash', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = outcome(input);
        tally.tried += 1;
        if (r.kind === 'refused') tally.refused += 1;
        return r.kind === 'refused';
      }),
      { numRuns: 200 },
    );
  });

  test('generated valid environments are accepted and synthesize (policy checks included)', () => {
    // GIVEN environments generated from dev and prod with other sizes, retention, tags and plain settings
    const safeText = fc.string({ maxLength: 24 }).filter((t) => !/\$\{|%\{|["\\\x00-\x1f\x7f]/.test(t));
    const sizing = fc.constantFrom(...Object.entries(FARGATE_MEMORY_MIB).flatMap(([cpu, mems]) => mems.slice(0, 2).map((m) => [Number(cpu), m] as const)));
    let synthesized = 0;
    fc.assert(
      fc.property(
        fc.nat(1),
        sizing,
        fc.constantFrom(...LOG_RETENTION_DAYS),
        fc.dictionary(fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,15}$/), fc.stringMatching(/^[\w .:/=+@-]{0,24}$/), { maxKeys: 4 }),
        fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9]{0,10}_(LEVEL|MODE|NAME|URL|COUNT)$/), safeText, { maxKeys: 4 }),
        (b, [cpu, memoryMiB], logRetentionDays, tags, environment) => {
          const base = [dev, prod][b];
          // WHEN each is defined / THEN it is accepted (or refused in one line) and an accepted one synthesizes
          const r = outcome({ ...structuredClone(base), logRetentionDays, tags: { ...base.tags, ...tags }, services: { ...structuredClone(base.services), web: { ...structuredClone(base.services.web), cpu, memoryMiB, environment: { ...base.services.web.environment, ...environment } } } });
          if (r.kind === 'crashed') throw new Error(`not a one-line ConfigError: ${String(r.error)}`);
          if (r.kind === 'accepted') {
            synthesizes(r.env);
            synthesized += 1;
          }
        },
      ),
      { numRuns: 8 },
    );
    expect(synthesized).toBeGreaterThan(0);
  });
});
