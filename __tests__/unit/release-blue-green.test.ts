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
import { DescribeImagesCommand, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, TagResourceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, TERRAFORM_REVISION, cli, deployment, descriptor, mockAws, names, permissionEnvironments, revision, service, writeCalls } from '../helpers/release-mocks';
import { loadEnvironment } from '../../environments';
import { serviceResourceNames } from '../../src/release/services';
import { dev, variant } from '../helpers/stacks';

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
/** dev configured blue/green, as the blue/green descriptor says (approve decides from configuration before any call). */
const blueGreenDev = variant(dev, { loadBalancer: { allowedTestCidrs: ['203.0.113.0/24'] }, services: { web: { deployment: { strategy: 'blue-green' } } } });
const asBlueGreen = { loadEnvironment: (n: string) => (n === 'dev' ? blueGreenDev : loadEnvironment(n)) };
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
/** dev as the fixtures describe it: a blue/green service. Its deploy role is the one every call is checked against. */
permissionEnvironments.dev = variant(dev, {
  services: { web: { deployment: { strategy: 'blue-green', trafficShifting: { type: 'canary', percent: 10, intervalMinutes: 5 }, approvalWaitMinutes: 60, terminationWaitMinutes: 15 } } },
  loadBalancer: { allowedTestCidrs: ['203.0.113.0/24'] },
});
/** A service under the CodeDeploy controller, as DescribeServices reports it. */
const blueGreenService = (rev: number) => ({ ...service(rev, [deployment('ecs-svc/primary', rev, 'COMPLETED')]), deploymentController: { type: 'CODE_DEPLOY' as const } });

/** A deployment as GetDeployment reports it; ecs-release's description names the revision it ships (8). */
function info(status: DeploymentInfo['status'], extra: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return {
    deploymentId: DEPLOYMENT,
    status,
    description: `ecs-release ${names.family}:${NEW} ${DIGEST(3)}`,
    deploymentOverview: { Succeeded: status === 'Succeeded' ? 1 : 0, InProgress: status === 'InProgress' ? 1 : 0 },
    ...extra,
  };
}

const OWNED = [{ key: 'ecs-coexist:owner', value: 'ecs-release' }];

/** GIVEN a blue/green service of dev's shape: Terraform's revision 5, revision 7 live, image abc1234 in ECR. */
function given(statuses: DeploymentInfo[] = [info('Succeeded')], inFlight: string[] = []): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/x` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(blueGreenDescriptor) } });
  mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: runningImage } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: revision(TERRAFORM_REVISION, runningImage), tags: [] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, runningImage), tags: [] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(NEW) }).resolves({ taskDefinition: revision(NEW, newImage), tags: OWNED });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [blueGreenService(RUNNING_REVISION)] });
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

const deployArgs = (...extra: string[]) => ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:${TAG}`, ...extra];

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
    // dev here has web, worker and nightly: approve and rollback refuse to guess the service, so the advice names it
    expect(r.stdout).toContain('approve it with: ecs-release approve --env dev --service web; roll it back with: ecs-release rollback --env dev --service web');
    expect(mocks.codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
  });

  const failedWithRollback = info('Failed', {
    errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated: webapp-dev-web-green-5xx-rate' },
    rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Deployment rolled back by d-ROLLBACK1' },
  });

  test('deploy exits 1 with CodeDeploy\'s reason when the deployment failed and rolled back; it follows the rollback deployment, then the pointer returns to the running image', async () => {
    // GIVEN an alarm fails the deployment and CodeDeploy rolls back through deployment d-ROLLBACK1, which takes a poll
    given([info('InProgress'), failedWithRollback]);
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' }).resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress' } }).resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'Succeeded' } });
    // WHEN deploying
    const r = await cli(deployArgs());
    // THEN exit 1 with CodeDeploy's reason, said once the rollback deployment succeeded
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`CodeDeploy deployment ${DEPLOYMENT} failed and rolled back (ALARM_ACTIVE: One or more alarms have been activated: webapp-dev-web-green-5xx-rate; Deployment rolled back by d-ROLLBACK1); rollback deployment d-ROLLBACK1 succeeded: production traffic is on the original tasks`);
    expect(mocks.codedeploy.commandCalls(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })).toHaveLength(2);
    expect(r.stderr.indexOf('CodeDeploy d-ROLLBACK1 InProgress')).toBeLessThan(r.stderr.indexOf('CodeDeploy d-ROLLBACK1 Succeeded'));
    // AND the pointer names the image production runs again; the failed revision is not marked deployed
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value);
    expect(puts).toEqual([newImage, runningImage]);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('deploy exits 1 without claiming a rollback when CodeDeploy\'s rollback deployment fails too', async () => {
    given([failedWithRollback]);
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' }).resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'tasks failed' } } });
    const r = await cli(deployArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ecs-release: CodeDeploy deployment ${DEPLOYMENT} failed (ALARM_ACTIVE: One or more alarms have been activated: webapp-dev-web-green-5xx-rate; Deployment rolled back by d-ROLLBACK1) and its rollback deployment d-ROLLBACK1 did not succeed either: CodeDeploy deployment d-ROLLBACK1 failed (HEALTH_CONSTRAINTS: tasks failed)`);
    expect(r.stderr).not.toContain('and rolled back;');
  });

  test('deploy exits 1 when the deployment was stopped without a rollback; production never ran it, so the pointer goes back', async () => {
    // GIVEN the deployment stops before the traffic shift (the service still names revision 7)
    given([info('Stopped', { errorInformation: { code: 'MANUAL_STOP', message: 'stopped by a user' } })]);
    const r = await cli(deployArgs('--json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`CodeDeploy deployment ${DEPLOYMENT} was stopped (MANUAL_STOP: stopped by a user)`);
    // THEN the release pointer names the image that is live again, not the one that never went live
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([newImage, runningImage]);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', releasePointer: runningImage });
  });

  test('deploy restores the release pointer when CodeDeploy refuses to create the deployment', async () => {
    given();
    mocks.codedeploy.on(CreateDeploymentCommand).rejects(Object.assign(new Error('The deployment group is busy'), { name: 'DeploymentLimitExceededException', $metadata: { httpStatusCode: 400 } }));
    const r = await cli(deployArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ecs-release: AWS error: DeploymentLimitExceededException: The deployment group is busy');
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([newImage, runningImage]);
    expect(mocks.codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  test('deploy refuses a blue/green descriptor for a service under the ECS controller (stale descriptor), and writes nothing', async () => {
    given();
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/primary', RUNNING_REVISION, 'COMPLETED')])] });
    const r = await cli(deployArgs());
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      'ecs-release: service.deploymentController.type: received "ECS"; allowed: "CODE_DEPLOY", what the descriptor\'s strategy "blue-green" means (stale descriptor: apply the "dev" stack, then retry)',
    ]);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('lifecycle events that are not available yet only show as such; access denied on them is an error', async () => {
    // GIVEN the deployment has no target yet
    given([info('InProgress'), info('Succeeded')]);
    mocks.codedeploy.on(ListDeploymentTargetsCommand).rejects(Object.assign(new Error('not started'), { name: 'DeploymentNotStartedException', $metadata: { httpStatusCode: 400 } }));
    const r = await cli(deployArgs());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('lifecycle events unavailable (DeploymentNotStartedException)');
    // AND WHEN the role may not read them, the wait ends with that error instead of hiding it
    given([info('InProgress'), info('Succeeded')]);
    mocks.codedeploy.on(ListDeploymentTargetsCommand).rejects(Object.assign(new Error('not authorized to perform: codedeploy:ListDeploymentTargets'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const denied = await cli(deployArgs());
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('ecs-release: AWS error: AccessDeniedException: not authorized to perform: codedeploy:ListDeploymentTargets');
  });

  test('deploy exits 4 when the timeout passes; the deployment goes on', async () => {
    given([info('InProgress')]);
    const r = await cli(deployArgs('--timeout', '2m'));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/timed out after 120s waiting for CodeDeploy deployment d-ABCDEF123 \(InProgress; follow it with: ecs-release status --env dev --service web;/);
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
    expect(r.stderr.trim().split('\n')).toEqual([`ecs-release: deployment in progress: CodeDeploy d-BUSY00001 of ${codeDeploy.deploymentGroup}; allowed: start when it has finished (see ecs-release status --env dev --service web; approve or roll it back)`]);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release approve and rollback of a blue/green service (client mocks)', () => {
  test('approve continues the deployment that holds, waits until production traffic moved and marks the revision deployed', async () => {
    // GIVEN deployment d-ABCDEF123 of revision 8 holds for approval
    given([info('Ready'), info('InProgress'), info('Succeeded')]);
    mocks.codedeploy.on(ListDeploymentsCommand, { includeOnlyStatuses: ['Ready'] }).resolves({ deployments: [DEPLOYMENT] });
    // WHEN approving
    const r = await cli(['approve', '--env', 'dev', '--service', 'web', '--json'], asBlueGreen);
    // THEN it continues exactly that deployment, succeeds with it, and tags revision 8 like a deploy would have
    expect(r.code).toBe(0);
    expect(mocks.codedeploy.commandCalls(ContinueDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: DEPLOYMENT, deploymentWaitType: 'READY_WAIT' });
    expect(r.stderr).toContain(`CodeDeploy deployment ${DEPLOYMENT} succeeded`);
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ resourceArn: TD(NEW), tags: [{ key: 'ecs-release:deployed-at', value: expect.any(String) }] }]);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'approve', outcome: 'completed', revision: TD(NEW), releasePointer: newImage });
  });

  test('approve sets the release pointer back when the approved deployment rolls back', async () => {
    // GIVEN the deploy pointed the release pointer at revision 8's image; after approval an alarm rolls it back
    given([info('Ready'), info('Stopped', { rollbackInfo: { rollbackMessage: 'Deployment rolled back' }, errorInformation: { code: 'ALARM_ACTIVE', message: 'alarm' } })]);
    mocks.codedeploy.on(ListDeploymentsCommand, { includeOnlyStatuses: ['Ready'] }).resolves({ deployments: [DEPLOYMENT] });
    const r = await cli(['approve', '--env', 'dev', '--service', 'web'], asBlueGreen);
    // THEN exit 1 with CodeDeploy's reason, the pointer names revision 7's image again, nothing is marked deployed
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ecs-release: CodeDeploy deployment ${DEPLOYMENT} was stopped and rolled back (ALARM_ACTIVE: alarm; Deployment rolled back)`);
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: names.releaseParameter, Value: runningImage, Overwrite: true }]);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('approve refuses when nothing holds, and writes nothing', async () => {
    given();
    const r = await cli(['approve', '--env', 'dev', '--service', 'web'], asBlueGreen);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('ecs-release: deployment: received "none in flight"; allowed: a CodeDeploy deployment holding before the traffic shift (status Ready)');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('approve refuses a rolling environment, and writes nothing', async () => {
    given();
    mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
    const r = await cli(['approve', '--env', 'dev', '--service', 'web']);
    // (decided from configuration: dev deploys rolling, so not even STS is called)
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --service: received "web"; allowed: a blue/green web service (approve lets a CodeDeploy deployment shift traffic; "web" is a web service that deploys rolling)');
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollback stops the in-flight deployment with rollback, waits for it, and points the release pointer back', async () => {
    given([info('Stopped', { rollbackInfo: { rollbackMessage: 'Deployment rolled back' } })], [DEPLOYMENT]);
    mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: newImage } });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    expect(mocks.codedeploy.commandCalls(StopDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: DEPLOYMENT, autoRollbackEnabled: true });
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'rolled-back', exitCode: 0, message: `CodeDeploy deployment ${DEPLOYMENT} stopped and rolled back; release pointer restored to ${runningImage}` });
    expect(mocks.ssm.commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({ Name: names.releaseParameter, Value: runningImage });
  });

  test('rollback follows CodeDeploy\'s rollback deployment to its end before saying traffic is back', async () => {
    // GIVEN the stopped deployment rolls back through deployment d-RB1, which is still shifting traffic back at first
    given([info('Stopped', { rollbackInfo: { rollbackDeploymentId: 'd-RB1', rollbackMessage: 'Deployment rolled back by d-RB1' } })], [DEPLOYMENT]);
    mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: newImage } });
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-RB1' }).resolvesOnce({ deploymentInfo: { deploymentId: 'd-RB1', status: 'InProgress' } }).resolves({ deploymentInfo: { deploymentId: 'd-RB1', status: 'Succeeded' } });
    // WHEN rolling back
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--json']);
    // THEN it waited for d-RB1 to succeed, then pointed the release pointer back
    expect(r.code).toBe(0);
    expect(mocks.codedeploy.commandCalls(GetDeploymentCommand, { deploymentId: 'd-RB1' })).toHaveLength(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'rolled-back', exitCode: 0, releasePointer: runningImage });
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([runningImage]);
  });

  test('rollback exits 1 when CodeDeploy\'s rollback deployment fails', async () => {
    given([info('Stopped', { rollbackInfo: { rollbackDeploymentId: 'd-RB1' } })], [DEPLOYMENT]);
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-RB1' }).resolves({ deploymentInfo: { deploymentId: 'd-RB1', status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'original tasks unhealthy' } } });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ecs-release: CodeDeploy deployment ${DEPLOYMENT} was stopped and its rollback deployment d-RB1 did not succeed either: CodeDeploy deployment d-RB1 failed (HEALTH_CONSTRAINTS: original tasks unhealthy)`);
  });

  test('rollback with nothing in flight redeploys the previous revision through CodeDeploy and passes the approval hold itself', async () => {
    // GIVEN revision 8 is live and revision 7, ecs-release's, completed before; the redeployment holds for approval
    given([info('InProgress'), info('Ready'), info('Ready'), info('Succeeded')]);
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [blueGreenService(NEW)] });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD(NEW), TD(RUNNING_REVISION)] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${names.family}:${RUNNING_REVISION}` }).resolves({
      taskDefinition: revision(RUNNING_REVISION, runningImage),
      tags: [...OWNED, { key: 'ecs-release:deployed-at', value: '2026-01-01T00:00:00Z' }],
    });
    // WHEN rolling back (one action)
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--json']);
    // THEN CodeDeploy ships revision 7, the hold is continued once without an approve, and the rollback completes
    expect(r.code).toBe(0);
    const appSpec = JSON.parse(mocks.codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input.revision!.appSpecContent!.content!);
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(TD(RUNNING_REVISION));
    expect(mocks.codedeploy.commandCalls(ContinueDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ deploymentId: DEPLOYMENT, deploymentWaitType: 'READY_WAIT' }]);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'completed', exitCode: 0, revision: TD(RUNNING_REVISION), releasePointer: runningImage });
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input.resourceArn)).toEqual([TD(RUNNING_REVISION)]);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  test('status shows the live target group, the test listener and the deployment\'s lifecycle event', async () => {
    given([info('Ready')], [DEPLOYMENT]);
    mocks.elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        { ListenerArn: LISTENER('prod'), DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('webapp-dev-web-g'), Weight: 100 }, { TargetGroupArn: TG('webapp-dev-web'), Weight: 0 }] } }] },
        { ListenerArn: LISTENER('test'), DefaultActions: [{ Type: 'forward', TargetGroupArn: TG('webapp-dev-web') }] },
      ],
    });
    const r = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
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
    const r = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--from-status', statusFile({ ...devStatus, environment: 'prod' })]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^ecs-release: --from-status: received ".*: environment prod"; allowed: the status of --from \(dev\)$/);
    expect(writeCalls(mocks)).toEqual([]);
  });

  /** GIVEN prod as its own account sees it: revision 2 live, Terraform's revision 3, the digest replicated or not. */
  const prodEnv = loadEnvironment('prod');
  const prodNames = serviceResourceNames(prodEnv, { name: 'web' });
  const PROD_REPO = `${prodEnv.accountId}.dkr.ecr.${prodEnv.region}.amazonaws.com/${prodNames.repository}`;
  const PROD_TD = (n: number) => `arn:aws:ecs:${prodEnv.region}:${prodEnv.accountId}:task-definition/${prodNames.family}:${n}`;
  const prodRevision = (n: number, image: string) => {
    const base = revision(n, image);
    return {
      ...base,
      taskDefinitionArn: PROD_TD(n),
      family: prodNames.family,
      executionRoleArn: `arn:aws:iam::${prodEnv.accountId}:role/${prodNames.executionRole}`,
      taskRoleArn: `arn:aws:iam::${prodEnv.accountId}:role/${prodNames.taskRole}`,
      containerDefinitions: base.containerDefinitions!.map((c) => ({ ...c, name: prodNames.container })),
    };
  };
  function givenProd(digestInProd: boolean): void {
    mocks.reset();
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: prodEnv.accountId, Arn: `arn:aws:sts::${prodEnv.accountId}:assumed-role/${prodNames.deployRole}/x` });
    const prodDescriptor = {
      ...blueGreenDescriptor,
      environment: 'prod',
      accountId: prodEnv.accountId,
      region: prodEnv.region,
      cluster: prodNames.cluster,
      service: prodNames.service,
      container: prodNames.container,
      family: prodNames.family,
      taskDefinitionArn: PROD_TD(3),
      releaseParameter: prodNames.releaseParameter,
      repositoryUrl: PROD_REPO,
      codeDeploy: { ...codeDeploy, application: prodNames.codedeployApplication, deploymentGroup: prodNames.codedeployGroup, containerName: prodNames.container },
    };
    mocks.ssm.on(GetParameterCommand, { Name: prodNames.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(prodDescriptor) } });
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
    mocks.ecs.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: prodNames.service, status: 'ACTIVE', taskDefinition: PROD_TD(2), deploymentController: { type: 'CODE_DEPLOY' }, deployments: [{ id: 'ecs-svc/p', status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: PROD_TD(2), desiredCount: 3, runningCount: 3 }] }],
    });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: PROD_TD(3) }).resolves({ taskDefinition: prodRevision(3, `${PROD_REPO}@${DIGEST(2)}`), tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: PROD_TD(2) }).resolves({ taskDefinition: prodRevision(2, `${PROD_REPO}@${DIGEST(2)}`), tags: OWNED });
    if (digestInProd) mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: ['3f2a9c1'] }] });
    else mocks.ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: PROD_TD(4) } });
    mocks.ecs.on(TagResourceCommand).resolves({});
    mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    mocks.codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: DEPLOYMENT });
    mocks.codedeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] });
    mocks.codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: DEPLOYMENT, status: 'Succeeded' } });
  }

  test('promote --from-status ships the status file\'s digest from prod\'s own registry, touching only prod', async () => {
    // GIVEN dev's status document (digest 3, commit 3f2a9c1) and that digest replicated into prod's registry
    givenProd(true);
    // WHEN the prod job promotes with it
    const r = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--from-status', statusFile(devStatus), '--json']);
    // THEN the digest is looked up in prod's repository, then registered by digest on prod's Terraform revision
    expect(r.code).toBe(0);
    expect(mocks.ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input)).toEqual([{ repositoryName: prodNames.repository, registryId: prodEnv.accountId, imageIds: [{ imageDigest: DIGEST(3) }] }]);
    const input = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as Record<string, any>;
    expect(input.family).toBe(prodNames.family);
    expect(input.containerDefinitions[0].image).toBe(`${PROD_REPO}@${DIGEST(3)}`);
    expect(input.tags).toEqual(expect.arrayContaining([{ key: 'ecs-release:commit', value: '3f2a9c1' }, { key: 'ecs-release:image-digest', value: DIGEST(3) }]));
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'promote', from: 'dev', outcome: 'completed', image: `${PROD_REPO}@${DIGEST(3)}`, sourceRevision: TD(9), revision: PROD_TD(4) });
    // AND every call was made in prod's account (the file replaces reading dev)
    expect(new Set(r.calls.map((c) => c.environment))).toEqual(new Set(['prod']));
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  test('promote --from-status refuses a digest not yet replicated to prod, says so with the whole digest and the command that checks it, and writes nothing', async () => {
    // GIVEN dev's digest 3 is not (yet) in prod's registry
    givenProd(false);
    // WHEN prod's job promotes it
    const r = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--from-status', statusFile(devStatus)]);
    // THEN refused (a precondition in AWS, retry later), in one line naming --to's registry, not --from
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`prod: ${DIGEST(3)} (running in dev) has not been replicated to ${PROD_REPO} yet`);
    expect(lines[0]).toContain(`\`aws ecr describe-images --registry-id ${prodEnv.accountId} --repository-name ${prodNames.repository} --image-ids imageDigest=${DIGEST(3)} --region ${prodEnv.region}\``);
    expect(lines[0]).not.toMatch(/push it first|--from:|\.\.\./);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('promote refuses a status taken mid-deployment, and a file that is no status document', async () => {
    given();
    const busy = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--from-status', statusFile({ ...devStatus, deploymentsInFlight: [{ id: 'x' }] })]);
    expect(busy.code).toBe(3);
    const junk = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--from-status', statusFile({ hello: 'world' })]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('allowed: the JSON of `ecs-release status --env dev --service web --json`');
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release wait and restart of a blue/green service (CodeDeploy, client mocks)', () => {
  test('GIVEN a CodeDeploy deployment started with --no-wait WHEN waiting THEN it is followed to the hold (exit 5), and to its end once approved (exit 0, revision marked deployed)', async () => {
    given([info('InProgress'), info('Ready')], [DEPLOYMENT]);
    const held = await cli(['wait', '--env', 'dev', '--service', 'web', '--json'], asBlueGreen);
    expect(held.code).toBe(5);
    expect(JSON.parse(held.stdout)).toMatchObject({ command: 'wait', outcome: 'holding', deploymentId: DEPLOYMENT });
    expect(writeCalls(mocks)).toEqual([]);

    given([info('InProgress'), info('Succeeded')], [DEPLOYMENT]);
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [blueGreenService(NEW)] });
    const done = await cli(['wait', '--env', 'dev', '--service', 'web', '--json'], asBlueGreen);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ outcome: 'completed', revision: TD(NEW) });
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input.resourceArn)).toEqual([TD(NEW)]);
  });

  test('GIVEN nothing in flight WHEN waiting THEN exit 0 at once', async () => {
    given([info('Succeeded')], []);
    const r = await cli(['wait', '--env', 'dev', '--service', 'web'], asBlueGreen);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing in flight');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN a digest-pinned running revision WHEN restarting THEN CodeDeploy ships that very revision (no new one) and it holds before the traffic shift like a deploy', async () => {
    given([info('InProgress'), info('Ready')]);
    const r = await cli(['restart', '--env', 'dev', '--service', 'web', '--json'], asBlueGreen);
    expect(r.code).toBe(5);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    const create = mocks.codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
    expect(JSON.parse(create.revision!.appSpecContent!.content!).Resources[0].TargetService.Properties.TaskDefinition).toBe(TD(RUNNING_REVISION));
  });
});
