import { FilterLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeImagesCommand, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, TERRAFORM_REVISION, cli, deployment, descriptor, dev, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';
import { allowingStatement, trustsEcsTasks } from '../../src/release/verify';

const mocks = mockAws();
afterAll(() => mocks.restore());

const EXEC = `arn:aws:iam::${ACCOUNT}:role/${names.executionRole}`;
const TASK = `arn:aws:iam::${ACCOUNT}:role/${names.taskRole}`;
const SECRET = dev.services.web.secrets.DATABASE_URL;
const LOG_GROUP = names.logGroup;
const trust = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }));
const execPolicy = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [SECRET] }] }));

/** Terraform's revision as the stack registers it: secrets from SSM and an awslogs group. */
function terraformRevision(extra: { memory?: string } = {}): TaskDefinition {
  const base = revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(2)}`, extra);
  return {
    ...base,
    containerDefinitions: base.containerDefinitions!.map((c) => ({
      ...c,
      secrets: [{ name: 'DATABASE_URL', valueFrom: SECRET }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': dev.region, 'awslogs-stream-prefix': 'web' } },
    })),
  };
}

/** GIVEN dev running revision 7 (image digest 2) on Terraform's revision 5; everything verify reads exists. */
function given(): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/x` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/a', RUNNING_REVISION, 'COMPLETED')])] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: terraformRevision(), tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: { ...terraformRevision(), taskDefinitionArn: TD(RUNNING_REVISION) }, tags: [] });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(2), imageTags: ['abc1234'] }] });
  mocks.iam.on(GetRoleCommand, { RoleName: names.executionRole }).resolves({ Role: { Arn: EXEC, RoleName: names.executionRole, AssumeRolePolicyDocument: trust } as never });
  mocks.iam.on(GetRoleCommand, { RoleName: names.taskRole }).resolves({ Role: { Arn: TASK, RoleName: names.taskRole, AssumeRolePolicyDocument: trust } as never });
  mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['secrets'] });
  mocks.iam.on(GetRolePolicyCommand).resolves({ RoleName: names.executionRole, PolicyName: 'secrets', PolicyDocument: execPolicy });
  mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/webapp/dev/database-url' }] });
  mocks.logs.on(FilterLogEventsCommand).resolves({ events: [] });
}

describe('ecs-release verify (client mocks)', () => {
  test('verify passes every check with one line each, reading only, within the deploy role\'s grants', async () => {
    given();
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--image', `${REPO}:abc1234`]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(1, -1)).toEqual([
      `PASS  image     ${REPO}:abc1234: exists (${DIGEST(2)})`,
      `PASS  role      execution role ${EXEC}: exists and trusts ecs-tasks.amazonaws.com`,
      `PASS  role      task role ${TASK}: exists and trusts ecs-tasks.amazonaws.com`,
      'PASS  secret    secret DATABASE_URL: exists; the execution role may read it (ssm:GetParameters, inline policy secrets)',
      `PASS  log-group ${LOG_GROUP}: exists`,
    ]);
    expect(lines[lines.length - 1]).toBe('all 5 checks passed');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test.each([
    ['the image does not exist', () => mocks.ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'x', $metadata: {} })), /^FAIL  image .*an image that exists in .*$/m],
    ['the task role is missing', () => mocks.iam.on(GetRoleCommand, { RoleName: names.taskRole }).rejects(new NoSuchEntityException({ message: 'x', $metadata: {} })), /^FAIL  role      task role .*: does not exist$/m],
    [
      'the execution role does not trust ECS tasks',
      () => mocks.iam.on(GetRoleCommand, { RoleName: names.executionRole }).resolves({ Role: { Arn: EXEC, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] })) } as never }),
      /^FAIL  role      execution role .*: exists but its trust policy does not let ecs-tasks\.amazonaws\.com assume it/m,
    ],
    ['the secret parameter does not exist', () => mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [] }), /^FAIL  secret    secret DATABASE_URL: SSM parameter \/webapp\/dev\/database-url does not exist/m],
    [
      'the execution role may not read the secret',
      () => mocks.iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: 'arn:aws:ssm:eu-west-1:111111111111:parameter/other' }] })) }),
      /^FAIL  secret    secret DATABASE_URL: exists, but the execution role may not read it/m,
    ],
    ['the log group does not exist', () => mocks.logs.on(FilterLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'x', $metadata: {} })), /^FAIL  log-group \/ecs\/.*: does not exist/m],
  ])('verify exits 1 when %s, naming the check in its line, and writes nothing', async (_t, breakIt, line) => {
    given();
    breakIt();
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--image', `${REPO}:abc1234`, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(line);
    expect(r.stderr).toMatch(/1 of 5 checks failed/);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'verify', outcome: 'failed', failed: 1, exitCode: 1 });
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('verify without --image checks the image the service runs', async () => {
    given();
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).image).toBe(`${REPO}@${DIGEST(2)}`);
  });

  test('verify refuses an image of another repository before any AWS call', async () => {
    given();
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--image', 'docker.io/library/nginx:1.27.1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^ecs-release: --image: received "docker\.io\/library\/nginx:1\.27\.1"; allowed: an image of /);
    expect(r.calls).toEqual([]);
  });

  test('trust and grant evaluation: only an Allow to ecs-tasks counts; wildcards match; malformed documents never pass', () => {
    expect(trustsEcsTasks(trust)).toBe(true);
    expect(trustsEcsTasks(encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] })))).toBe(false);
    expect(trustsEcsTasks('%7Bnot json')).toBe(false);
    expect(allowingStatement([{ name: 'p', document: encodeURIComponent(JSON.stringify({ Statement: { Effect: 'Allow', Action: 'ssm:Get*', Resource: 'arn:aws:ssm:*:*:parameter/webapp/*' } })) }], 'ssm:GetParameters', SECRET)).toBe('p');
    expect(allowingStatement([{ name: 'p', document: execPolicy }], 'ssm:GetParameters', `${SECRET}-other`)).toBeUndefined();
  });
});

describe('ecs-release diff (client mocks)', () => {
  test('diff lists each differing field in plain words, the image apart, and exits 1 under --exit-code', async () => {
    // GIVEN Terraform's revision declares 1024 MiB and another image; the running one has 512
    given();
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: { ...revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(1)}`, { memory: '1024' }) }, tags: [] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, `${REPO}@${DIGEST(2)}`), tags: [] });
    const r = await cli(['diff', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  memory: Terraform declares "1024", the running revision has "512"');
    expect(r.stdout).toContain(`image (ecs-release's, not drift): containerDefinitions[${names.container}].image runs "${REPO}@${DIGEST(2)}"`);
    expect(r.stdout).toContain('1 field(s) differ: ship Terraform\'s settings with `ecs-release rollout --env dev --service web`');
    const strict = await cli(['diff', '--env', 'dev', '--service', 'web', '--exit-code', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ command: 'diff', iacInSync: false, fields: [{ field: 'memory', before: '"512"', after: '"1024"' }], outcome: 'drift' });
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('diff says in sync (exit 0 even with --exit-code) when only the image differs', async () => {
    given();
    const r = await cli(['diff', '--env', 'dev', '--service', 'web', '--exit-code']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('in sync: the running revision carries every setting Terraform declares');
  });
});

describe('--help of the inspect and adopt commands', () => {
  test.each([['revisions'], ['revisions', 'prune'], ['diff'], ['verify'], ['init'], ['rollback']])('%s --help exits 0, names its options and documents the exit codes', async (...command) => {
    const r = await cli([...command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toMatch(/verify: a check failed/);
    expect(r.calls).toEqual([]);
  });

  test('the options that matter are documented where they act', async () => {
    expect((await cli(['revisions', 'prune', '--help'])).stdout).toMatch(/--keep <n>[\s\S]*--dry-run/);
    expect((await cli(['rollback', '--help'])).stdout).toContain('--allow-bootstrap');
    expect((await cli(['diff', '--help'])).stdout).toContain('--exit-code');
  });
});
