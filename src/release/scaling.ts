import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import type { EnvironmentConfig } from '../../environments/schema';
import { refusal, usageError } from './errors';
import type { ConfiguredService } from './services';
import type { Target } from './target';

/** The bounds a desired count must stay within: the auto-scaling bounds, or ECS's own limits without scaling. */
export interface ScaleBounds {
  readonly min: number;
  readonly max: number;
  /** Where the bounds come from, for messages. */
  readonly source: string;
}

/** ECS accepts desired counts from 0 to 5000 tasks per service (service quota "Tasks per service"). */
const ECS_MAX_TASKS = 5000;

/** Refuses a count that is not a whole number or lies outside the configured bounds. No call. */
export function checkCountAgainstConfiguration(env: EnvironmentConfig, service: ConfiguredService, text: string): number {
  const count = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  const a = service.autoScaling;
  const bounds = a ? `${a.minCapacity}..${a.maxCapacity} (services.${service.name}.autoScaling of environments/${env.name}.ts)` : `0..${ECS_MAX_TASKS}`;
  if (!Number.isInteger(count)) throw usageError('count', text, `a whole number of tasks in ${bounds}`);
  if (a && (count < a.minCapacity || count > a.maxCapacity)) throw usageError('count', count, bounds);
  if (!a && count > ECS_MAX_TASKS) throw usageError('count', count, bounds);
  return count;
}

/**
 * The scalable target's live bounds (what Application Auto Scaling enforces; a change made outside Terraform shows
 * here first), or undefined when no scaling is attached. One call.
 */
export async function scalableTargetBounds(target: Target): Promise<ScaleBounds | undefined> {
  const resourceId = `service/${target.descriptor.cluster}/${target.descriptor.service}`;
  const r = await target.clients.autoscaling.send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [resourceId], ScalableDimension: 'ecs:service:DesiredCount' }),
  );
  const t = r.ScalableTargets?.[0];
  if (!t || t.MinCapacity === undefined || t.MaxCapacity === undefined) return undefined;
  return { min: t.MinCapacity, max: t.MaxCapacity, source: `the scalable target ${resourceId}` };
}

/** Refuses a count outside the live bounds (exit 3: AWS disagrees with nothing the user typed wrong). No call. */
export function refuseOutside(bounds: ScaleBounds, count: number): void {
  if (count < bounds.min || count > bounds.max) throw refusal('count', count, `${bounds.min}..${bounds.max} (${bounds.source})`);
}
