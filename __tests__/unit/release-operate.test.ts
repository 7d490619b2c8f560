import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Programs } from '../../src/release/context';
import { execCommandLine } from '../../src/release/exec';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, allCalls, cli, deployment, descriptor, dev, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';

const mocks = mockAws();
afterAll(() => mocks.restore());

const runningImage = `${REPO}@${DIGEST(2)}`;
const ID = (c: string) => c.repeat(32);
const taskArn = (id: string, cluster = names.cluster) => `arn:aws:ecs:${dev.region}:${ACCOUNT}:task/${cluster}/${id}`;

function task(id: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: taskArn(id),
    taskDefinitionArn: TD(RUNNING_REVISION),
    group: `service:${names.service}`,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'HEALTHY',
    availabilityZone: `${dev.region}a`,
    startedAt: new Date('2026-01-01T10:00:00Z'),
    enableExecuteCommand: true,
    containers: [{ name: names.container, image: runningImage, imageDigest: DIGEST(2), runtimeId: `${id}-1234`, managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING' }] }],
    ...extra,
  };
}

/** GIVEN dev's descriptor, a service on revision 7 (digest-pinned) and two running tasks. */
function givenDev(tasks: Task[] = [task(ID('a')), task(ID('b'), { availabilityZone: `${dev.region}b`, healthStatus: 'UNKNOWN', startedAt: new Date('2026-01-01T11:00:00Z') })]): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-operator/alice` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ ...service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')]), desiredCount: 2, runningCount: 2 }] });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: revision(RUNNING_REVISION, runningImage), tags: [{ key: 'ecs-coexist:owner', value: 'ecs-release' }] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
  mocks.ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => {
    const found = tasks.filter((t) => input.tasks.some((x) => t.taskArn === x || t.taskArn!.endsWith(`/${x}`)));
    return { tasks: found, failures: found.length ? [] : [{ reason: 'MISSING' }] };
  });
  mocks.ecs.on(StopTaskCommand).resolves({ task: tasks[0] });
  mocks.ecs.on(UpdateServiceCommand).resolves({ service: service(RUNNING_REVISION, [deployment('ecs-svc/new', RUNNING_REVISION, 'IN_PROGRESS'), deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED', 'ACTIVE')]) });
  mocks.ecs.on(TagResourceCommand).resolves({});
  mocks.autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [{ MinCapacity: 1, MaxCapacity: 3, ResourceId: `service/${names.cluster}/${names.service}` } as never] });
}

describe('ecs-release tasks (client mocks, operator identity)', () => {
  test('GIVEN two running tasks WHEN listing THEN each shows revision, digest, health and availability zone, oldest first', async () => {
    givenDev();
    const r = await cli(['tasks', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tasks.map((t: Record<string, unknown>) => [t.taskId, t.revision, t.digest, t.health, t.availabilityZone])).toEqual([
      [ID('a'), `${names.family}:${RUNNING_REVISION}`, DIGEST(2), 'HEALTHY', `${dev.region}a`],
      [ID('b'), `${names.family}:${RUNNING_REVISION}`, DIGEST(2), 'UNKNOWN', `${dev.region}b`],
    ]);
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0].args[0].input).toMatchObject({ cluster: names.cluster, serviceName: names.service, desiredStatus: 'RUNNING' });
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN a service task WHEN stopping it THEN one StopTask names the caller; --dry-run stops nothing', async () => {
    givenDev();
    const dry = await cli(['tasks', 'stop', ID('a'), '--env', 'dev', '--service', 'web', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`dry run: would stop task ${ID('a')}`);
    expect(writeCalls(mocks)).toEqual([]);
    const r = await cli(['tasks', 'stop', ID('a'), '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: names.cluster, task: taskArn(ID('a')), reason: `ecs-release tasks stop by arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-operator/alice` },
    ]);
  });

  test('GIVEN a task of another service or a one-off task WHEN stopping it THEN it is refused (exit 3) and nothing is stopped', async () => {
    givenDev([task(ID('c'), { group: 'service:other' }), task(ID('d'), { group: `family:${names.family}` })]);
    for (const id of [ID('c'), ID('d')]) {
      const r = await cli(['tasks', 'stop', id, '--env', 'dev', '--service', 'web']);
      expect(r.code).toBe(3);
      expect(r.stderr.trim()).toMatch(new RegExp(`^ecs-release: task-id: received "${id}"; allowed: a task of service ${names.service} \\(its group is`));
    }
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN AWS values carrying terminal controls WHEN listing THEN they are printed visible, one line per task', async () => {
    givenDev([task(ID('a'), { availabilityZone: 'eu-west-1a\u001b[2J\nforged line' })]);
    const r = await cli(['tasks', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('eu-west-1a\\u001b[2J\\u000aforged line');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  test('GIVEN a malformed task id WHEN stopping THEN exit 2 in one line and no AWS call at all', async () => {
    givenDev();
    const r = await cli(['tasks', 'stop', '../../etc', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: task-id: received "../../etc"; allowed: a task id (32 hex characters, as `ecs-release tasks` lists them) or its ARN');
    expect(allCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release scale (client mocks, operator identity)', () => {
  test('GIVEN dev scales 1..3 in its configuration WHEN asking for 9 THEN exit 2 before any AWS call', async () => {
    givenDev();
    const r = await cli(['scale', '9', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: count: received 9; allowed: 1..3 (services.web.autoScaling of environments/dev.ts)');
    expect(allCalls(mocks)).toEqual([]);
  });

  test('GIVEN the live scalable target allows 1..2 WHEN asking for 3 THEN refused (exit 3) with nothing written', async () => {
    givenDev();
    mocks.autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [{ MinCapacity: 1, MaxCapacity: 2 } as never] });
    const r = await cli(['scale', '3', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`allowed: 1..2 (the scalable target service/${names.cluster}/${names.service})`);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN scaling is attached WHEN scaling to 3 THEN only the desired count changes and the output says Terraform ignores it', async () => {
    givenDev();
    const dry = await cli(['scale', '3', '--env', 'dev', '--service', 'web', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(writeCalls(mocks)).toEqual([]);
    const r = await cli(['scale', '3', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: names.cluster, service: names.service, desiredCount: 3 }]);
    expect(r.stderr).toContain('auto scaling is attached: Terraform ignores desired_count');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'scaled', from: 2, to: 3, terraformIgnoresCount: true, bounds: { min: 1, max: 3 } });
  });
});

describe('ecs-release logs (client mocks, operator identity)', () => {
  const event = (id: string, at: number, message: string, task = ID('a')) => ({ eventId: id, timestamp: at, message, logStreamName: `${names.service}/${names.container}/${task}` });

  test('GIVEN events in two tasks\' streams WHEN reading the last hour THEN every stream of the container is read from then, each line naming its task, controls made visible', async () => {
    givenDev();
    mocks.logs.on(FilterLogEventsCommand).resolves({ events: [event('1', Date.parse('2026-01-01T23:30:00Z'), 'started'), event('2', Date.parse('2026-01-01T23:31:00Z'), 'evil\u001b[2Jline\n', ID('b'))] });
    const r = await cli(['logs', '--env', 'dev', '--service', 'web', '--since', '1h']);
    expect(r.code).toBe(0);
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[0].args[0].input).toEqual({
      logGroupName: names.logGroup,
      logStreamNamePrefix: `${names.service}/${names.container}/`,
      startTime: Date.parse('2026-01-02T00:00:00Z') - 3_600_000,
      nextToken: undefined,
    });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([`2026-01-01T23:30:00.000Z ${ID('a')} started`, `2026-01-01T23:31:00.000Z ${ID('b')} evil\\u001b[2Jline`]);
  });

  const T = Date.parse('2026-01-02T00:00:00Z');

  test('GIVEN --follow WHEN new events arrive THEN each is printed once, and Ctrl-C ends with exit 130', async () => {
    givenDev();
    const ac = new AbortController();
    mocks.logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('1', T + 1000, 'one')] })
      .resolvesOnce({ events: [event('1', T + 1000, 'one'), event('2', T + 2000, 'two')] })
      .resolves({ events: [] });
    const r = await cli(['logs', '--env', 'dev', '--service', 'web', '--task', ID('a'), '--follow'], { signal: ac.signal, onSleep: (n) => n === 3 && ac.abort() });
    expect(r.code).toBe(130);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['2026-01-02T00:00:01.000Z one', '2026-01-02T00:00:02.000Z two']);
    const inputs = mocks.logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs[0].logStreamNames).toEqual([`${names.service}/${names.container}/${ID('a')}`]);
    // each poll starts at the newest event seen
    expect(inputs[2].startTime).toBe(T + 2000);
  });

  test('GIVEN a bad --since WHEN reading THEN exit 2 in one line and no AWS call', async () => {
    givenDev();
    const r = await cli(['logs', '--env', 'dev', '--service', 'web', '--since', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --since: received "yesterday"; allowed: a duration from 1s to 336h (14 days), such as 30s, 10m or 2h');
    expect(allCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release run: log streaming and --detach (client mocks)', () => {
  function givenOneOff(): void {
    givenDev();
    mocks.ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(ID('e')), lastStatus: 'PROVISIONING' }] });
    mocks.ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ taskArn: taskArn(ID('e')), lastStatus: 'RUNNING' }] })
      .resolves({ tasks: [{ taskArn: taskArn(ID('e')), lastStatus: 'STOPPED', containers: [{ name: names.container, exitCode: 0 }] }] });
  }

  test('GIVEN --detach WHEN running THEN the task id comes back at once and nothing waits', async () => {
    givenOneOff();
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--detach', '--json', '--', './manage.py', 'migrate']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'started', taskId: ID('e') });
    expect(mocks.ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
    expect(r.sleeps).toEqual([]);
  });

  test('GIVEN the task writes logs WHEN running THEN its stream is printed while it runs and after it stopped, then its exit code', async () => {
    givenOneOff();
    mocks.logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ eventId: '1', timestamp: 1000, message: 'Applying migrations' }] })
      .resolves({ events: [{ eventId: '2', timestamp: 2000, message: 'OK' }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--', './manage.py', 'migrate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Applying migrations\n.*OK\n.*task .* stopped: app exited with 0/s);
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[0].args[0].input.logStreamNames).toEqual([`${names.service}/${names.container}/${ID('e')}`]);
  });

  test('GIVEN the logs cannot be read WHEN running THEN the run still ends with the container\'s exit code', async () => {
    givenOneOff();
    mocks.logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--', 'true']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("the task's logs cannot be read (AccessDeniedException)");
  });
});

describe('ecs-release exec (client mocks, operator identity)', () => {
  function programs(installed = true, exitCode = 0): Programs & { runs: { path: string; args: readonly string[] }[] } {
    const runs: { path: string; args: readonly string[] }[] = [];
    return { runs, which: (name) => (installed ? `/usr/local/bin/${name}` : undefined), run: async (path, args) => (runs.push({ path, args }), exitCode) };
  }

  test('GIVEN prod, whose configuration has ECS Exec off WHEN exec THEN refused (exit 3) before any AWS call', async () => {
    givenDev();
    const p = programs();
    const r = await cli(['exec', '--env', 'prod', '--service', 'web'], { programs: p });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('ecs-release: --service: received "web"; allowed: a service with ECS Exec on (services.web.enableExecuteCommand is off in environments/prod.ts; on for: no service of prod); nothing was called');
    expect(allCalls(mocks)).toEqual([]);
    expect(p.runs).toEqual([]);
  });

  test('GIVEN dev, where web has ECS Exec on and the worker not WHEN exec --service worker THEN refused (exit 3) naming --service and the service that has it, before any AWS call', async () => {
    givenDev();
    const p = programs();
    const r = await cli(['exec', '--env', 'dev', '--service', 'worker'], { programs: p });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('ecs-release: --service: received "worker"; allowed: a service with ECS Exec on (services.worker.enableExecuteCommand is off in environments/dev.ts; on for: web); nothing was called');
    expect(allCalls(mocks)).toEqual([]);
    expect(p.runs).toEqual([]);
  });

  test('GIVEN no Session Manager plugin WHEN exec THEN refused (exit 3) in one line before any AWS call', async () => {
    givenDev();
    const r = await cli(['exec', '--env', 'dev', '--service', 'web'], { programs: programs(false) });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^ecs-release: session-manager-plugin: received nothing; allowed: the Session Manager plugin on PATH/);
    expect(allCalls(mocks)).toEqual([]);
  });

  test('GIVEN a running task WHEN exec runs a command THEN the session goes to the plugin as the AWS CLI hands it, and its exit code comes back', async () => {
    givenDev();
    mocks.ecs.on(ExecuteCommandCommand).resolves({ session: { sessionId: 's-1', streamUrl: 'wss://ssmmessages/s-1', tokenValue: 'tok' } });
    const p = programs(true, 7);
    const r = await cli(['exec', '--env', 'dev', '--service', 'web', '--', 'sh', '-c', "echo 'hi'; id"], { programs: p });
    expect(r.code).toBe(7);
    // the newest task, the service's container, one quoted command line
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)[0].args[0].input).toEqual({
      cluster: names.cluster,
      task: taskArn(ID('b')),
      container: names.container,
      command: `sh -c 'echo '\\''hi'\\''; id'`,
      interactive: true,
    });
    expect(p.runs).toEqual([
      {
        path: '/usr/local/bin/session-manager-plugin',
        args: [
          JSON.stringify({ SessionId: 's-1', StreamUrl: 'wss://ssmmessages/s-1', TokenValue: 'tok' }),
          dev.region,
          'StartSession',
          '',
          JSON.stringify({ Target: `ecs:${names.cluster}_${ID('b')}_${ID('b')}-1234` }),
          `https://ecs.${dev.region}.amazonaws.com`,
        ],
      },
    ]);
  });

  test('GIVEN a task of another service WHEN exec --task names it THEN refused (exit 3) and no session is opened', async () => {
    givenDev([task(ID('c'), { group: 'service:other' })]);
    const p = programs();
    const r = await cli(['exec', '--env', 'dev', '--service', 'web', '--task', ID('c')], { programs: p });
    expect(r.code).toBe(3);
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)).toHaveLength(0);
    expect(p.runs).toEqual([]);
  });

  test('GIVEN a task started before Exec was on WHEN exec THEN refused with what to do', async () => {
    givenDev([task(ID('a'), { enableExecuteCommand: false })]);
    const r = await cli(['exec', '--env', 'dev', '--service', 'web', '--task', ID('a')], { programs: programs() });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('a task started with ECS Exec on');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('every argument stays one argument: a hostile one is single-quoted, never reaching a shell bare', () => {
    expect(execCommandLine(['./manage.py', 'shell'])).toBe('./manage.py shell');
    expect(execCommandLine(["'; rm -rf / #", '$(id)', 'a b'])).toBe(`''\\''; rm -rf / #' '$(id)' 'a b'`);
  });
});

describe('ecs-release restart and wait (client mocks, deploy identity)', () => {
  test('GIVEN a digest-pinned running revision WHEN restarting THEN a new deployment of that very revision starts, no new revision, and it is followed to its end', async () => {
    givenDev();
    mocks.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')])] })
      .resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/new', RUNNING_REVISION, 'COMPLETED')])] });
    const r = await cli(['restart', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: names.cluster, service: names.service, taskDefinition: TD(RUNNING_REVISION), forceNewDeployment: true }]);
    expect(r.stdout).toContain('deployment ecs-svc/new completed');
  });

  test('GIVEN a running revision that names its image by tag WHEN restarting THEN refused (exit 3): a restart would ship whatever the tag names now', async () => {
    givenDev();
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: revision(RUNNING_REVISION, `${REPO}:latest`), tags: [] });
    const r = await cli(['restart', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('allowed: an image pinned by digest');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN a deployment started with --no-wait WHEN waiting THEN it is followed to its end with deploy\'s exit codes', async () => {
    givenDev();
    const inFlight = service(8, [deployment('ecs-svc/new', 8, 'IN_PROGRESS'), deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED', 'ACTIVE')]);
    mocks.ecs.on(DescribeServicesCommand).resolvesOnce({ services: [inFlight] }).resolves({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')], [{ id: 'e1', at: '2026-01-02T00:01:00Z', message: 'rolling back (circuit breaker)' }])] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(8) }).resolves({ taskDefinition: revision(8, `${REPO}@${DIGEST(3)}`), tags: [{ key: 'ecs-coexist:owner', value: 'ecs-release' }] });
    const r = await cli(['wait', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'wait', outcome: 'rolled-back', deploymentId: 'ecs-svc/new' });
    // the pointer goes back to the image that runs again, as deploy would
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([runningImage]);
  });

  test('GIVEN nothing in flight WHEN waiting THEN exit 0 at once, saying how the last deployment ended', async () => {
    givenDev();
    const r = await cli(['wait', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing in flight: the last deployment ecs-svc/old completed');
    expect(r.sleeps).toEqual([]);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('operate commands: --help', () => {
  test.each([['exec'], ['logs'], ['tasks'], ['tasks', 'stop'], ['scale'], ['restart'], ['wait']])('%s %s --help exits 0 and documents the exit codes', async (...command) => {
    const r = await cli([...command.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: ecs-release ${command.filter(Boolean).join(' ')}`);
    expect(r.stdout).toContain('Operate commands:');
    expect(r.stdout).toContain('130  interrupted');
  });

  test('restart --help says it is digest-pinned, not the latest anti-pattern', async () => {
    const r = await cli(['restart', '--help']);
    expect(r.stdout).toMatch(/pinned by\s+digest[\s\S]*`latest` anti-pattern/);
  });
});

describe('the Session Manager plugin hand-off (a real child process)', () => {
  test('GIVEN a program on PATH WHEN it runs THEN its exit code comes back, and the CLI\'s SIGINT handling is set aside while it runs and restored after', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { localPrograms } = require('../../src/release/programs') as typeof import('../../src/release/programs');
    const handler = () => undefined;
    process.once('SIGINT', handler);
    try {
      const sh = localPrograms.which('sh');
      expect(sh).toBeDefined();
      expect(localPrograms.which('surely-not-installed-ecs-release-plugin')).toBeUndefined();
      const running = localPrograms.run(sh!, ['-c', 'exit 3']);
      const during = process.rawListeners('SIGINT').filter((l) => (l as { listener?: unknown }).listener === handler || l === handler).length;
      expect(await running).toBe(3);
      expect(during).toBe(0);
      expect(process.rawListeners('SIGINT').filter((l) => (l as { listener?: unknown }).listener === handler).length).toBe(1);
    } finally {
      process.removeListener('SIGINT', handler);
    }
  });
});
