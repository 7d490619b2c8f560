import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { resourceNames, serviceNames } from '../../environments/names';
import type { Moto } from '../../scripts/lib/moto';
import { registerable } from '../../src/release/revision';
import { dev } from '../helpers/stacks';
import { accountClients, applyStack, commitTag, deployRoleArn, describeRevision, pushImage, release, serviceState, startEmulator, webService, type AppliedStack } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/** exec, logs, tasks, scale, restart, wait and run --detach against moto with the dev stack applied. */
describe('ecs-release operate commands against moto (dev stack)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  const names = { ...resourceNames(dev), ...serviceNames(dev, 'web') };
  const deployRole = deployRoleArn(dev);
  const operatorRole = `arn:aws:iam::${dev.accountId}:role/${names.prefix}-operator`;
  let serviceTask = '';
  let oneOffTask = '';

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    stack = await applyStack(moto, dev);
    // GIVEN a digest-pinned deploy, then (moto's services launch no tasks) one task of the service and one one-off task
    gap('ecs-service-launches-no-tasks');
    const tag = commitTag();
    const { uri } = await pushImage(moto, dev, tag);
    const deployed = await release(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--role-arn', deployRole, '--json']);
    expect(deployed.code).toBe(0);
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const state = await serviceState(moto, dev);
    // moto cannot run a revision without container-level memory (gap run-task-container-memory): a runnable copy
    gap('run-task-container-memory');
    const input = registerable((await describeRevision(moto, dev, state.service.taskDefinition!)).definition);
    input.containerDefinitions![0].memoryReservation = webService(dev).memoryMiB;
    const runnable = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
    await ecs.send(new UpdateServiceCommand({ cluster: names.cluster, service: names.service, taskDefinition: runnable }));
    // moto moves a task one state further per DescribeTasks by default; these stay RUNNING until stopped
    await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 100_000 } }) });
    const network = { awsvpcConfiguration: state.service.networkConfiguration!.awsvpcConfiguration! };
    const start = async (group: string) =>
      (await ecs.send(new RunTaskCommand({ cluster: names.cluster, taskDefinition: runnable, launchType: 'FARGATE', networkConfiguration: network, group, enableExecuteCommand: true }))).tasks![0].taskArn!.split('/').pop()!;
    serviceTask = await start(`service:${names.service}`);
    oneOffTask = await start(`family:${names.family}`);
    // and two log lines in the service task's stream, as the awslogs driver names it
    const sts = new STSClient({ endpoint: moto.endpoint, region: dev.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${dev.accountId}:role/e2e-inspector`, RoleSessionName: 'e2e' }))).Credentials!;
    const logs = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: dev.region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
    const stream = `${names.service}/${names.container}/${serviceTask}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: names.logGroup, logStreamName: stream }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: names.logGroup, logStreamName: stream, logEvents: [{ timestamp: now - 2000, message: 'booting' }, { timestamp: now - 1000, message: 'listening on :8080' }] }));
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    stack?.remove();
  });

  test('tasks lists the running tasks with their revision and digest; logs prints the task\'s stream', async () => {
    const listed = await release(moto, ['tasks', '--env', 'dev', '--service', 'web', '--role-arn', operatorRole, '--json']);
    expect(listed.code).toBe(0);
    const row = listed.json!.tasks.find((t: { taskId: string }) => t.taskId === serviceTask);
    expect(row).toMatchObject({ revision: expect.stringMatching(new RegExp(`^${names.family}:\\d+$`)), lastStatus: 'RUNNING', group: `service:${names.service}` });

    gap('logs-stream-name-prefix');
    const all = await release(moto, ['logs', '--env', 'dev', '--service', 'web', '--since', '1h', '--role-arn', operatorRole]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`Z ${serviceTask} booting\\n.*Z ${serviceTask} listening on :8080\\n`));
    const one = await release(moto, ['logs', '--env', 'dev', '--service', 'web', '--task', serviceTask, '--since', '1h', '--role-arn', operatorRole, '--json']);
    expect(one.json!.events.map((e: { message: string }) => e.message)).toEqual(['booting', 'listening on :8080']);
  }, 120_000);

  test('tasks stop refuses the one-off task, stops nothing on --dry-run, then stops the service task', async () => {
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const status = async (id: string) => (await ecs.send(new DescribeTasksCommand({ cluster: names.cluster, tasks: [id] }))).tasks![0].desiredStatus;
    const refused = await release(moto, ['tasks', 'stop', oneOffTask, '--env', 'dev', '--service', 'web', '--role-arn', operatorRole]);
    expect(refused.code).toBe(3);
    expect(await status(oneOffTask)).toBe('RUNNING');
    const dry = await release(moto, ['tasks', 'stop', serviceTask, '--env', 'dev', '--service', 'web', '--dry-run', '--role-arn', operatorRole]);
    expect(dry.code).toBe(0);
    expect(await status(serviceTask)).toBe('RUNNING');
    gap('ecs-execute-command');
    // moto's RunTask drops enableExecuteCommand: exec picks the task, then refuses it before any session, as ECS would
    // for a task started with Exec off
    const exec = await release(moto, ['exec', '--env', 'dev', '--service', 'web', '--task', serviceTask, '--dry-run', '--role-arn', operatorRole]);
    expect(exec.code).toBe(3);
    expect(exec.stderr.trim()).toBe(`ecs-release: task: received "${serviceTask}"; allowed: a task started with ECS Exec on (tasks started before Exec was enabled keep it off: restart the service)`);
    const prod = await release(moto, ['exec', '--env', 'prod', '--service', 'web', '--dry-run']);
    expect(prod.code).toBe(3);
    const stopped = await release(moto, ['tasks', 'stop', serviceTask, '--env', 'dev', '--service', 'web', '--role-arn', operatorRole]);
    expect(stopped.code).toBe(0);
    expect(await status(serviceTask)).toBe('STOPPED');
  }, 120_000);

  test('scale sets the desired count within the configured bounds and refuses outside them without a call', async () => {
    gap('application-auto-scaling');
    const outside = await release(moto, ['scale', String(webService(dev).autoScaling!.maxCapacity + 1), '--env', 'dev', '--service', 'web', '--role-arn', operatorRole]);
    expect(outside.code).toBe(2);
    const r = await release(moto, ['scale', String(webService(dev).autoScaling!.maxCapacity), '--env', 'dev', '--service', 'web', '--role-arn', operatorRole, '--json']);
    expect(r.code).toBe(0);
    expect((await serviceState(moto, dev)).service.desiredCount).toBe(webService(dev).autoScaling!.maxCapacity);
    await release(moto, ['scale', String(webService(dev).desiredCount), '--env', 'dev', '--service', 'web', '--role-arn', operatorRole]);
  }, 120_000);

  test('run --detach returns the id of a task that exists in ECS (before restart: the service still runs the revision moto can run)', async () => {
    const r = await release(moto, ['run', '--env', 'dev', '--service', 'web', '--detach', '--role-arn', deployRole, '--json', '--', './manage.py', 'migrate']);
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ code: 0, errors: [] });
    expect(r.json).toMatchObject({ outcome: 'started', taskId: expect.stringMatching(/^[\w-]+$/) });
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    expect((await ecs.send(new DescribeTasksCommand({ cluster: names.cluster, tasks: [r.json!.taskId] }))).tasks).toHaveLength(1);
  }, 60_000);

  test('restart ships the running revision again (no new revision) and wait follows a --no-wait deploy to its end', async () => {
    const before = await serviceState(moto, dev);
    const restarted = await release(moto, ['restart', '--env', 'dev', '--service', 'web', '--role-arn', deployRole, '--poll-interval', '1s', '--json']);
    expect({ code: restarted.code, errors: restarted.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ code: 0, errors: [] });
    const after = await serviceState(moto, dev);
    expect(after.service.taskDefinition).toBe(before.service.taskDefinition);
    expect(after.revisions).toEqual(before.revisions);

    const tag = commitTag();
    const { uri } = await pushImage(moto, dev, tag);
    const started = await release(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--no-wait', '--role-arn', deployRole, '--json']);
    expect(started.json).toMatchObject({ outcome: 'started' });
    const waited = await release(moto, ['wait', '--env', 'dev', '--service', 'web', '--role-arn', deployRole, '--poll-interval', '1s', '--json']);
    expect(waited.code).toBe(0);
    expect(waited.json).toMatchObject({ command: 'wait', outcome: 'completed' });
  }, 180_000);

});
