import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { environmentNames, loadEnvironment } from '../../environments';
import { ConfigError, defineEnvironment } from '../../environments/schema';
import { ENVIRONMENTS } from '../../main';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { dev, prod, variant } from '../helpers/stacks';

/** Each case: a patch on a valid environment, and what the one-line error must name. */
interface BadConfig {
  readonly title: string;
  /** What kind of mistake: a wrong type, a value out of range, a malformed value, fields that contradict each other. */
  readonly kind: 'type' | 'range' | 'format' | 'cross-field' | 'unknown field';
  readonly base?: 'dev' | 'prod';
  readonly patch: Record<string, unknown>;
  readonly field: string;
  readonly received: string;
  readonly allowed: string;
}

const BAD_CONFIGS: BadConfig[] = [
  { title: 'account id with 11 digits', kind: 'format', patch: { accountId: '11111111111' }, field: 'accountId', received: '"11111111111"', allowed: '12-digit' },
  { title: 'account id as a number', kind: 'type', patch: { accountId: 111111111111 }, field: 'accountId', received: '111111111111', allowed: 'type string' },
  { title: 'unknown region', kind: 'format', patch: { region: 'europe-1' }, field: 'region', received: '"europe-1"', allowed: 'AWS region' },
  { title: 'terraform role in another account', kind: 'cross-field', patch: { terraformRoleArn: 'arn:aws:iam::999999999999:role/x' }, field: 'terraformRoleArn', received: '999999999999', allowed: 'account 111111111111' },
  { title: 'malformed VPC CIDR', kind: 'format', patch: { network: { vpcCidr: '10.10.0.0/33' } }, field: 'network.vpcCidr', received: '"10.10.0.0/33"', allowed: 'IPv4 CIDR' },
  { title: 'VPC CIDR with host bits', kind: 'format', patch: { network: { vpcCidr: '10.10.0.1/16' } }, field: 'network.vpcCidr', received: '"10.10.0.1/16"', allowed: 'no host bits' },
  { title: 'VPC too large', kind: 'range', patch: { network: { vpcCidr: '10.0.0.0/8' } }, field: 'network.vpcCidr', received: '"10.0.0.0/8"', allowed: '/16 and /24' },
  { title: 'fewer than two AZs', kind: 'range', patch: { network: { availabilityZones: ['eu-west-1a'], publicSubnetCidrs: ['10.10.0.0/24'], privateSubnetCidrs: ['10.10.16.0/20'] } }, field: 'network.availabilityZones', received: '["eu-west-1a"]', allowed: 'at least 2' },
  { title: 'AZ of another region', kind: 'cross-field', patch: { network: { availabilityZones: ['eu-west-1a', 'us-east-1b'] } }, field: 'network.availabilityZones.1', received: '"us-east-1b"', allowed: 'zone of region eu-west-1' },
  { title: 'duplicate AZs', kind: 'cross-field', patch: { network: { availabilityZones: ['eu-west-1a', 'eu-west-1a'] } }, field: 'network.availabilityZones', received: 'eu-west-1a', allowed: 'distinct' },
  { title: 'subnet outside the VPC', kind: 'cross-field', patch: { network: { privateSubnetCidrs: ['10.10.16.0/20', '10.99.0.0/20'] } }, field: 'network.privateSubnetCidrs.1', received: '"10.99.0.0/20"', allowed: 'inside the VPC 10.10.0.0/16' },
  { title: 'overlapping subnets', kind: 'cross-field', patch: { network: { privateSubnetCidrs: ['10.10.16.0/20', '10.10.1.0/24'] } }, field: 'network.privateSubnetCidrs.1', received: '"10.10.1.0/24"', allowed: 'not overlapping network.publicSubnetCidrs.1' },
  { title: 'subnet count differs from AZ count', kind: 'cross-field', patch: { network: { publicSubnetCidrs: ['10.10.0.0/24'] } }, field: 'network.publicSubnetCidrs', received: '["10.10.0.0/24"]', allowed: 'one CIDR per availability zone (2)' },
  { title: 'no NAT and no ECR endpoints', kind: 'cross-field', patch: { network: { natGateways: 'none', vpcEndpoints: ['s3'] } }, field: 'network.vpcEndpoints', received: '["s3"]', allowed: 'ecr.api, ecr.dkr, s3 and logs' },
  { title: 'unknown NAT mode', kind: 'format', patch: { network: { natGateways: 'two' } }, field: 'network.natGateways', received: '"two"', allowed: '"one-per-az"' },
  { title: 'Fargate CPU that does not exist', kind: 'range', patch: { services: { web: { cpu: 300 } } }, field: 'services.web.cpu', received: '300', allowed: 'one of 256, 512, 1024, 2048, 4096, 8192, 16384' },
  { title: 'memory AWS rejects for the CPU', kind: 'cross-field', patch: { services: { web: { cpu: 256, memoryMiB: 4096 } } }, field: 'services.web.memoryMiB', received: '4096', allowed: 'for cpu 256: 512, 1024, 2048' },
  { title: 'memory off the 1 GiB steps', kind: 'cross-field', patch: { services: { web: { cpu: 1024, memoryMiB: 2500 } } }, field: 'services.web.memoryMiB', received: '2500', allowed: '2048..8192 in steps of 1024' },
  { title: 'desired count above max', kind: 'cross-field', patch: { services: { web: { desiredCount: 9 } } }, field: 'services.web.desiredCount', received: '9', allowed: '1..3' },
  { title: 'autoscaling max below min', kind: 'cross-field', patch: { services: { web: { desiredCount: 2, autoScaling: { minCapacity: 2, maxCapacity: 1 } } } }, field: 'services.web.autoScaling.maxCapacity', received: '1', allowed: '>= autoScaling.minCapacity (2)' },
  { title: 'health check path without slash', kind: 'format', patch: { services: { web: { healthCheck: { path: 'health' } } } }, field: 'services.web.healthCheck.path', received: '"health"', allowed: "starting with '/'" },
  { title: 'health check timeout not below interval', kind: 'cross-field', patch: { services: { web: { healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 } } } }, field: 'services.web.healthCheck.timeoutSeconds', received: '5', allowed: 'less than healthCheck.intervalSeconds (5)' },
  { title: 'container port out of range', kind: 'range', patch: { services: { web: { containerPort: 70000 } } }, field: 'services.web.containerPort', received: '70000', allowed: '<= 65535' },
  { title: 'fractional desired count', kind: 'type', patch: { services: { web: { desiredCount: 1.5 } } }, field: 'services.web.desiredCount', received: '1.5', allowed: 'an integer' },
  { title: 'secret that is not an ARN', kind: 'format', patch: { services: { web: { secrets: { DB: 'password123' } } } }, field: 'services.web.secrets.DB', received: '"password123"', allowed: 'Secrets Manager secret ARN' },
  { title: 'same name as env var and secret', kind: 'cross-field', patch: { services: { web: { environment: { DATABASE_URL: 'x' } } } }, field: 'services.web.environment.DATABASE_URL', received: 'DATABASE_URL', allowed: 'not also defined in services.web.secrets' },
  { title: 'log retention AWS does not offer', kind: 'range', patch: { logRetentionDays: 10 }, field: 'logRetentionDays', received: '10', allowed: 'one of 1, 3, 5, 7, 14, 30' },
  { title: 'misspelled field', kind: 'unknown field', patch: { services: { web: { memoryMb: 512 } } }, field: 'services.web.memoryMb', received: '512', allowed: 'documented fields' },
  { title: 'state key without .tfstate', kind: 'format', patch: { state: { key: 'webapp/dev/state' } }, field: 'state.key', received: '"webapp/dev/state"', allowed: ".tfstate'" },
  { title: 'outdated TLS policy', kind: 'format', patch: { loadBalancer: { sslPolicy: 'ELBSecurityPolicy-2016-08' } }, field: 'loadBalancer.sslPolicy', received: '"ELBSecurityPolicy-2016-08"', allowed: 'ELBSecurityPolicy-TLS13-1-2-2021-06' },
  // Without the domain name too: with it, the domain-name check would refuse first and this one would go unexercised.
  { title: 'prod without a certificate', kind: 'cross-field', base: 'prod', patch: { loadBalancer: { certificateArn: undefined, domainName: undefined } }, field: 'loadBalancer.certificateArn', received: 'nothing', allowed: 'an ACM certificate ARN (production serves HTTPS only)' },
  { title: 'prod without deletion protection', kind: 'cross-field', base: 'prod', patch: { loadBalancer: { deletionProtection: false } }, field: 'loadBalancer.deletionProtection', received: 'false', allowed: 'true in production' },
  { title: 'prod with version consistency off', kind: 'cross-field', base: 'prod', patch: { services: { web: { versionConsistency: 'disabled' } } }, field: 'services.web.versionConsistency', received: '"disabled"', allowed: "'enabled' in production" },
  { title: 'ECS Exec with the default read-only root file system', kind: 'cross-field', patch: { services: { web: { enableExecuteCommand: true, readonlyRootFilesystem: undefined } } }, field: 'services.web.readonlyRootFilesystem', received: 'true', allowed: 'false when enableExecuteCommand is true (ECS Exec needs a writable root file system' },
  { title: 'prod with ECS Exec and no reason', kind: 'cross-field', base: 'prod', patch: { services: { web: { enableExecuteCommand: true } } }, field: 'services.web.executeCommandReason', received: 'nothing', allowed: 'written reason' },
  { title: 'blue/green with an open test listener', kind: 'cross-field', patch: { services: { web: { deployment: { strategy: 'blue-green' } } }, loadBalancer: { allowedTestCidrs: [] } }, field: 'loadBalancer.allowedTestCidrs', received: '[]', allowed: 'at least one CIDR' },
  { title: 'test CIDR of the whole internet', kind: 'range', patch: { loadBalancer: { allowedTestCidrs: ['0.0.0.0/0'] } }, field: 'loadBalancer.allowedTestCidrs.0', received: '"0.0.0.0/0"', allowed: 'narrower than /0' },
  { title: 'plain HTTP open to the internet while ECS Exec and a secret are on', kind: 'cross-field', patch: { loadBalancer: { allowedIngressCidrs: ['0.0.0.0/0'] } }, field: 'loadBalancer.allowedIngressCidrs.0', received: '"0.0.0.0/0"', allowed: 'named source ranges narrower than /8' },
  { title: 'prod with the WAF web ACL turned off', kind: 'cross-field', base: 'prod', patch: { loadBalancer: { webAcl: { enabled: false } } }, field: 'loadBalancer.webAcl.enabled', received: 'false', allowed: 'true in production' },
  { title: 'prod with access logs turned off', kind: 'cross-field', base: 'prod', patch: { loadBalancer: { accessLogs: { enabled: false } } }, field: 'loadBalancer.accessLogs.enabled', received: 'false', allowed: 'true in production' },
  { title: 'AWS-reserved tag key', kind: 'format', patch: { tags: { 'aws:owner': 'me' } }, field: 'tags.aws:owner', received: '"aws:owner"', allowed: "not starting with 'aws:'" },
  { title: 'bootstrap image that is not a reference', kind: 'format', patch: { services: { web: { bootstrapImage: 'NGINX latest' } } }, field: 'services.web.bootstrapImage', received: '"NGINX latest"', allowed: 'image reference' },
  { title: 'production flag as a string', kind: 'type', patch: { production: 'yes' }, field: 'production', received: '"yes"', allowed: 'type boolean' },
  { title: 'environment value as a number', kind: 'type', patch: { services: { web: { environment: { PORT: 8080 } } } }, field: 'services.web.environment.PORT', received: '8080', allowed: 'type string' },
  { title: 'negative desired count', kind: 'range', patch: { services: { web: { desiredCount: -1 } } }, field: 'services.web.desiredCount', received: '-1', allowed: '>= 0' },
  { title: 'health check interval below 5 seconds', kind: 'range', patch: { services: { web: { healthCheck: { intervalSeconds: 2 } } } }, field: 'services.web.healthCheck.intervalSeconds', received: '2', allowed: '>= 5' },
  { title: 'maximum percent above 200', kind: 'range', patch: { services: { web: { deployment: { maximumPercent: 250 } } } }, field: 'services.web.deployment.maximumPercent', received: '250', allowed: '<= 200' },
  { title: 'no application repository', kind: 'range', patch: { ci: { appRepositories: [] } }, field: 'ci.appRepositories', received: '[]', allowed: 'at least 1 item' },
  { title: 'malformed certificate ARN', kind: 'format', patch: { loadBalancer: { certificateArn: 'arn:aws:acm:eu-west-1:111111111111:cert/abc' } }, field: 'loadBalancer.certificateArn', received: 'cert/abc', allowed: 'an ACM certificate ARN' },
  { title: 'application repository without owner', kind: 'format', patch: { ci: { appRepositories: ['webapp'] } }, field: 'ci.appRepositories.0', received: '"webapp"', allowed: 'owner/name' },
  { title: 'domain name in capitals', kind: 'format', patch: { loadBalancer: { domainName: 'WWW.Example.com' } }, field: 'loadBalancer.domainName', received: '"WWW.Example.com"', allowed: 'lowercase DNS name' },
  { title: 'state bucket name S3 rejects', kind: 'format', patch: { state: { bucket: 'Webapp_State' } }, field: 'state.bucket', received: '"Webapp_State"', allowed: 'an S3 bucket name' },
  { title: 'environment variable name starting with a digit', kind: 'format', patch: { services: { web: { environment: { '1BAD': 'x' } } } }, field: 'services.web.environment.1BAD', received: '"1BAD"', allowed: 'an environment variable name' },
  { title: 'secret KMS key given as an alias', kind: 'format', patch: { services: { web: { secretsKmsKeyArns: ['alias/app'] } } }, field: 'services.web.secretsKmsKeyArns.0', received: '"alias/app"', allowed: 'a KMS key ARN' },
  { title: 'ECS Exec reason of one word', kind: 'format', base: 'prod', patch: { services: { web: { enableExecuteCommand: true, executeCommandReason: 'debuggingthingsforawhile' } } }, field: 'services.web.executeCommandReason', received: '"debuggingthingsforawhile"', allowed: 'a written reason of at least one sentence' },
  { title: 'password in a plain environment variable', kind: 'format', patch: { services: { web: { environment: { DB_PASSWORD: 'hunter2' } } } }, field: 'services.web.environment.DB_PASSWORD', received: '"(value hidden)"', allowed: 'its name DB_PASSWORD says it holds a secret' },
  { title: 'credentials inside a plain URL (value not echoed)', kind: 'format', patch: { services: { web: { environment: { UPSTREAM: 'postgres://app:s3cret@db:5432/app' } } } }, field: 'services.web.environment.UPSTREAM', received: '"(value hidden)"', allowed: 'a URL with a password in it' },
  { title: 'HTTPS without certificate (domain name set, no certificate)', kind: 'cross-field', patch: { loadBalancer: { domainName: 'dev.example.com' } }, field: 'loadBalancer.certificateArn', received: 'nothing', allowed: 'an ACM certificate ARN when loadBalancer.domainName is set' },
  { title: 'certificate from another region', kind: 'cross-field', patch: { loadBalancer: { certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000000' } }, field: 'loadBalancer.certificateArn', received: 'us-east-1', allowed: 'a certificate in region eu-west-1' },
  { title: 'certificate of another account', kind: 'cross-field', patch: { loadBalancer: { certificateArn: 'arn:aws:acm:eu-west-1:999999999999:certificate/00000000-0000-4000-8000-000000000000' } }, field: 'loadBalancer.certificateArn', received: '999999999999', allowed: 'a certificate of account 111111111111' },
  { title: 'registry replicating to itself', kind: 'cross-field', patch: { registry: { replicateTo: [{ accountId: '111111111111', region: 'eu-west-1' }] } }, field: 'registry.replicateTo', received: '111111111111', allowed: 'other than this environment' },
  { title: 'blue/green test listener on 443', kind: 'cross-field', patch: { services: { web: { deployment: { strategy: 'blue-green' } } }, loadBalancer: { allowedTestCidrs: ['203.0.113.0/24'], testListenerPort: 443 } }, field: 'loadBalancer.testListenerPort', received: '443', allowed: 'a port other than 80 and 443' },
  { title: 'prod rolling deployment dropping below full capacity', kind: 'cross-field', base: 'prod', patch: { services: { web: { deployment: { strategy: 'rolling', minimumHealthyPercent: 50 } } } }, field: 'services.web.deployment.minimumHealthyPercent', received: '50', allowed: '100 in production' },
  { title: 'rolling deployment that cannot make progress', kind: 'cross-field', patch: { services: { web: { deployment: { minimumHealthyPercent: 100, maximumPercent: 100 } } } }, field: 'services.web.deployment.maximumPercent', received: '100', allowed: 'greater than minimumHealthyPercent (100)' },
  { title: 'rollback alarm period below ALB metric resolution', kind: 'range', base: 'prod', patch: { services: { web: { deployment: { rollbackAlarms: { periodSeconds: 30 } } } } }, field: 'services.web.deployment.rollbackAlarms.periodSeconds', received: '30', allowed: 'one of 60, 120' },
  { title: 'more rollback alarms than CodeDeploy watches', kind: 'range', base: 'prod', patch: { services: { web: { deployment: { rollbackAlarms: { additionalAlarmNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } } } } }, field: 'services.web.deployment.rollbackAlarms.additionalAlarmNames', received: '"g"', allowed: 'at most 6' },
  { title: 'canary percentage of 100', kind: 'range', base: 'prod', patch: { services: { web: { deployment: { trafficShifting: { type: 'canary', percent: 100, intervalMinutes: 5 } } } } }, field: 'services.web.deployment.trafficShifting.percent', received: '100', allowed: '<= 99' },
];

/** Configurations valid on their own that clash with another environment of the same app. */
const ACROSS_ENVIRONMENTS = [
  {
    title: 'sharing dev\'s account with dev\'s secrets',
    patch: { name: 'staging', state: { key: 'webapp/staging/terraform.tfstate' }, ci: { githubEnvironment: 'staging' }, tags: { Environment: 'staging' } },
    message: 'invalid environment "staging": services.web.secrets.DATABASE_URL: received "arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/database-url"; allowed: a secret under this environment\'s path (webapp/staging/), not under "dev"\'s (webapp/dev/)',
  },
  {
    title: 'reusing another environment\'s state key',
    patch: { name: 'staging', accountId: '333333333333', terraformRoleArn: 'arn:aws:iam::333333333333:role/t', state: { bucket: 'webapp-terraform-state-333333333333' }, ci: { githubEnvironment: 'staging' }, tags: { Environment: 'staging' }, services: Object.fromEntries(['web', 'worker', 'nightly'].map((n) => [n, { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:333333333333:parameter/webapp/staging/database-url' } }])) },
    message: 'invalid environment "staging": state.key: received "webapp/dev/terraform.tfstate"; allowed: a value not used by environment "dev"',
  },
];

describe('environment configuration', () => {
  test('dev and prod are valid and carry their defaults', () => {
    // GIVEN the shipped environment files / WHEN they are loaded / THEN defaults are applied
    expect(dev.name).toBe('dev');
    expect(prod.production).toBe(true);
    expect(dev.services.web.kind === 'web' && dev.services.web.healthCheck.intervalSeconds).toBe(10);
    expect(prod.services.web.versionConsistency).toBe('enabled');
    expect(prod.loadBalancer.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  test('every environment file is in the list main.ts deploys and every listed environment has its file', () => {
    // GIVEN the environments main.ts deploys (the list in environments/index.ts) / WHEN the folder is listed / THEN
    // both name the same environments (a file nobody deploys, or a list entry without its file, fails here).
    const files = readdirSync(join(__dirname, '../../environments'))
      .filter((f) => f.endsWith('.ts') && !['index.ts', 'schema.ts', 'names.ts', 'cidr.ts'].includes(f))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual([...ENVIRONMENTS].sort());
    expect(environmentNames()).toEqual([...ENVIRONMENTS].sort());
    for (const name of ENVIRONMENTS) expect(loadEnvironment(name).name).toBe(name);
    expect(loadEnvironment('prod').accountId).toBe(prod.accountId);
  });

  test('an unknown environment name is refused with the known ones listed', () => {
    const unknown = 'no-such-environment';
    expect(ENVIRONMENTS).not.toContain(unknown);
    expect(() => loadEnvironment(unknown)).toThrow(
      `invalid environment "${unknown}": environment: received "${unknown}"; allowed: one of ${environmentNames().join(', ')} (a file in environments/)`,
    );
    expect(() => loadEnvironment('../main')).toThrow(ConfigError);
  });

  test.each(BAD_CONFIGS)('refuses $title', (c) => {
    // GIVEN a valid environment with one bad value
    const base = c.base === 'prod' ? prod : dev;
    // WHEN it is validated
    let error: unknown;
    try {
      variant(base, c.patch);
    } catch (e) {
      error = e;
    }
    // THEN one line names the field, the value received and what is allowed
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`invalid environment "${base.name}": ${c.field}: received `);
    expect(message).toContain(c.received);
    expect(message.split('; allowed: ')[1]).toContain(c.allowed);
    // A value that looks like a secret is never echoed back.
    expect(message).not.toMatch(/s3cret|hunter2/);
  });

  test('the bad-configuration table has distinct cases of every kind, at least 25 in all', () => {
    expect(new Set(BAD_CONFIGS.map((c) => c.title)).size).toBe(BAD_CONFIGS.length);
    const total = BAD_CONFIGS.length + ACROSS_ENVIRONMENTS.length;
    expect(total).toBeGreaterThanOrEqual(25);
    const byKind = new Map<string, number>();
    for (const c of BAD_CONFIGS) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
    byKind.set('shared with another environment', ACROSS_ENVIRONMENTS.length);
    for (const kind of ['type', 'range', 'format', 'cross-field', 'unknown field']) expect(byKind.get(kind) ?? 0).toBeGreaterThan(0);
    const parts = [...byKind.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
    process.stdout.write(`bad inputs, surface "environment configuration": ${total} distinct invalid configurations refused (${parts})\n`);
  });

  test.each(ACROSS_ENVIRONMENTS)('a third environment $title is refused at synthesis', (c) => {
    // GIVEN staging, valid on its own / WHEN it joins dev in one app / THEN synthesis stops with one line
    const app = new App({ outdir: '/tmp/unused-cdktf-out' });
    new EnvironmentStack(app, dev);
    const staging = variant(dev, c.patch);
    expect(() => new EnvironmentStack(app, staging)).toThrow(c.message);
  });

  test('a third environment (new account, new state key) synthesizes next to the shipped ones, fenced to its account', () => {
    // GIVEN staging, written as a new environment file would be: dev's settings with its own account and state
    const staging = variant(dev, {
      name: 'staging',
      accountId: '333333333333',
      terraformRoleArn: 'arn:aws:iam::333333333333:role/webapp-terraform',
      state: { bucket: 'webapp-terraform-state-333333333333', key: 'webapp/staging/terraform.tfstate' },
      services: Object.fromEntries(['web', 'worker', 'nightly'].map((n) => [n, { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:333333333333:parameter/webapp/staging/database-url' } }])),
      ci: { githubEnvironment: 'staging' },
      tags: { Environment: 'staging' },
    });
    const scratch = scratchDir('third-environment');
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // WHEN it is synthesized in one app with every environment main.ts wires (policy checks included)
      const envs = [...ENVIRONMENTS.map((n) => loadEnvironment(n)), staging];
      const dirs = synthEnvironments(envs, scratch.dir, 'aws');
      // THEN every stack is written, each fenced to its own account and state object
      expect(Object.keys(dirs)).toEqual([...ENVIRONMENTS, 'staging']);
      const keys = new Set<string>();
      for (const env of envs) {
        const tf = JSON.parse(readFileSync(join(dirs[env.name], 'cdk.tf.json'), 'utf8'));
        expect(tf.provider.aws[0].allowed_account_ids).toEqual([env.accountId]);
        keys.add(tf.terraform.backend.s3.key);
      }
      expect(keys.size).toBe(envs.length);
      const stagingTf = JSON.parse(readFileSync(join(dirs.staging, 'cdk.tf.json'), 'utf8'));
      expect(Object.values(stagingTf.resource.aws_ecs_cluster).map((c) => (c as { name: string }).name)).toEqual(['webapp-staging']);
    } finally {
      quiet.mockRestore();
      scratch.remove();
    }
  });

  test('defineEnvironment returns a new object and never mutates its input', () => {
    const input = structuredClone(dev);
    const out = defineEnvironment(input);
    expect(out).toEqual(dev);
    expect(input).toEqual(dev);
  });
});
