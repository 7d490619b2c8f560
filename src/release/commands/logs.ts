import { Reporter, type CommandResult, type Context } from '../context';
import { EXIT } from '../errors';
import { LogTail, printEvents, streamPrefix } from '../logs';
import { parseTaskId } from '../tasks';
import { resolveTarget } from '../target';

export interface LogsOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly task?: string;
  readonly container?: string;
  /** Milliseconds back from now. */
  readonly sinceMs: number;
  readonly follow?: boolean;
  readonly pollMs: number;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release logs`: the service's (or one task's) CloudWatch log events since `--since`; with `--follow`, new events
 * as they arrive until Ctrl-C. Calls: sts, ssm, logs:FilterLogEvents (one per page, then one per poll).
 */
export async function logs(ctx: Context, opts: LogsOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const taskId = opts.task === undefined ? undefined : parseTaskId(opts.task, '--task');
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const container = opts.container ?? target.descriptor.container;
  const tail = new LogTail(target, { container, taskId, startTime: ctx.now() - opts.sinceMs });
  const where = `${target.names.logGroup} ${streamPrefix(target, container)}${taskId ?? '*'}`;
  report.progress(`${where}, since ${new Date(ctx.now() - opts.sinceMs).toISOString()}${opts.follow ? ' (following; Ctrl-C stops)' : ''}`);
  const document = { command: 'logs', environment: target.env.name, logGroup: target.names.logGroup, streamPrefix: streamPrefix(target, container), task: taskId ?? null };
  const lines: { at: string; task: string; message: string }[] = [];
  const show = (events: Awaited<ReturnType<LogTail['poll']>>) => {
    printEvents(report, events, !taskId);
    if (opts.json) for (const e of events) lines.push({ at: new Date(e.timestamp ?? 0).toISOString(), task: (e.logStreamName ?? '').split('/').pop() ?? '', message: e.message ?? '' });
  };
  show(await tail.poll(ctx));
  if (!opts.follow) return { exitCode: EXIT.OK, document: { ...document, outcome: 'read', exitCode: EXIT.OK, events: lines } };
  for (;;) {
    try {
      await ctx.sleep(opts.pollMs, ctx.signal);
    } catch {
      break;
    }
    if (ctx.signal.aborted) break;
    show(await tail.poll(ctx, true));
  }
  report.progress(`ecs-release: interrupted: stopped following after ${tail.events} event(s)`);
  return { exitCode: EXIT.INTERRUPTED, document: { ...document, outcome: 'interrupted', exitCode: EXIT.INTERRUPTED, events: lines } };
}
