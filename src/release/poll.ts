import type { Context } from './context';

export interface PollSchedule {
  /** When the wait gives up (ms since the epoch, on `ctx.now()`'s clock). */
  readonly deadline: number;
  /** First interval; it grows by half each round up to `maxPollMs`. */
  readonly pollMs: number;
  readonly maxPollMs: number;
}

/**
 * The one polling loop of every wait (rolling deployments, CodeDeploy deployments): `check` looks once and returns
 * the result when the wait is over; otherwise the loop stops on SIGINT or at the deadline (`stop` says what the wait
 * saw last), or sleeps with back-off and looks again. `round` counts the looks, 0 first.
 */
export async function poll<T>(ctx: Context, schedule: PollSchedule, check: (round: number) => Promise<T | undefined>, stop: (why: 'timeout' | 'interrupted') => T): Promise<T> {
  let interval = schedule.pollMs;
  for (let round = 0; ; round++) {
    const done = await check(round);
    if (done !== undefined) return done;
    if (ctx.signal.aborted) return stop('interrupted');
    const left = schedule.deadline - ctx.now();
    if (left <= 0) return stop('timeout');
    try {
      await ctx.sleep(Math.min(interval, left), ctx.signal);
    } catch {
      return stop('interrupted');
    }
    interval = Math.min(Math.round(interval * 1.5), schedule.maxPollMs);
  }
}
