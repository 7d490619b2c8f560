import * as fc from 'fast-check';
import ts from 'typescript';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { awsClientFactory } from '../../src/release/aws';
import { runCli } from '../../src/release/cli';
import { hclString, stackAddresses, tsString } from '../../src/release/adopt';
import * as schema from '../../environments/schema';
import { dev, prod, resources, synth } from '../helpers/stacks';

const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const sts = mockClient(STSClient);
afterAll(() => [ecs, elbv2, sts].forEach((m) => m.restore()));

const ACCOUNT = '333333333333';
const TG = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/shop-stage-api/0123456789abcdef`;

/** GIVEN a running service shop-stage/api with an ECR image, an SSM secret, an awslogs group and a target group. */
function given(env: Record<string, string> = { LOG_LEVEL: 'info' }): void {
  [ecs, elbv2, sts].forEach((m) => m.reset());
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/readonly/x` });
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 2, taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/shop-stage-api:41`, loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 3000 }] }],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      family: 'shop-stage-api',
      cpu: '512',
      memory: '1024',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/shop-stage-api-execution`,
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/legacy-task-role`,
      containerDefinitions: [
        {
          name: 'app',
          essential: true,
          image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${'a'.repeat(64)}`,
          portMappings: [{ containerPort: 3000 }],
          environment: Object.entries(env).map(([name, value]) => ({ name, value })),
          secrets: [{ name: 'DATABASE_URL', valueFrom: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/shop/stage/database-url` }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/shop-stage/api' } },
        },
      ],
    },
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'shop-stage-api', HealthCheckPath: '/healthz' }] });
}

async function init(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['init', ...args], {
    clients: awsClientFactory({ credentials: { accessKeyId: 'mock', secretAccessKey: 'mock' } }),
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** Evaluates a generated environment file with `defineEnvironment` swapped for `define`. */
function evaluate(file: string, define: (input: unknown) => unknown): unknown {
  const js = ts.transpileModule(file, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', js)(() => ({ defineEnvironment: define }), module, module.exports);
  return module.exports.default;
}

const allCalls = () => [...ecs.calls(), ...elbv2.calls(), ...sts.calls()];
const writes = () => allCalls().map((c) => (c.args[0] as object).constructor.name).filter((n) => !/^(Describe|Get|List)/.test(n));

describe('ecs-release init (adopt a running service)', () => {
  test('prints an environment file that the schema accepts, carrying what AWS told, and import blocks for same-named resources', async () => {
    given();
    const r = await init(['--cluster', 'shop-stage', '--service', 'api', '--region', 'eu-west-1', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    // THEN the file is a valid environment for the stack (the real schema, not a stub)
    const config = evaluate(doc.environmentFile, (input) => schema.defineEnvironment(input as schema.EnvironmentInput)) as schema.EnvironmentConfig;
    expect(config).toMatchObject({ name: 'stage', project: 'shop', accountId: ACCOUNT, region: 'eu-west-1', registry: { repositoryName: 'shop' } });
    expect(Object.keys(config.services)).toEqual(['api']);
    expect(config.services.api).toMatchObject({ kind: 'web', cpu: 512, memoryMiB: 1024, containerName: 'app', containerPort: 3000, desiredCount: 2, healthCheck: { path: '/healthz' }, environment: { LOG_LEVEL: 'info' } });
    expect(config.services.api.secrets).toEqual({ DATABASE_URL: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/shop/stage/database-url` });
    // AND resources named as the stack names them are imported; the differently named task role is not
    expect(doc.imports.map((i: { what: string; id: string }) => [i.what, i.id])).toEqual([
      ['ECS cluster', 'shop-stage'],
      ['ECS service', 'shop-stage/api'],
      ['target group', TG],
      ['log group', '/ecs/shop-stage/api'],
      ['execution role', 'shop-stage-api-execution'],
      ['ECR repository', 'shop'],
    ]);
    expect(doc.importBlocks).toContain(`import {\n  to = ${stackAddresses('api').service}\n  id = "shop-stage/api"\n}`);
    expect(doc.created).toEqual([{ what: 'task role', existing: 'legacy-task-role', stackName: 'shop-stage-api-task' }]);
    expect(writes()).toEqual([]);
  });

  test('the import addresses are the ones the stack synthesizes, in dev and in prod', () => {
    for (const env of [dev, prod]) {
      const tf = synth(env).tf;
      for (const address of Object.values(stackAddresses('web'))) {
        const [type, id] = address.split('.');
        expect(Object.keys(resources(tf, type))).toContain(id);
      }
    }
  });

  test('hostile strings from AWS stay inside their TypeScript strings: the file evaluates to exactly the values read', async () => {
    const hostile = { A: '"; process.exit(1); "', B: 'line\nbreak // */', C: '\u2028x\u2029', D: '${jndi}`${x}`', E: '\\\'' };
    given(hostile);
    const r = await init(['--cluster', 'shop-stage', '--service', 'api', '--region', 'eu-west-1', '--json']);
    const config = evaluate(JSON.parse(r.stdout).environmentFile, (input) => input) as { services: Record<string, { environment: Record<string, string> }> };
    expect(config.services.api.environment).toEqual(hostile);
  });

  test('hclString: any string reads back as itself, with no raw newline, quote or template sequence left', () => {
    const unescape = (hcl: string) =>
      hcl
        .slice(1, -1)
        .replace(/\$\$\{/g, '${')
        .replace(/%%\{/g, '%{')
        .replace(/\\(u[0-9a-f]{4}|[nrt"\\])/g, (_m, e: string) => (e[0] === 'u' ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[e]));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('${path.root}', '%{ if true }x%{ endif }', '"\n}\nresource "x" "y" {', '$${a}', '\\${a}')), (s) => {
        const out = hclString(s);
        expect(out.slice(1, -1)).not.toMatch(/(^|[^$])\$\{|(^|[^%])%\{|[\n\r]|(^|[^\\])"/);
        expect(unescape(out)).toBe(s);
      }),
      { numRuns: 300 },
    );
    expect(tsString('a\u2028b')).toBe('"a\\u2028b"');
  });

  test.each([
    ['a malformed region', ['--cluster', 'c', '--service', 's', '--region', 'eu west'], /^ecs-release: --region: received "eu west"; allowed: an AWS region/],
    ['a malformed cluster', ['--cluster', 'a/b', '--service', 's', '--region', 'eu-west-1'], /^ecs-release: --cluster: received "a\/b"; allowed: an ECS cluster name/],
    ['no --service', ['--cluster', 'c', '--region', 'eu-west-1'], /^ecs-release: required option '--service <name>' not specified/],
  ])('refuses %s in one line before any AWS call', async (_t, args, message) => {
    given();
    const r = await init(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(allCalls()).toEqual([]);
  });

  test('refuses a service that is not ACTIVE (exit 3), writing nothing', async () => {
    given();
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api', status: 'DRAINING' }] });
    const r = await init(['--cluster', 'shop-stage', '--service', 'api', '--region', 'eu-west-1']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('ecs-release: --service: received "shop-stage/api"; allowed: an ACTIVE ECS service in eu-west-1 (found DRAINING)');
    expect(writes()).toEqual([]);
  });
});
