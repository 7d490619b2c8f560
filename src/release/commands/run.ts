import { DescribeTasksCommand, RunTaskCommand, waitUntilTasksStopped, type AwsVpcConfiguration } from '@aws-sdk/client-ecs';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { EXIT, ReleaseError, usageError } from '../errors';
import { findContainer, TAG } from '../revision';
import { describeService, resolveTarget, revisionName } from '../target';
import { describeRevision } from './deploy';

export interface RunOptions extends WaitFlags {
  readonly env: string;
  readonly command: string[];
  readonly container?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release run -- <command…>`: a one-off task (a migration, a seeder) from the service's current revision, in the
 * service's subnets and security groups, with the container's command overridden; waits until it stops (the SDK's
 * tasksStopped waiter) and exits with the container's exit code. A timeout or SIGINT leaves the task running:
 * killing a migration halfway is worse than letting it finish. The task is tagged `ecs-release:one-off`, so the
 * deploy role can stop it (`aws ecs stop-task`, as the message says) while it cannot stop the service's tasks.
 */
export async function run(ctx: Context, opts: RunOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  if (opts.command.length === 0) throw usageError('command', [], 'a command after --, such as: -- ./manage.py migrate');
  const target = await resolveTarget(ctx, opts.env, opts.roleArn);
  const { cluster } = target.descriptor;
  const service = await describeService(ctx, target);
  const revisionArn = service.taskDefinition ?? target.descriptor.taskDefinitionArn;
  const container = opts.container ?? target.descriptor.container;
  findContainer((await describeRevision(target, revisionArn)).definition, container);

  const network: AwsVpcConfiguration = service.networkConfiguration?.awsvpcConfiguration ?? {
    subnets: target.descriptor.subnets,
    securityGroups: target.descriptor.securityGroups,
    assignPublicIp: 'DISABLED',
  };
  const placement = service.capacityProviderStrategy?.length
    ? { capacityProviderStrategy: service.capacityProviderStrategy }
    : { launchType: service.launchType ?? 'FARGATE' };
  const started = await target.clients.ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: revisionArn,
      count: 1,
      ...placement,
      platformVersion: service.platformVersion,
      networkConfiguration: { awsvpcConfiguration: network },
      overrides: { containerOverrides: [{ name: container, command: opts.command }] },
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
  report.info(`started task ${taskId} from ${revisionName(revisionArn)}: ${container} runs ${JSON.stringify(opts.command)}`);
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

  const goesOn = `the task goes on in ECS (stop it with: aws ecs stop-task --cluster ${cluster} --task ${taskId})`;
  try {
    await ctx.counter.polling(() =>
      waitUntilTasksStopped(
        {
          client: target.clients.ecs,
          maxWaitTime: Math.max(opts.timeoutMs / 1000, opts.pollMs / 1000 + 1),
          minDelay: Math.max(opts.pollMs / 1000, 1),
          maxDelay: Math.max(opts.pollMs / 1000, 30),
          abortSignal: ctx.signal,
        },
        { cluster, tasks: [taskArn] },
      ),
    );
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError') {
      const message = `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for task ${taskId}; ${goesOn}`;
      report.progress(`ecs-release: ${message}`);
      return { exitCode: EXIT.TIMEOUT, document: { ...document, outcome: 'timeout', exitCode: EXIT.TIMEOUT, message } };
    }
    if (name === 'AbortError' || ctx.signal.aborted) {
      const message = `interrupted while waiting for task ${taskId}; ${goesOn}`;
      report.progress(`ecs-release: ${message}`);
      return { exitCode: EXIT.INTERRUPTED, document: { ...document, outcome: 'interrupted', exitCode: EXIT.INTERRUPTED, message } };
    }
    throw e;
  }

  const described = await target.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const stopped = described.tasks?.[0];
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
