import { Reporter, type CommandResult, type Context } from '../context';
import { EXIT, refusal, visible } from '../errors';
import { resolveService } from '../services';
import { execCommandLine, openSession, refuseUnreachableTask, refuseWhereExecIsOff, sessionManagerPlugin } from '../exec';
import { environmentFor } from '../preflight';
import { describeTask, parseTaskId, refuseForeignTask, serviceTasks } from '../tasks';
import { resolveTarget } from '../target';
import { targetFlags } from '../services';

export interface ExecOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly task?: string;
  readonly container?: string;
  /** The command; empty for an interactive shell. */
  readonly command: readonly string[];
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/** What an empty command opens. */
export const DEFAULT_SHELL = '/bin/sh';

/**
 * `ecs-release exec [-- command…]`: a shell (or a command) in a running task of the service through ECS Exec and the
 * Session Manager plugin. Refused before any AWS call where the configuration has Exec off and when the plugin is
 * missing. Exits with the plugin's exit code (the command's, for a command).
 * Calls: sts, ssm, ecs:ListTasks + ecs:DescribeTasks (or ecs:DescribeTasks with --task), ecs:ExecuteCommand.
 */
export async function exec(ctx: Context, opts: ExecOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const env = environmentFor(ctx, opts.env);
  refuseWhereExecIsOff(env, resolveService(env, opts.service));
  const taskId = opts.task === undefined ? undefined : parseTaskId(opts.task, '--task');
  const command = opts.command.length ? execCommandLine(opts.command) : DEFAULT_SHELL;
  const plugin = opts.dryRun ? undefined : sessionManagerPlugin(ctx.programs);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const container = opts.container ?? target.descriptor.container;
  let task;
  if (taskId) {
    task = await describeTask(target, taskId);
    refuseForeignTask(target, task);
  } else {
    task = (await serviceTasks(ctx, target)).filter((t) => t.lastStatus === 'RUNNING' && t.enableExecuteCommand).pop();
    if (!task) throw refusal('task', 'none', `a RUNNING task of ${target.descriptor.service} started with ECS Exec on (see ecs-release tasks ${targetFlags(target)})`);
  }
  refuseUnreachableTask(task, container);
  const id = (task.taskArn ?? '').split('/').pop();
  const document = { command: 'exec', environment: target.env.name, task: task.taskArn, container, run: command };
  report.progress(visible(`ECS Exec into task ${id}, container ${container}: ${command}`));
  if (opts.dryRun || !plugin) {
    report.info('dry run: no session opened');
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'dry-run', exitCode: EXIT.OK } };
  }
  const exitCode = await openSession(target, ctx.programs, plugin, task, container, command);
  return { exitCode, document: { ...document, outcome: exitCode === 0 ? 'completed' : 'failed', exitCode } };
}
