import { DescribeTasksCommand, RunTaskCommand, type AwsVpcConfiguration, type Task } from '@aws-sdk/client-ecs';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { EXIT, ReleaseError, usageError } from '../errors';
import { findContainer, TAG } from '../revision';
import { LogTail, printEvents } from '../logs';
import { describeService, resolveTarget, revisionName, type Target } from '../target';
import { scheduledRevision } from '../scheduled';
import { describeRevision } from './deploy';
import { targetFlags } from '../services';

export interface RunOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly command: string[];
  readonly container?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
  /** --detach: return the task id once the task started, without waiting. */
  readonly detach?: boolean;
  /** false with --no-logs: do not stream the task's log events while waiting. */
  readonly logs?: boolean;
}

/**
 * `ecs-release run -- <command…>`: a one-off task (a migration, a seeder) from the service's current revision, in the
 * service's subnets and security groups, with the container's command overridden; streams its log events while it
 * runs (--no-logs: not), waits until it stops and exits with the container's exit code (--detach: returns the task id
 * at once). A timeout or SIGINT leaves the task running:
 * killing a migration halfway is worse than letting it finish. The task is tagged `ecs-release:one-off`, so the
 * deploy role can stop it (`aws ecs stop-task`, as the message says) while it cannot stop the service's tasks.
 */
export async function run(ctx: Context, opts: RunOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const scheduled = target.service.kind === 'scheduled';
  // A scheduled service's job runs now as its schedule would run it (its own command) unless a command is given.
  if (opts.command.length === 0 && !scheduled) throw usageError('command', [], 'a command after --, such as: -- ./manage.py migrate');
  const { cluster } = target.descriptor;
  // A scheduled service has no ECS service: its next run's revision (the family's latest) in the descriptor's network.
  const service = scheduled ? undefined : await describeService(ctx, target);
  const revision = scheduled ? await scheduledRevision(target) : await describeRevision(target, service?.taskDefinition ?? target.descriptor.taskDefinitionArn);
  const revisionArn = revision.definition.taskDefinitionArn ?? target.descriptor.taskDefinitionArn;
  const container = opts.container ?? target.descriptor.container;
  findContainer(revision.definition, container);

  const network: AwsVpcConfiguration = service?.networkConfiguration?.awsvpcConfiguration ?? {
    subnets: target.descriptor.subnets,
    securityGroups: target.descriptor.securityGroups,
    assignPublicIp: 'DISABLED',
  };
  const placement = service?.capacityProviderStrategy?.length
    ? { capacityProviderStrategy: service.capacityProviderStrategy }
    : { launchType: service?.launchType ?? 'FARGATE' };
  const started = await target.clients.ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: revisionArn,
      count: 1,
      ...placement,
      platformVersion: service?.platformVersion,
      networkConfiguration: { awsvpcConfiguration: network },
      overrides: opts.command.length > 0 ? { containerOverrides: [{ name: container, command: opts.command }] } : undefined,
      startedBy: 'ecs-release',
      propagateTags: 'TASK_DEFINITION',
      // The deploy role may stop only tasks carrying this tag (modules/web-service.ts StopOnlyOneOffTasks): a
      // migration that went wrong, never the service's own tasks.
      tags: [{ key: TAG.oneOff, value: 'true' }],
      enableExecuteCommand: false,
    }),
  );
  const task = started.tasks?.[0];
  if (!task?.taskArn) {
    const f = started.failures?.[0];
    throw new ReleaseError(EXIT.FAILED, `the task did not start: ${f?.reason ?? 'no reason given'}${f?.detail ? ` (${f.detail})` : ''}`);
  }
  const taskArn = task.taskArn;
  const taskId = taskArn.split('/').pop();
  report.info(`started task ${taskId} from ${revisionName(revisionArn)}: ${container} runs ${opts.command.length > 0 ? JSON.stringify(opts.command) : "its own command (as its schedule runs it)"}`);
  const document: Record<string, unknown> = {
    command: 'run',
    environment: target.env.name,
    revision: revisionArn,
    container,
    taskArn,
    run: opts.command,
    subnets: network.subnets,
    securityGroups: network.securityGroups,
  };

  if (opts.detach) {
    const message = `task ${taskId} started; follow it with: ecs-release logs ${targetFlags(target)} --task ${taskId} --follow`;
    report.info(message);
    return { exitCode: EXIT.OK, document: { ...document, taskId, outcome: 'started', exitCode: EXIT.OK, message } };
  }

  const goesOn = `the task goes on in ECS (stop it with: aws ecs stop-task --cluster ${cluster} --task ${taskId})`;
  const tail = opts.logs === false ? undefined : new LogTail(target, { container, taskId, startTime: 0 });
  const stopped = await followTask(ctx, report, target, taskArn, tail, opts);
  if (stopped === 'timeout') {
    const message = `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for task ${taskId}; ${goesOn}`;
    report.progress(`ecs-release: ${message}`);
    return { exitCode: EXIT.TIMEOUT, document: { ...document, outcome: 'timeout', exitCode: EXIT.TIMEOUT, message } };
  }
  if (stopped === 'interrupted') {
    const message = `interrupted while waiting for task ${taskId}; ${goesOn}`;
    report.progress(`ecs-release: ${message}`);
    return { exitCode: EXIT.INTERRUPTED, document: { ...document, outcome: 'interrupted', exitCode: EXIT.INTERRUPTED, message } };
  }
  const c = stopped?.containers?.find((x) => x.name === container);
  const exitCode = c?.exitCode;
  const why = [stopped?.stopCode, stopped?.stoppedReason, c?.reason].filter(Boolean).join(': ');
  if (exitCode === undefined || exitCode === null) {
    const message = `task ${taskId} stopped without an exit code from ${container}${why ? ` (${why})` : ''}`;
    report.progress(`ecs-release: ${message}`);
    return { exitCode: EXIT.FAILED, document: { ...document, outcome: 'failed', exitCode: EXIT.FAILED, message, stopCode: stopped?.stopCode ?? null, stoppedReason: stopped?.stoppedReason ?? null } };
  }
  const message = `task ${taskId} stopped: ${container} exited with ${exitCode}${exitCode !== 0 && why ? ` (${why})` : ''}`;
  if (exitCode === 0) report.info(message);
  else report.progress(`ecs-release: ${message}`);
  return { exitCode, document: { ...document, outcome: exitCode === 0 ? 'completed' : 'failed', exitCode, containerExitCode: exitCode, message } };
}

/**
 * Polls the task (DescribeTasks, with deploy's back-off) until it stopped, printing its new log events after each
 * poll, plus one last read once it stopped (the awslogs driver flushes on exit). Returns the stopped task, or why the
 * wait ended without one; the task goes on in ECS in both cases.
 */
async function followTask(ctx: Context, report: Reporter, target: Target, taskArn: string, tail: LogTail | undefined, opts: RunOptions): Promise<Task | undefined | 'timeout' | 'interrupted'> {
  const deadline = ctx.now() + opts.timeoutMs;
  const maxPoll = Math.max(opts.pollMs, 30_000);
  let interval = opts.pollMs;
  let logs = tail;
  const streamLogs = async () => {
    if (!logs) return;
    try {
      printEvents(report, await logs.poll(ctx, true), false);
    } catch (e) {
      // The task's exit code is what the pipeline needs: a log read that fails stops the streaming, not the run.
      report.progress(`ecs-release: the task's logs cannot be read (${(e as Error).name}); waiting for its exit code without them`);
      logs = undefined;
    }
  };
  for (;;) {
    const r = await ctx.counter.polling(() => target.clients.ecs.send(new DescribeTasksCommand({ cluster: target.descriptor.cluster, tasks: [taskArn] })));
    const task = r.tasks?.[0];
    if (task?.lastStatus === 'STOPPED') {
      await streamLogs();
      return task;
    }
    await streamLogs();
    if (ctx.signal.aborted) return 'interrupted';
    const left = deadline - ctx.now();
    if (left <= 0) return 'timeout';
    try {
      await ctx.sleep(Math.min(interval, left), ctx.signal);
    } catch {
      return 'interrupted';
    }
    interval = Math.min(Math.round(interval * 1.5), maxPoll);
  }
}
