import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { checkPromotionChain, previousEnvironment } from '../../environments/schema/chain';
import staging from '../../environments/examples/staging';
import { ConfigError, type EnvironmentConfig } from '../../environments/schema';
import { ENVIRONMENTS } from '../../main';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { dev, prod, variant } from '../helpers/stacks';

/** dev as it reads once staging joins the chain: its pushes also replicate into staging's registry. */
const devWithStaging = variant(dev, { registry: { replicateTo: [...dev.registry.replicateTo, { accountId: staging.accountId, region: staging.region }] } });
const CHAIN = [devWithStaging, staging, prod];

/** The one-line refusal of `envs` as a chain, or undefined when it is accepted. */
function refusal(envs: EnvironmentConfig[]): string | undefined {
  try {
    checkPromotionChain(envs);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('the promotion chain (environments/schema/chain.ts)', () => {
  test('the shipped list is a valid chain: dev first, prod promoted from dev', () => {
    // GIVEN the environments main.ts deploys, in order / WHEN checked as a chain / THEN accepted, dev -> prod
    expect(refusal(ENVIRONMENTS.map((n) => loadEnvironment(n)))).toBeUndefined();
    expect(ENVIRONMENTS.map((n) => previousEnvironment(ENVIRONMENTS, n))).toEqual([undefined, ...ENVIRONMENTS.slice(0, -1)]);
  });

  test('staging between dev and prod: each environment is promoted from the one before it', () => {
    const chain = CHAIN.map((e) => e.name);
    expect(refusal(CHAIN)).toBeUndefined();
    expect(chain.map((n) => previousEnvironment(chain, n))).toEqual([undefined, 'dev', 'staging']);
    expect(() => previousEnvironment(chain, 'qa')).toThrow('invalid environment "qa": environment: received "qa"; allowed: one of dev, staging, prod (the promotion chain)');
  });

  test('the example staging file shares dev\'s account and owns nothing of dev\'s', () => {
    expect(staging.accountId).toBe(dev.accountId);
    expect(staging.state.bucket).toBe(dev.state.bucket);
    expect(staging.state.key).not.toBe(dev.state.key);
    expect(staging.ci.createOidcProvider).toBe(false);
    expect(staging.region).not.toBe(dev.region);
  });

  // Each case: staging (or the chain) with one value copied or misplaced; the refusal names that field.
  const COPIED: { title: string; chain: () => EnvironmentConfig[]; message: string }[] = [
    { title: 'dev\'s Environment tag', chain: () => [devWithStaging, variant(staging, { tags: { Environment: 'dev' } }), prod], message: 'invalid environment "staging": tags.Environment: received "dev"; allowed: "staging" (the environment\'s name)' },
    { title: 'dev\'s GitHub Environment', chain: () => [devWithStaging, variant(staging, { ci: { githubEnvironment: 'dev' } }), prod], message: 'invalid environment "staging": ci.githubEnvironment: received "dev"; allowed: "staging"' },
    { title: 'dev\'s state key', chain: () => [devWithStaging, variant(staging, { state: { key: dev.state.key } }), prod], message: 'invalid environment "staging": state.key: received "webapp/dev/terraform.tfstate"; allowed: a value not used by environment "dev"' },
    { title: 'prod\'s state bucket in dev\'s account', chain: () => [devWithStaging, variant(staging, { state: { bucket: prod.state.bucket } }), prod], message: 'invalid environment "staging": state.bucket: received "webapp-terraform-state-222222222222"; allowed: a bucket of this environment\'s account 111111111111, not of account 222222222222' },
    { title: 'dev\'s secret path', chain: () => [devWithStaging, variant(staging, { services: { web: { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-central-1:111111111111:parameter/webapp/dev/database-url' } } } }), prod], message: 'invalid environment "staging": services.web.secrets.DATABASE_URL: received "arn:aws:ssm:eu-central-1:111111111111:parameter/webapp/dev/database-url"; allowed: a secret under this environment\'s path (webapp/staging/), not under "dev"\'s' },
    { title: 'a second GitHub OIDC provider in dev\'s account', chain: () => [devWithStaging, variant(staging, { ci: { createOidcProvider: true } }), prod], message: 'invalid environment "staging": ci.createOidcProvider: received true; allowed: false: environment "dev" creates the GitHub OIDC provider of account 111111111111' },
    { title: 'a second GitLab OIDC provider for the same issuer in dev\'s account', chain: () => [variant(devWithStaging, { ci: { gitlab: { projectPaths: ['acme/webapp'], environment: 'dev' } } }), variant(staging, { ci: { gitlab: { projectPaths: ['acme/webapp'], environment: 'staging' } } }), prod], message: 'invalid environment "staging": ci.gitlab.createOidcProvider: received true; allowed: false: environment "dev" creates the OIDC provider for https://gitlab.com in account 111111111111 (one per URL)' },
    { title: 'dev\'s region (dev\'s ECR repository)', chain: () => [variant(dev, {}), variant(staging, { region: 'eu-west-1', network: { availabilityZones: ['eu-west-1a', 'eu-west-1b'] }, services: Object.fromEntries(['web', 'worker', 'nightly'].map((n) => [n, { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/staging/database-url' } }])) }), prod], message: 'invalid environment "staging": region: received "eu-west-1"; allowed: a region other than eu-west-1: environment "dev" owns ECR repository "webapp"' },
    { title: 'no replication into staging (dev\'s file not told)', chain: () => [dev, staging, prod], message: 'invalid environment "staging": registry: received "no replication into 111111111111/eu-central-1"; allowed: a registry an earlier environment replicates to: add { accountId: \'111111111111\', region: \'eu-central-1\' } to dev\'s registry.replicateTo' },
    { title: 'replication backwards (staging into dev\'s region)', chain: () => [devWithStaging, variant(staging, { registry: { replicateTo: [{ accountId: '111111111111', region: 'eu-west-1' }] } }), prod], message: 'invalid environment "staging": registry.replicateTo.0: received {"accountId":"111111111111","region":"eu-west-1"}; allowed: the registry of a later environment of the chain (prod 222222222222/eu-west-1)' },
    { title: 'prod not accepting dev\'s replication', chain: () => [devWithStaging, staging, variant(prod, { registry: { acceptReplicationFrom: undefined } })], message: 'invalid environment "prod": registry.acceptReplicationFrom: received nothing; allowed: "111111111111" (environment "dev" replicates into this account)' },
    { title: 'staging after prod', chain: () => [variant(dev, { registry: { replicateTo: [{ accountId: '222222222222', region: 'eu-west-1' }, { accountId: '111111111111', region: 'eu-central-1' }] } }), prod, staging], message: 'invalid environment "staging": production: received false; allowed: true: a non-production environment cannot follow "prod"' },
    { title: 'one environment twice', chain: () => [dev, dev], message: 'invalid environment "dev": name: received "dev"; allowed: a name not already used in the chain (dev)' },
  ];

  test.each(COPIED)('refuses $title with one line naming the field', ({ chain, message }) => {
    // GIVEN a chain that is valid but for one value / WHEN checked / THEN one line names the field and what is allowed
    const got = refusal(chain());
    expect(got).toBeDefined();
    expect(got).not.toContain('\n');
    expect(got).toContain(message);
  });

  test('the refusal table covers every check of the chain', () => {
    const fields = new Set(COPIED.map((c) => /^invalid environment "[^"]+": ([^:]+):/.exec(c.message)![1]));
    expect([...fields].sort()).toEqual(['ci.createOidcProvider', 'ci.githubEnvironment', 'ci.gitlab.createOidcProvider', 'name', 'production', 'region', 'registry', 'registry.acceptReplicationFrom', 'registry.replicateTo.0', 'services.web.secrets.DATABASE_URL', 'state.bucket', 'state.key', 'tags.Environment']);
  });

  test('staging joins the app as one more list entry: three stacks, two in dev\'s account, one OIDC provider there', () => {
    // GIVEN the chain with staging inserted (the list entry) and dev told to replicate to it
    const scratch = scratchDir('chain-staging');
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // WHEN synthesized in chain order, with the stacks' own sibling checks and policy checks
      const dirs = synthEnvironments(CHAIN, scratch.dir, 'aws');
      const tf = Object.fromEntries(CHAIN.map((e) => [e.name, JSON.parse(readFileSync(join(dirs[e.name], 'cdk.tf.json'), 'utf8'))]));
      // THEN each stack is fenced to its account and has its own state object
      expect(CHAIN.map((e) => tf[e.name].provider.aws[0].allowed_account_ids)).toEqual([['111111111111'], ['111111111111'], ['222222222222']]);
      expect(CHAIN.map((e) => tf[e.name].terraform.backend.s3.key)).toEqual(['webapp/dev/terraform.tfstate', 'webapp/staging/terraform.tfstate', 'webapp/prod/terraform.tfstate']);
      // AND only dev creates the account's OIDC provider; staging's roles trust it by ARN
      expect(Object.keys(tf.dev.resource.aws_iam_openid_connect_provider ?? {})).toHaveLength(1);
      expect(tf.staging.resource.aws_iam_openid_connect_provider).toBeUndefined();
      expect(JSON.stringify(tf.staging.resource.aws_iam_role)).toContain('arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com');
      // AND dev's registry replicates into staging's and prod's, digest unchanged
      const rules = Object.values(tf.dev.resource.aws_ecr_replication_configuration as Record<string, { replication_configuration: { rule: { destination: unknown[] }[] } }>)[0].replication_configuration.rule;
      expect(rules[0].destination).toEqual([{ region: 'eu-west-1', registry_id: '222222222222' }, { region: 'eu-central-1', registry_id: '111111111111' }]);
      expect(tf.staging.resource.aws_ecr_registry_policy).toBeUndefined();
    } finally {
      quiet.mockRestore();
      scratch.remove();
    }
  });
});
