import { changedLeaves, formatPath } from './attributes';
import type { OutputChange, ResourceChange, TerraformPlan } from './plan';

/**
 * What happens to one object, in the words Terraform uses. `replace` is both orders of delete+create;
 * `replace-keep` is a replacement whose old object is forgotten, not destroyed (`removed { destroy = false }` era).
 */
export type Kind = 'create' | 'update' | 'replace' | 'replace-keep' | 'delete' | 'forget' | 'read' | 'no-op';

export interface Entry {
  readonly rc: ResourceChange;
  readonly kind: Kind;
  /** Replacement order, for `replace`. */
  readonly createFirst: boolean;
  readonly moved: boolean;
  readonly importing: boolean;
}

export interface Counts {
  readonly import: number;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

export interface Summary {
  /** Every resource change Terraform would print in "will perform the following actions", in plan order. */
  readonly entries: Entry[];
  readonly counts: Counts;
  /** Resource changes with an action (moves and imports without one are not counted, as in Terraform). */
  readonly actionCount: number;
  /** Changed outputs (no-op ones left out). */
  readonly outputs: [string, OutputChange][];
  /** `resource_drift` entries with an actual change ("changed outside of Terraform"). */
  readonly drift: Entry[];
  /** False when Terraform would say "No changes. Your infrastructure matches the configuration." */
  readonly hasChanges: boolean;
  /** The `Plan: …` line exactly as `terraform plan` prints it; undefined when Terraform prints none. */
  readonly planLine?: string;
}

export function kindOf(actions: readonly string[]): Kind {
  switch (actions.join(',')) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    case 'create,forget':
      return 'replace-keep';
    case 'delete':
      return 'delete';
    case 'forget':
      return 'forget';
    case 'read':
      return 'read';
    default:
      return 'no-op';
  }
}

export function entryOf(rc: ResourceChange): Entry {
  return {
    rc,
    kind: kindOf(rc.change.actions),
    createFirst: rc.change.actions[0] === 'create',
    moved: !!rc.previous_address && rc.previous_address !== rc.address,
    importing: rc.change.importing !== undefined && rc.change.importing !== null,
  };
}

/**
 * Counts exactly as Terraform 1.11's human plan renderer (internal/command/jsonformat/plan.go): no-op changes are
 * skipped unless moved or imported; deleted data sources are skipped; a replacement counts once to add and once to
 * destroy; imports get their own leading "N to import"; moves and forgets are listed but not counted; data-source
 * reads are listed but not counted. The tests compare this line with the one `terraform plan` prints.
 */
export function summarize(plan: TerraformPlan): Summary {
  const entries: Entry[] = [];
  const tally: Record<Kind, number> = { create: 0, update: 0, replace: 0, 'replace-keep': 0, delete: 0, forget: 0, read: 0, 'no-op': 0 };
  let importing = 0;
  let actionCount = 0;
  for (const rc of plan.resource_changes ?? []) {
    const e = entryOf(rc);
    if (e.kind === 'no-op' && !e.moved && !e.importing) continue;
    if (e.kind === 'delete' && rc.mode === 'data') continue;
    entries.push(e);
    if (e.importing) importing++;
    if (e.kind !== 'no-op') {
      tally[e.kind]++;
      actionCount++;
    }
  }
  const counts: Counts = {
    import: importing,
    add: tally.create + tally.replace + tally['replace-keep'],
    change: tally.update,
    destroy: tally.delete + tally.replace,
  };
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, oc]) => oc.actions.some((a) => a !== 'no-op'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Drift whose only differences are null versus empty (provider normalisation) is not drift a reviewer can act on.
  const relevant = relevantAttributes(plan);
  const drift = (plan.resource_drift ?? []).map(entryOf).filter((e) => e.kind !== 'no-op' && (e.kind !== 'update' || changedLeaves(e.rc.change).length > 0) && isRelevant(e, relevant));
  const hasChanges = entries.length > 0 || outputs.length > 0;
  const planLine = entries.length > 0
    ? `Plan: ${counts.import > 0 ? `${counts.import} to import, ` : ''}${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`
    : undefined;
  return { entries, counts, actionCount, outputs, drift, hasChanges, planLine };
}

/** `relevant_attributes` by resource address, as display paths; undefined when the plan has none to go by. */
function relevantAttributes(plan: TerraformPlan): Map<string, string[]> | undefined {
  if (!Array.isArray(plan.relevant_attributes) || plan.refresh_only) return undefined;
  const byResource = new Map<string, string[]>();
  for (const r of plan.relevant_attributes) {
    const paths = byResource.get(r.resource);
    if (paths) paths.push(formatPath(r.attribute));
    else byResource.set(r.resource, [formatPath(r.attribute)]);
  }
  return byResource;
}

/**
 * Terraform shows drift only where it contributes to the plan (`relevant_attributes`). For an object the plan names
 * there, drift elsewhere (a provider's computed artefact such as `tags_all`) is noise Terraform hides, and so is it
 * here. Objects the plan does not name keep their drift shown: the release pointer moved by a deploy, a parameter
 * changed by hand, which the reviewer needs most when the plan has nothing else to say.
 */
function isRelevant(e: Entry, relevant: Map<string, string[]> | undefined): boolean {
  const paths = relevant?.get(e.rc.address);
  if (!paths || e.kind !== 'update') return true;
  return changedLeaves(e.rc.change).some((l) => {
    const p = formatPath(l.path);
    return paths.some((r) => r === '(value)' || p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`));
  });
}
