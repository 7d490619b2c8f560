import type { PlanJson, ResourceChange } from '../../scripts/lib/synth';

/** One planned change, reduced to what the tests compare: the address, the actions and the leaf paths that differ. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: string;
  /** Leaf attribute paths whose planned value differs from the current one, e.g. `health_check.0.path`. */
  readonly paths: string[];
  readonly after: Record<string, unknown>;
}

/** Leaf paths where `a` and `b` differ (objects and arrays walked, values compared as JSON). */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const walkable = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (walkable(a) && walkable(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differingPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** Every change of the plan that is not a no-op (reads of data sources included). */
export function plannedChanges(plan: PlanJson): PlannedChange[] {
  return (plan.resource_changes ?? [])
    .filter((c: ResourceChange) => c.change.actions.join() !== 'no-op')
    .map((c) => ({
      address: c.address,
      type: c.type,
      actions: c.change.actions.join(),
      paths: differingPaths(c.change.before, c.change.after),
      after: (c.change.after ?? {}) as Record<string, unknown>,
    }));
}
