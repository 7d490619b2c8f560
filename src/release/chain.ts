import type { Context } from './context';
import { usageError } from './errors';

/**
 * The environment `promote` takes the digest from: `--from` when given, else the one before `--to` in the promotion
 * chain (the environment list's order), so a pipeline step and a person name only where the image goes.
 */
export function promotionSource(ctx: Context, to: string, from: string | undefined): string {
  if (from !== undefined) return from;
  const chain = ctx.environments();
  const at = chain.indexOf(to);
  if (at < 0) throw usageError('--to', to, `one of ${chain.join(', ')} (the promotion chain)`);
  if (at === 0) {
    throw usageError('--from', undefined, `an environment to promote from: ${to} is the first of the promotion chain (${chain.join(' -> ')}) and receives images with ecs-release deploy`);
  }
  return chain[at - 1];
}
