import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetDeploymentTargetsCommand,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, TagResourceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, TERRAFORM_REVISION, cli, deployment, descriptor, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';

/**
 * Blue/green releases through CodeDeploy with client mocks: the states moto cannot produce (holding for approval,
 * failed with rollback, stopped, timeout) and the calls each command makes.
 */
const mocks = mockAws();
afterAll(() => mocks.restore());

const TAG = 'abc1234';
const NEW = 8;
const runningImage = `${REPO}@${DIGEST(2)}`;
const newImage = `${REPO}@${DIGEST(3)}`;
const DEPLOYMENT = 'd-ABCDEF123';
const LISTENER = (n: string) => `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/webapp-dev/abc/${n}`;
const TG = (n: string) => `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${n}/0123`;
const codeDeploy = {
  application: 'webapp-dev-web',
  deploymentGroup: 'webapp-dev-web',
  deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
  containerName: names.container,
  containerPort: 8080,
  targetGroups: { blue: { name: 'webapp-dev-web', arn: TG('webapp-dev-web') }, green: { name: 'webapp-dev-web-g', arn: TG('webapp-dev-web-g') } },
  productionListenerArn: LISTENER('prod'),
  testListenerArn: LISTENER('test'),
  testListenerUrl: 'https://webapp-dev.example.com:8443',
  approvalWaitMinutes: 60,
  terminationWaitMinutes: 15,
  rollbackAlarms: ['webapp-dev-web-blue-5xx-rate'],
};
const blueGreenDescriptor = { ...descriptor, strategy: 'blue-green', codeDeploy };

function info(status: DeploymentInfo['status'], extra: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return { deploymentId: DEPLOYMENT, status, deploymentOverview: { Succeeded: status === 'Succeeded' ? 1 : 0, InProgress: status === 'InProgress' ? 1 : 0 }, ...extra };
}

/** GIVEN a blue/green service of dev's shape: Terraform's revision 5, revision 7 live, image abc1234 in ECR. */
function given(statuses: DeploymentInfo[] = [info('Succeeded')], inFlight: string[] = []): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/x` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(blueGreenDescriptor) } });
  mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: runningImage } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: revision(TERRAFORM_REVISION, runningImage), tags: [] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, runningImage), tags: [] });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/primary', RUNNING_REVISION, 'COMPLETED')])] });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: [TAG] }] });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD(NEW) } });
  mocks.ecs.on(TagResourceCommand).resolves({});
  mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: inFlight });
  mocks.codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: DEPLOYMENT });
  mocks.codedeploy.on(ContinueDeploymentCommand).resolves({});
  mocks.codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
  mocks.codedeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['webapp-dev:web'] });
  mocks.codedeploy.on(BatchGetDeploymentTargetsCommand).resolves({
    deploymentTargets: [{ ecsTarget: { lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Succeeded' }, { lifecycleEventName: 'AllowTestTraffic', status: 'Succeeded' }, { lifecycleEventName: 'AllowTraffic', status: 'Pending' }] } }],
  });
  let chain = mocks.codedeploy.on(GetDeploymentCommand);
  for (const s of statuses.slice(0, -1)) chain = chain.resolvesOnce({ deploymentInfo: s });
  chain.resolves({ deploymentInfo: statuses[statuses.length - 1] });
}

const deployArgs = (...extra: string[]) => ['deploy', '--env', 'dev', '--image', `${REPO}:${TAG}`, ...extra];

describe('ecs-release deploy of a blue/green service (CodeDeploy, client mocks)', () => {
  test('deploy registers the revision, points the release pointer at it and creates a CodeDeploy deployment with its AppSpec; no UpdateService', async () => {
    // GIVEN a deployment that goes InProgress, then Succeeded
    given([info('InProgress'), info('Succeeded')]);
    // WHEN an image is deployed
    const r = await cli(deployArgs('--json'));
    // THEN it succeeds once CodeDeploy says so, through CodeDeploy only
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ outcome: 'completed', exitCode: 0, deploymentId: DEPLOYMENT });
    const create = mocks.codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
    expect(create).toMatchObject({ applicationName: codeDeploy.application, deploymentGroupName: codeDeploy.deploymentGroup, revision: { revisionType: 'AppSpecContent' } });
    expect(JSON.parse(create.revision!.appSpecContent!.content!)).toEqual({
      version: 0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: TD(NEW), LoadBalancerInfo: { ContainerName: names.container, ContainerPort: 8080 } } } }],
    });
    expect(mocks.ssm.commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({ Name: names.releaseParameter, Value: newImage });
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(1);
    expect(doc.metrics.apiCalls.excludingPolling).toBeLessThanOrEqual(15);
    // AND the lifecycle events show as progress
    expect(r.stderr).toContain(`CodeDeploy ${DEPLOYMENT} InProgress`);
    expect(r.stderr).toContain('AllowTraffic: Pending');
  });

  test('deploy stops waiting with exit 5 when the deployment holds for approval, and says how to test, approve or roll back', async () => {
    given([info('InProgress'), info('Ready')]);
    const r = await cli(deployArgs());
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`CodeDeploy deployment ${DEPLOYMENT} holds before the traffic shift: the new tasks answer on the test listener ${codeDeploy.testListenerUrl}`);
    expect(r.stdout).toContain('approve it with: ecs-release approve --env dev; roll it back with: ecs-release rollback --env dev');
    expect(mocks.codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
  });

  test('deploy exits 1 with CodeDeploy\'s reason when the deployment failed and rolled back; the pointer returns to the running image', async () => {
    given([
      info('InProgress'),
      info('Failed', {
        errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated: webapp-dev-web-green-5xx-rate' },
        rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Deployment rolled back by d-ROLLBACK1' },
      }),
    ]);
    const r = await cli(deployArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`CodeDeploy deployment ${DEPLOYMENT} failed and rolled back (ALARM_ACTIVE: One or more alarms have been activated: webapp-dev-web-green-5xx-rate; Deployment rolled back by d-ROLLBACK1)`);
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value);
    expect(puts).toEqual([newImage, runningImage]);
  });

  test('deploy exits 1 when the deployment was stopped without a rollback', async () => {
    given([info('Stopped', { errorInformation: { code: 'MANUAL_STOP', message: 'stopped by a user' } })]);
    const r = await cli(deployArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`CodeDeploy deployment ${DEPLOYMENT} was stopped (MANUAL_STOP: stopped by a user)`);
  });

  test('deploy exits 4 when the timeout passes; the deployment goes on', async () => {
    given([info('InProgress')]);
    const r = await cli(deployArgs('--timeout', '2m'));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/timed out after 120s waiting for CodeDeploy deployment d-ABCDEF123 \(InProgress; follow it with: ecs-release status --env dev/);
  });

  test('deploy --no-wait starts the CodeDeploy deployment and returns', async () => {
    given([info('Created')]);
    const r = await cli(deployArgs('--no-wait', '--json'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'started', deploymentId: DEPLOYMENT });
    expect(mocks.codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  test('deploy refuses while another CodeDeploy deployment of the group is in flight, and writes nothing', async () => {
    given([info('Succeeded')], ['d-BUSY00001']);
    const r = await cli(deployArgs());
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([`ecs-release: deployment in progress: CodeDeploy d-BUSY00001 of ${codeDeploy.deploymentGroup}; allowed: start when it has finished (see ecs-release status --env dev; approve or roll it back)`]);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release approve and rollback of a blue/green service (client mocks)', () => {
  test('approve continues the deployment that holds and waits until production traffic moved', async () => {
    given([info('InProgress'), info('Succeeded')]);
    mocks.codedeploy.on(ListDeploymentsCommand, { includeOnlyStatuses: ['Ready'] }).resolves({ deployments: [DEPLOYMENT] });
    const r = await cli(['approve', '--env', 'dev']);
    expect(r.code).toBe(0);
    expect(mocks.codedeploy.commandCalls(ContinueDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: DEPLOYMENT, deploymentWaitType: 'READY_WAIT' });
    expect(r.stdout).toContain(`CodeDeploy deployment ${DEPLOYMENT} succeeded`);
  });

  test('approve refuses when nothing holds, and writes nothing', async () => {
    given();
    const r = await cli(['approve', '--env', 'dev']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('ecs-release: deployment: received "none in flight"; allowed: a CodeDeploy deployment holding before the traffic shift (status Ready)');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('approve refuses a rolling environment', async () => {
    given();
    mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
    const r = await cli(['approve', '--env', 'dev']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('allowed: an environment whose deployment.strategy is blue-green');
  });

  test('rollback stops the in-flight deployment with rollback, waits for it, and points the release pointer back', async () => {
    given([info('Stopped', { rollbackInfo: { rollbackMessage: 'Deployment rolled back' } })], [DEPLOYMENT]);
    mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: newImage } });
    const r = await cli(['rollback', '--env', 'dev', '--json']);
    expect(r.code).toBe(0);
    expect(mocks.codedeploy.commandCalls(StopDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: DEPLOYMENT, autoRollbackEnabled: true });
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'rolled-back', exitCode: 0, message: `CodeDeploy deployment ${DEPLOYMENT} stopped and rolled back; release pointer restored to ${runningImage}` });
    expect(mocks.ssm.commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({ Name: names.releaseParameter, Value: runningImage });
  });

  test('status shows the live target group, the test listener and the deployment\'s lifecycle event', async () => {
    given([info('Ready')], [DEPLOYMENT]);
    mocks.elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        { ListenerArn: LISTENER('prod'), DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('webapp-dev-web-g'), Weight: 100 }, { TargetGroupArn: TG('webapp-dev-web'), Weight: 0 }] } }] },
        { ListenerArn: LISTENER('test'), DefaultActions: [{ Type: 'forward', TargetGroupArn: TG('webapp-dev-web') }] },
      ],
    });
    const r = await cli(['status', '--env', 'dev', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).blueGreen).toEqual({
      liveTargetGroup: 'webapp-dev-web-g',
      testTargetGroup: 'webapp-dev-web',
      testListenerUrl: codeDeploy.testListenerUrl,
      deploymentGroup: codeDeploy.deploymentGroup,
      deployment: { id: DEPLOYMENT, status: 'Ready', lifecycleEvent: 'AllowTraffic: Pending' },
    });
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release promote --from-status (the pipeline path: the prod job cannot read dev)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promote-status-'));
  const statusFile = (doc: object) => {
    const f = join(dir, `status-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const devStatus = { command: 'status', environment: 'dev', runningRevision: TD(9), image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp@${DIGEST(3)}`, digest: DIGEST(3), commit: '3f2a9c1', deploymentsInFlight: [] };

  test('promote reads the digest from the dev job\'s status document and refuses one that is not the --from environment\'s', async () => {
    given();
    const r = await cli(['promote', '--from', 'dev', '--to', 'prod', '--from-status', statusFile({ ...devStatus, environment: 'prod' })]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^ecs-release: --from-status: received ".*: environment prod"; allowed: the status of --from \(dev\)$/);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('promote refuses a status taken mid-deployment, and a file that is no status document', async () => {
    given();
    const busy = await cli(['promote', '--from', 'dev', '--to', 'prod', '--from-status', statusFile({ ...devStatus, deploymentsInFlight: [{ id: 'x' }] })]);
    expect(busy.code).toBe(3);
    const junk = await cli(['promote', '--from', 'dev', '--to', 'prod', '--from-status', statusFile({ hello: 'world' })]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('allowed: the JSON of `ecs-release status --env dev --json`');
    expect(writeCalls(mocks)).toEqual([]);
  });
});
