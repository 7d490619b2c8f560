import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanJson } from './synth';

/** One leaf where two JSON documents differ; `path` joins keys with dots (`//.metadata.version`). */
export interface Difference {
  readonly path: string;
  readonly left: unknown;
  readonly right: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Pure: every leaf that differs between `left` and `right` (key order ignored, array order kept). */
export function jsonDifferences(left: unknown, right: unknown, path = ''): Difference[] {
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(left) && Array.isArray(right)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(left.length, right.length); i += 1) out.push(...jsonDifferences(left[i], right[i], at(i)));
    return out;
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((k) => jsonDifferences(left[k], right[k], at(k)));
  }
  return Object.is(left, right) ? [] : [{ path: path || '(root)', left, right }];
}

/** The one difference the matrix allows between the rows' synthesized stacks: the framework's own version stamp. */
export const VERSION_STAMP = '//.metadata.version';

/**
 * Pure: what is wrong when stack `name` of the default row (`left`) and the terrain row (`right`) differ in anything
 * but the version stamp, or when the stamp does not name each row's framework version. Empty = as required.
 */
export function synthMismatches(name: string, left: unknown, right: unknown, versions: { left: string; right: string }): string[] {
  const diffs = jsonDifferences(left, right);
  const out = diffs.filter((d) => d.path !== VERSION_STAMP).map((d) => `${name}: ${d.path} differs: ${JSON.stringify(d.left)} vs ${JSON.stringify(d.right)}`);
  const stamp = diffs.find((d) => d.path === VERSION_STAMP);
  if (!stamp || stamp.left !== versions.left || stamp.right !== versions.right) {
    out.push(`${name}: ${VERSION_STAMP} is ${JSON.stringify(stamp?.left ?? 'the same')} vs ${JSON.stringify(stamp?.right ?? 'the same')}; expected "${versions.left}" vs "${versions.right}"`);
  }
  return out;
}

/** Each stack's `cdk.tf.json` in a cdktf output folder (`<outdir>/stacks/<name>/cdk.tf.json`), by stack name. */
export function readStacks(outdir: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { workingDirectory: string; synthesizedStackPath: string }> };
  return Object.fromEntries(Object.entries(manifest.stacks).map(([name, s]) => [name, JSON.parse(readFileSync(join(outdir, s.synthesizedStackPath), 'utf8'))]));
}

/** Pure: both rows synthesized the same stacks, identical but for the version stamp. */
export function compareSyntheses(left: Record<string, unknown>, right: Record<string, unknown>, versions: { left: string; right: string }): string[] {
  const names = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return names.flatMap((n) =>
    n in left && n in right ? synthMismatches(n, left[n], right[n], versions) : [`stack ${n}: only in the ${n in left ? 'default' : 'terrain'} row`],
  );
}

/** Pure: the plan's resource changes by address (what would be created, with which values), for comparing rows. */
export function planChanges(plan: PlanJson): Record<string, unknown> {
  return Object.fromEntries((plan.resource_changes ?? []).map((c) => [c.address, { actions: c.change.actions, after: c.change.after, after_unknown: c.change.after_unknown, action_reason: c.action_reason ?? null }]));
}
