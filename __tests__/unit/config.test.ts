import { App } from 'cdktf';
import { environmentNames, loadEnvironment } from '../../environments';
import { ConfigError, defineEnvironment } from '../../environments/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { dev, prod, variant } from '../helpers/stacks';

/** Each case: a patch on a valid environment, and what the one-line error must name. */
interface BadConfig {
  readonly title: string;
  readonly base?: 'dev' | 'prod';
  readonly patch: Record<string, unknown>;
  readonly field: string;
  readonly received: string;
  readonly allowed: string;
}

const BAD_CONFIGS: BadConfig[] = [
  { title: 'account id with 11 digits', patch: { accountId: '11111111111' }, field: 'accountId', received: '"11111111111"', allowed: '12-digit' },
  { title: 'account id as a number', patch: { accountId: 111111111111 }, field: 'accountId', received: '111111111111', allowed: 'type string' },
  { title: 'unknown region', patch: { region: 'europe-1' }, field: 'region', received: '"europe-1"', allowed: 'AWS region' },
  { title: 'terraform role in another account', patch: { terraformRoleArn: 'arn:aws:iam::999999999999:role/x' }, field: 'terraformRoleArn', received: '999999999999', allowed: 'account 111111111111' },
  { title: 'malformed VPC CIDR', patch: { network: { vpcCidr: '10.10.0.0/33' } }, field: 'network.vpcCidr', received: '"10.10.0.0/33"', allowed: 'IPv4 CIDR' },
  { title: 'VPC CIDR with host bits', patch: { network: { vpcCidr: '10.10.0.1/16' } }, field: 'network.vpcCidr', received: '"10.10.0.1/16"', allowed: 'no host bits' },
  { title: 'VPC too large', patch: { network: { vpcCidr: '10.0.0.0/8' } }, field: 'network.vpcCidr', received: '"10.0.0.0/8"', allowed: '/16 and /24' },
  { title: 'fewer than two AZs', patch: { network: { availabilityZones: ['eu-west-1a'], publicSubnetCidrs: ['10.10.0.0/24'], privateSubnetCidrs: ['10.10.16.0/20'] } }, field: 'network.availabilityZones', received: '["eu-west-1a"]', allowed: 'at least 2' },
  { title: 'AZ of another region', patch: { network: { availabilityZones: ['eu-west-1a', 'us-east-1b'] } }, field: 'network.availabilityZones.1', received: '"us-east-1b"', allowed: 'zone of region eu-west-1' },
  { title: 'duplicate AZs', patch: { network: { availabilityZones: ['eu-west-1a', 'eu-west-1a'] } }, field: 'network.availabilityZones', received: 'eu-west-1a', allowed: 'distinct' },
  { title: 'subnet outside the VPC', patch: { network: { privateSubnetCidrs: ['10.10.16.0/20', '10.99.0.0/20'] } }, field: 'network.privateSubnetCidrs.1', received: '"10.99.0.0/20"', allowed: 'inside the VPC 10.10.0.0/16' },
  { title: 'overlapping subnets', patch: { network: { privateSubnetCidrs: ['10.10.16.0/20', '10.10.1.0/24'] } }, field: 'network.privateSubnetCidrs.1', received: '"10.10.1.0/24"', allowed: 'not overlapping network.publicSubnetCidrs.1' },
  { title: 'subnet count differs from AZ count', patch: { network: { publicSubnetCidrs: ['10.10.0.0/24'] } }, field: 'network.publicSubnetCidrs', received: '["10.10.0.0/24"]', allowed: 'one CIDR per availability zone (2)' },
  { title: 'no NAT and no ECR endpoints', patch: { network: { natGateways: 'none', vpcEndpoints: ['s3'] } }, field: 'network.vpcEndpoints', received: '["s3"]', allowed: 'ecr.api, ecr.dkr, s3 and logs' },
  { title: 'unknown NAT mode', patch: { network: { natGateways: 'two' } }, field: 'network.natGateways', received: '"two"', allowed: '"one-per-az"' },
  { title: 'Fargate CPU that does not exist', patch: { service: { cpu: 300 } }, field: 'service.cpu', received: '300', allowed: 'one of 256, 512, 1024, 2048, 4096, 8192, 16384' },
  { title: 'memory AWS rejects for the CPU', patch: { service: { cpu: 256, memoryMiB: 4096 } }, field: 'service.memoryMiB', received: '4096', allowed: 'for cpu 256: 512, 1024, 2048' },
  { title: 'memory off the 1 GiB steps', patch: { service: { cpu: 1024, memoryMiB: 2500 } }, field: 'service.memoryMiB', received: '2500', allowed: '2048..8192 in steps of 1024' },
  { title: 'desired count above max', patch: { service: { desiredCount: 9 } }, field: 'service.desiredCount', received: '9', allowed: '1..3' },
  { title: 'autoscaling max below min', patch: { service: { desiredCount: 2, autoScaling: { minCapacity: 2, maxCapacity: 1 } } }, field: 'service.autoScaling.maxCapacity', received: '1', allowed: '>= autoScaling.minCapacity (2)' },
  { title: 'health check path without slash', patch: { service: { healthCheck: { path: 'health' } } }, field: 'service.healthCheck.path', received: '"health"', allowed: "starting with '/'" },
  { title: 'health check timeout not below interval', patch: { service: { healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 } } }, field: 'service.healthCheck.timeoutSeconds', received: '5', allowed: 'less than healthCheck.intervalSeconds (5)' },
  { title: 'container port out of range', patch: { service: { containerPort: 70000 } }, field: 'service.containerPort', received: '70000', allowed: '<= 65535' },
  { title: 'fractional desired count', patch: { service: { desiredCount: 1.5 } }, field: 'service.desiredCount', received: '1.5', allowed: 'an integer' },
  { title: 'secret that is not an ARN', patch: { service: { secrets: { DB: 'password123' } } }, field: 'service.secrets.DB', received: '"password123"', allowed: 'Secrets Manager secret ARN' },
  { title: 'same name as env var and secret', patch: { service: { environment: { DATABASE_URL: 'x' } } }, field: 'service.environment.DATABASE_URL', received: 'DATABASE_URL', allowed: 'not also defined in service.secrets' },
  { title: 'log retention AWS does not offer', patch: { logRetentionDays: 10 }, field: 'logRetentionDays', received: '10', allowed: 'one of 1, 3, 5, 7, 14, 30' },
  { title: 'misspelled field', patch: { service: { memoryMb: 512 } }, field: 'service.memoryMb', received: '512', allowed: 'documented fields' },
  { title: 'state key without .tfstate', patch: { state: { key: 'webapp/dev/state' } }, field: 'state.key', received: '"webapp/dev/state"', allowed: ".tfstate'" },
  { title: 'outdated TLS policy', patch: { loadBalancer: { sslPolicy: 'ELBSecurityPolicy-2016-08' } }, field: 'loadBalancer.sslPolicy', received: '"ELBSecurityPolicy-2016-08"', allowed: 'ELBSecurityPolicy-TLS13-1-2-2021-06' },
  { title: 'prod without a certificate', base: 'prod', patch: { loadBalancer: { certificateArn: undefined } }, field: 'loadBalancer.certificateArn', received: 'nothing', allowed: 'ACM certificate ARN' },
  { title: 'prod without deletion protection', base: 'prod', patch: { loadBalancer: { deletionProtection: false } }, field: 'loadBalancer.deletionProtection', received: 'false', allowed: 'true in production' },
  { title: 'prod with version consistency off', base: 'prod', patch: { service: { versionConsistency: 'disabled' } }, field: 'service.versionConsistency', received: '"disabled"', allowed: "'enabled' in production" },
  { title: 'prod with ECS Exec and no reason', base: 'prod', patch: { service: { enableExecuteCommand: true } }, field: 'service.executeCommandReason', received: 'nothing', allowed: 'written reason' },
  { title: 'blue/green with an open test listener', patch: { service: { deployment: { strategy: 'blue-green' } }, loadBalancer: { allowedTestCidrs: [] } }, field: 'loadBalancer.allowedTestCidrs', received: '[]', allowed: 'at least one CIDR' },
  { title: 'test CIDR of the whole internet', patch: { loadBalancer: { allowedTestCidrs: ['0.0.0.0/0'] } }, field: 'loadBalancer.allowedTestCidrs.0', received: '"0.0.0.0/0"', allowed: 'narrower than /0' },
  { title: 'rollback alarm period below ALB metric resolution', base: 'prod', patch: { service: { deployment: { rollbackAlarms: { periodSeconds: 30 } } } }, field: 'service.deployment.rollbackAlarms.periodSeconds', received: '30', allowed: 'one of 60, 120' },
  { title: 'more rollback alarms than CodeDeploy watches', base: 'prod', patch: { service: { deployment: { rollbackAlarms: { additionalAlarmNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } } } }, field: 'service.deployment.rollbackAlarms.additionalAlarmNames', received: '"g"', allowed: 'at most 6' },
  { title: 'canary percentage of 100', base: 'prod', patch: { service: { deployment: { trafficShifting: { type: 'canary', percent: 100, intervalMinutes: 5 } } } }, field: 'service.deployment.trafficShifting.percent', received: '100', allowed: '<= 99' },
  { title: 'AWS-reserved tag key', patch: { tags: { 'aws:owner': 'me' } }, field: 'tags.aws:owner', received: '"aws:owner"', allowed: "not starting with 'aws:'" },
  { title: 'bootstrap image that is not a reference', patch: { service: { bootstrapImage: 'NGINX latest' } }, field: 'service.bootstrapImage', received: '"NGINX latest"', allowed: 'image reference' },
];

describe('environment configuration', () => {
  test('dev and prod are valid and carry their defaults', () => {
    // GIVEN the shipped environment files / WHEN they are loaded / THEN defaults are applied
    expect(dev.name).toBe('dev');
    expect(prod.production).toBe(true);
    expect(dev.service.healthCheck.intervalSeconds).toBe(10);
    expect(prod.service.versionConsistency).toBe('enabled');
    expect(prod.loadBalancer.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  test('the environments folder lists exactly dev and prod, and loadEnvironment returns them', () => {
    expect(environmentNames()).toEqual(['dev', 'prod']);
    expect(loadEnvironment('prod').accountId).toBe(prod.accountId);
  });

  test('an unknown environment name is refused with the known ones listed', () => {
    expect(() => loadEnvironment('staging')).toThrow('invalid environment "staging": environment: received "staging"; allowed: one of dev, prod');
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
  });

  test('the bad-configuration table has distinct cases and at least 25 of them', () => {
    expect(new Set(BAD_CONFIGS.map((c) => c.title)).size).toBe(BAD_CONFIGS.length);
    expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(25);
    process.stdout.write(`bad configurations refused: ${BAD_CONFIGS.length}\n`);
  });

  test('a third environment reusing an account is refused at synthesis', () => {
    // GIVEN staging configured with dev's account / WHEN both are stacks of one app / THEN synthesis stops
    const staging = variant(dev, { name: 'staging', state: { key: 'webapp/staging/terraform.tfstate' } });
    const app = new App({ outdir: '/tmp/unused-cdktf-out' });
    new EnvironmentStack(app, dev);
    expect(() => new EnvironmentStack(app, staging)).toThrow('invalid environment "staging": accountId: received "111111111111"; allowed: a value not used by environment "dev"');
  });

  test('a third environment reusing a state key is refused at synthesis', () => {
    const staging = variant(dev, { name: 'staging', accountId: '333333333333', terraformRoleArn: 'arn:aws:iam::333333333333:role/t' });
    const app = new App({ outdir: '/tmp/unused-cdktf-out' });
    new EnvironmentStack(app, dev);
    expect(() => new EnvironmentStack(app, staging)).toThrow('state.key: received "webapp/dev/terraform.tfstate"; allowed: a value not used by environment "dev"');
  });

  test('defineEnvironment returns a new object and never mutates its input', () => {
    const input = structuredClone(dev);
    const out = defineEnvironment(input);
    expect(out).toEqual(dev);
    expect(input).toEqual(dev);
  });
});
