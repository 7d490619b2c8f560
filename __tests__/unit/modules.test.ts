import { awsName, resourceNames, serviceNames } from '../../environments/names';
import { Testing, TerraformStack } from 'cdktf';
import { Role } from '../../modules/iam';
import { ContainerRegistry } from '../../modules/registry';
import { LoadBalancer } from '../../modules/load-balancer';
import { Network } from '../../modules/network';

function scope(): TerraformStack {
  return new TerraformStack(Testing.app(), 'test');
}

const networkProps = {
  name: 'n',
  region: 'eu-west-1',
  vpcCidr: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  publicSubnetCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
  privateSubnetCidrs: ['10.0.16.0/20', '10.0.32.0/20'],
};

describe('modules refuse contradictory props in the constructor', () => {
  test('Network with a single zone', () => {
    expect(() => new Network(scope(), 'net', { ...networkProps, availabilityZones: ['eu-west-1a'] })).toThrow(
      'Network net: availabilityZones: received 1; allowed: at least 2',
    );
  });

  test('Network with fewer private subnets than zones', () => {
    expect(() => new Network(scope(), 'net', { ...networkProps, privateSubnetCidrs: ['10.0.16.0/20'] })).toThrow(
      'Network net: privateSubnetCidrs: received 1 CIDRs; allowed: one per availability zone (2)',
    );
  });

  test('LoadBalancer with a test listener on 443', () => {
    const s = scope();
    const network = new Network(s, 'net', networkProps);
    expect(() => new LoadBalancer(s, 'lb', { name: 'lb', network, testListener: { port: 443, allowedCidrs: ['10.0.0.0/8'] } })).toThrow(
      'LoadBalancer lb: testListener.port: received 443; allowed: a port other than 80 and 443',
    );
  });

  test('LoadBalancer with an open test listener', () => {
    const s = scope();
    const network = new Network(s, 'net', networkProps);
    expect(() => new LoadBalancer(s, 'lb', { name: 'lb', network, testListener: { port: 8443, allowedCidrs: [] } })).toThrow(
      'LoadBalancer lb: testListener.allowedCidrs: received []; allowed: at least one CIDR',
    );
  });

  test('LoadBalancer name longer than AWS allows', () => {
    const s = scope();
    const network = new Network(s, 'net', networkProps);
    expect(() => new LoadBalancer(s, 'lb', { name: 'x'.repeat(33), network })).toThrow('allowed: at most 32 characters');
  });

  test.each(['webapp-dev-', '-webapp', 'internal-webapp', 'web_app'])('LoadBalancer named %j, which AWS refuses at apply time', (name) => {
    const s = scope();
    const network = new Network(s, 'net', networkProps);
    expect(() => new LoadBalancer(s, 'lb', { name, network })).toThrow(
      `LoadBalancer lb: name: received "${name}"; allowed: letters, digits and hyphens, not starting or ending with a hyphen, not starting with "internal-"`,
    );
  });

  test('ContainerRegistry accepting replication from its own account', () => {
    expect(() => new ContainerRegistry(scope(), 'reg', { repositoryName: 'r', accountId: '111111111111', region: 'eu-west-1', acceptReplicationFrom: '111111111111' })).toThrow(
      "ContainerRegistry reg: acceptReplicationFrom: received 111111111111; allowed: an account other than this registry's own",
    );
  });

  test('ContainerRegistry keeping zero images', () => {
    expect(() => new ContainerRegistry(scope(), 'reg', { repositoryName: 'r', accountId: '1', region: 'eu-west-1', keepImages: 0 })).toThrow(
      'ContainerRegistry reg: keepImages: received 0; allowed: an integer >= 1',
    );
  });
});

describe('modules used on their own', () => {
  test('a registry grants pull on its own repository only', () => {
    // GIVEN a registry and a role / WHEN the registry grants pull / THEN the role's policy names this repository
    const s = scope();
    const reg = new ContainerRegistry(s, 'reg', { repositoryName: 'r', accountId: '111111111111', region: 'eu-west-1' });
    const role = new Role(s, 'puller', { name: 'puller', description: 'test', principal: { Service: 'ecs-tasks.amazonaws.com' } });
    reg.grantPull(role);
    const tf = JSON.parse(Testing.synth(s));
    const doc = JSON.parse((Object.values(tf.resource.aws_iam_role_policy)[0] as { policy: string }).policy);
    expect(doc.Statement[1]).toEqual({
      Sid: 'PullImages',
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: expect.stringMatching(/^\$\{aws_ecr_repository\.reg_repository_\w+\.arn\}$/),
    });
  });

  test('a network without NAT has no default route in its private route tables', () => {
    const s = scope();
    const net = new Network(s, 'net', { ...networkProps, natGateways: 'none', vpcEndpoints: ['ecr.api', 'ecr.dkr', 's3', 'logs'] });
    expect(net.natGateways).toHaveLength(0);
    const tf = JSON.parse(Testing.synth(s));
    expect(Object.values(tf.resource.aws_route)).toHaveLength(1);
  });
});

describe('resource names', () => {
  const validLbName = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

  test('a load balancer name cut to AWS length never ends in a hyphen (long project name)', () => {
    // GIVEN a 31-character project name, so the 32-character cut of "<project>-<env>" ends right after the hyphen
    const project = 'a'.repeat(31);
    expect(`${project}-dev`.slice(0, 32)).toMatch(/-$/);
    // WHEN names are derived
    const env = { project, name: 'dev', services: { web: { containerName: 'app' } }, registry: { repositoryName: 'r' } };
    const names = { ...resourceNames(env), ...serviceNames(env, 'web') };
    // THEN every 32-character name is one AWS accepts, and the ALB name is what LoadBalancer gets
    for (const n of [names.loadBalancer, names.targetGroup, names.greenTargetGroup]) {
      expect(n.length).toBeLessThanOrEqual(32);
      expect(n).toMatch(validLbName);
    }
    expect(names.loadBalancer).toBe(project);
  });

  test.each([
    ['a name within the limit', 'webapp-dev', 32, 'webapp-dev'],
    ['a cut landing on a hyphen', 'webapp-staging-api', 15, 'webapp-staging'],
    ['a cut landing on a run of hyphens', 'ab--cd', 4, 'ab'],
  ])('awsName keeps %s valid', (_t, name, max, expected) => {
    expect(awsName(name, max)).toBe(expected);
  });

  test('a target group name cut to AWS length never ends in a hyphen', () => {
    // GIVEN a service name that puts a hyphen at the cut / WHEN names are derived / THEN both names are valid for AWS
    const names = serviceNames({ project: 'webapp', name: 'staging', services: { 'paymentsabcdef-api': { containerName: 'app' } }, registry: { repositoryName: 'r' } }, 'paymentsabcdef-api');
    expect(`webapp-staging-paymentsabcdef-api`.slice(0, 30)).toMatch(/-$/);
    for (const n of [names.targetGroup, names.greenTargetGroup]) {
      expect(n.length).toBeLessThanOrEqual(32);
      expect(n).toMatch(validLbName);
    }
  });
});
