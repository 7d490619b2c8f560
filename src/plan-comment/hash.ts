import { createHash } from 'node:crypto';
import { changedLeaves, formatPath, type Leaf, type Side } from './attributes';
import type { Masker } from './mask';
import type { ResourceChange, TerraformPlan } from './plan';
import { entryOf, kindOf, type Entry } from './summary';

/**
 * A fingerprint of what applying the plan would do, for the apply gate: the apply job re-plans after merge and
 * refuses when this differs from the fingerprint in the pull request's comment.
 *
 * What goes in: every resource change Terraform would act on (address, previous address, deposed key, actions, reason,
 * replace paths, import id) with its changed attributes only, and changed outputs. What stays out, and why:
 * - refreshed values of attributes that do not change, drift, timestamps, Terraform's version: they differ between
 *   two plans of the same change;
 * - the image inside a task definition's container_definitions: the release CLI owns it and Terraform reads it from the
 *   release pointer at apply time by design, so a deploy between review and merge must not block the apply;
 * - secrets: a sensitive attribute contributes only "changed" and never its value, and known secret literals are
 *   scrubbed, because the fingerprint is published in a pull-request comment.
 */
export function planHash(plan: TerraformPlan, masker: Masker): string {
  const key = (rc: ResourceChange) => `${rc.address}\u0000${rc.deposed ?? ''}`;
  // Sorted first, then each change's canonical form is made and hashed one at a time: the bytes are exactly
  // JSON.stringify of the whole canonical object, without holding it (or its string) for a large plan.
  const entries = (plan.resource_changes ?? [])
    .map(entryOf)
    .filter((e) => e.kind !== 'no-op' || e.moved || e.importing)
    .sort((a, b) => cmp(key(a.rc), key(b.rc)));
  const change = (e: Entry) => {
    const rc = e.rc;
    const leaves = changedLeaves(rc.change)
      .filter((l) => !isReleaseOwnedImage(rc.type, l))
      .map((l) => [formatPath(l.path), side(l.before, masker), side(l.after, masker), l.sensitive ? 1 : 0]);
    return {
      address: rc.address,
      previous: e.moved ? rc.previous_address : null,
      deposed: rc.deposed ?? null,
      actions: rc.change.actions,
      reason: rc.action_reason ?? null,
      replace: (rc.change.replace_paths ?? []).map((p) => formatPath(p)).sort(),
      importing: e.importing ? masker.scrub(rc.change.importing?.id ?? '') : null,
      leaves,
    };
  };
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, oc]) => kindOf(oc.actions) !== 'no-op')
    .map(([name, oc]) => ({ name, actions: oc.actions, leaves: changedLeaves(oc).map((l) => [formatPath(l.path), side(l.before, masker), side(l.after, masker)]) }))
    .sort((a, b) => cmp(a.name, b.name));
  // A refresh-only plan changes nothing in AWS; applying it writes the drift into the state, so the drift is what it
  // commits to, and the mode keeps it apart from a normal plan without changes.
  const refresh = plan.refresh_only === true
    ? [...(plan.resource_drift ?? [])].sort((a, b) => cmp(key(a), key(b)))
      .map((rc) => ({ address: rc.address, deposed: rc.deposed ?? null, actions: rc.change.actions, leaves: changedLeaves(rc.change).map((l) => [formatPath(l.path), side(l.before, masker), side(l.after, masker)]) }))
    : undefined;
  const h = createHash('sha256');
  h.update(refresh ? '{"fingerprint":1,"mode":"refresh-only","changes":[' : '{"fingerprint":1,"changes":[');
  entries.forEach((e, i) => h.update(`${i > 0 ? ',' : ''}${JSON.stringify(change(e))}`));
  h.update(`],"outputs":${JSON.stringify(outputs)}`);
  if (refresh) h.update(`,"refresh":${JSON.stringify(refresh)}`);
  h.update('}');
  return h.digest('hex');
}

function isReleaseOwnedImage(type: string, leaf: Leaf): boolean {
  return type === 'aws_ecs_task_definition' && leaf.path[0] === 'container_definitions' && leaf.path[leaf.path.length - 1] === 'image';
}

function side(s: Side, masker: Masker): string {
  if (s.kind === 'value') return masker.scrub(JSON.stringify(s.value));
  return `(${s.kind})`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
