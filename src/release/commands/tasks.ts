import { Reporter, type CommandResult, type Context } from '../context';
import { EXIT, visible } from '../errors';
import { describeTask, parseTaskId, refuseForeignTask, serviceTasks, stopServiceTask, taskRow } from '../tasks';
import { resolveTarget } from '../target';
import { targetFlags } from '../services';

export interface TasksOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release tasks`: the service's running tasks with revision, image digest, health and availability zone.
 * Calls: sts:GetCallerIdentity, ssm:GetParameter, ecs:ListTasks, ecs:DescribeTasks (one per 100 tasks).
 */
export async function listTasks(ctx: Context, opts: TasksOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const rows = (await serviceTasks(ctx, target)).map((t) => taskRow(t, target.descriptor.container));
  report.info(`${rows.length} running task(s) of ${target.descriptor.cluster}/${target.descriptor.service}`);
  for (const r of rows) {
    // Values from AWS: made visible, so none can repaint the terminal or forge a line.
    report.info(visible(`  ${r.taskId}  ${r.revision}  ${r.digest ?? 'digest unknown'}  ${r.health}  ${r.availabilityZone ?? '-'}  ${r.lastStatus}${r.startedAt ? `  since ${r.startedAt}` : ''}`));
  }
  return { exitCode: EXIT.OK, document: { command: 'tasks', environment: target.env.name, outcome: 'listed', exitCode: EXIT.OK, tasks: rows } };
}

export interface StopTaskOptions extends TasksOptions {
  readonly taskId: string;
  readonly dryRun?: boolean;
}

/**
 * `ecs-release tasks stop <task-id>`: stops one of the service's tasks (ECS replaces it). A task of another service,
 * or a one-off task, is refused before any write. Calls: sts, ssm, ecs:DescribeTasks, ecs:StopTask (not with --dry-run).
 */
export async function stopTask(ctx: Context, opts: StopTaskOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const taskId = parseTaskId(opts.taskId);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const task = await describeTask(target, taskId);
  refuseForeignTask(target, task);
  const row = taskRow(task, target.descriptor.container);
  const document = { command: 'tasks stop', environment: target.env.name, task: row };
  if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') {
    report.info(`task ${taskId} is already stopping (${task.lastStatus}); nothing sent`);
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'already-stopped', exitCode: EXIT.OK } };
  }
  if (opts.dryRun) {
    report.info(`dry run: would stop task ${taskId} (${row.revision}, ${row.health}, ${row.availabilityZone ?? 'AZ unknown'}); ECS would start a replacement`);
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'dry-run', exitCode: EXIT.OK } };
  }
  await stopServiceTask(target, task);
  report.info(`stopping task ${taskId} (${row.revision}); ECS starts a replacement to keep the desired count (follow with ecs-release tasks ${targetFlags(target)})`);
  return { exitCode: EXIT.OK, document: { ...document, outcome: 'stopping', exitCode: EXIT.OK } };
}
