import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { Context, Reporter } from './context';
import { visible } from './errors';
import type { Target } from './target';

/**
 * The service's CloudWatch log streams. The awslogs driver names them `<prefix>/<container>/<task-id>`, the prefix
 * being the service name (modules/web-service.ts containerSpec), so a task's stream is known without a lookup and the
 * service's streams share one name prefix.
 */
export function streamPrefix(target: Target, container: string): string {
  return `${target.names.service}/${container}/`;
}

export interface LogQuery {
  readonly container: string;
  /** One task's stream, or every stream of the container when undefined. */
  readonly taskId?: string;
  /** Epoch milliseconds: events at or after. */
  readonly startTime: number;
}

/**
 * Reads events in order from where the last read stopped: each poll asks from the newest timestamp seen, and events
 * already printed at that timestamp are skipped by id (CloudWatch Logs may return the same millisecond twice).
 */
export class LogTail {
  private from: number;
  private readonly printed = new Set<string>();
  events = 0;

  constructor(
    private readonly target: Target,
    private readonly query: LogQuery,
  ) {
    this.from = query.startTime;
  }

  /** Fetches what is new (all pages) and returns it, oldest first. */
  async poll(ctx: Context, polling = false): Promise<FilteredLogEvent[]> {
    const prefix = streamPrefix(this.target, this.query.container);
    const out: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    do {
      const call = () =>
        this.target.clients.logs.send(
          new FilterLogEventsCommand({
            logGroupName: this.target.names.logGroup,
            ...(this.query.taskId ? { logStreamNames: [`${prefix}${this.query.taskId}`] } : { logStreamNamePrefix: prefix }),
            startTime: this.from,
            nextToken,
          }),
        );
      let page;
      try {
        page = polling ? await ctx.counter.polling(call) : await call();
      } catch (e) {
        // A task's stream exists once its container wrote a first line.
        if ((e as Error).name === 'ResourceNotFoundException' && this.query.taskId) return out;
        throw e;
      }
      for (const e of page?.events ?? []) {
        const id = e.eventId ?? `${e.logStreamName}/${e.timestamp}/${e.message}`;
        if (this.printed.has(id)) continue;
        this.printed.add(id);
        out.push(e);
      }
      nextToken = page?.nextToken;
    } while (nextToken && !ctx.signal.aborted);
    out.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    if (out.length > 0) this.from = Math.max(this.from, out[out.length - 1].timestamp ?? this.from);
    this.events += out.length;
    return out;
  }
}

/**
 * One printed line per event: time, task id (when tailing several tasks) and the message, with the control characters
 * a log line may carry made visible (a log line cannot repaint the terminal or forge another line).
 */
export function printEvents(report: Reporter, events: FilteredLogEvent[], withTask: boolean): void {
  for (const e of events) {
    const at = new Date(e.timestamp ?? 0).toISOString();
    const task = withTask ? ` ${(e.logStreamName ?? '').split('/').pop()}` : '';
    report.info(`${at}${task} ${visible((e.message ?? '').replace(/\r?\n$/, ''))}`);
  }
}
