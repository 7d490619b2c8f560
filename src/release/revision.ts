import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { diffLines } from 'diff';
import { usageError } from './errors';
import { RELEASE_OWNER, RELEASE_TAG } from '../../contracts/tags';

/**
 * Keys of DescribeTaskDefinition's output that RegisterTaskDefinition does not accept. A denylist, not an allowlist:
 * every other field, including ones this tool has never heard of, is carried into the new revision (deployers that
 * copy an allowlist of keys silently drop new ECS features and cause drift).
 */
export const READ_ONLY_KEYS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/** Tag keys ecs-release writes on the revisions it registers (and on its one-off tasks). */
export const TAG = RELEASE_TAG;

/** True for a revision ecs-release registered (its owner tag); only those are ever tagged after registration. */
export function ownedByRelease(tags: Tag[] | undefined): boolean {
  return tagValue(tags, TAG.owner) === RELEASE_OWNER;
}

export type RevisionInput = RegisterTaskDefinitionCommandInput;

/** The registerable form of a described revision: a deep copy without the read-only keys. */
export function registerable(td: TaskDefinition): RevisionInput {
  const copy = JSON.parse(JSON.stringify(td)) as Record<string, unknown>;
  for (const key of READ_ONLY_KEYS) delete copy[key];
  return copy as unknown as RevisionInput;
}

/** The container definition named `name`, or a usage error listing the containers there are. */
export function findContainer(input: { containerDefinitions?: ContainerDefinition[] }, name: string, option = '--container'): ContainerDefinition {
  const containers = input.containerDefinitions ?? [];
  const found = containers.find((c) => c.name === name);
  if (!found) throw usageError(option, name, `one of ${containers.map((c) => JSON.stringify(c.name)).join(', ') || '(no containers)'}`);
  return found;
}

/** A copy of `input` with only the image of container `name` replaced. */
export function withImage(input: RevisionInput, name: string, image: string): RevisionInput {
  const copy = JSON.parse(JSON.stringify(input)) as RevisionInput;
  findContainer(copy, name).image = image;
  return copy;
}

/**
 * Tags of a revision ecs-release registers: the base revision's tags (cost allocation, project tags) minus reserved
 * `aws:` keys and ecs-release's own, plus the owner, the image digest, the base revision and the commit when given.
 */
export function releaseTags(baseTags: Tag[] | undefined, digest: string | undefined, baseRevision: number, commit?: string): Tag[] {
  const ours = new Set<string>(Object.values(TAG));
  const kept = (baseTags ?? []).filter((t) => t.key && !t.key.startsWith('aws:') && !ours.has(t.key));
  const added: Tag[] = [
    { key: TAG.owner, value: RELEASE_OWNER },
    { key: TAG.base, value: String(baseRevision) },
  ];
  if (digest) added.push({ key: TAG.digest, value: digest });
  if (commit) added.push({ key: TAG.commit, value: commit });
  // ECS allows 50 tags per resource; ours win over copied ones.
  return [...kept.slice(0, 50 - added.length), ...added];
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

/**
 * One line per leaf field: `containerDefinitions[web].environment[LOG_LEVEL].value = "debug"`. Arrays of objects
 * with a `name` are keyed by it, so reordering or adding one entry shows as that entry only.
 */
export function flatten(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (v: unknown, p: string) => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.set(p, '[]');
      const named = v.every((e) => e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string');
      v.forEach((e, i) => visit(e, `${p}[${named ? (e as { name: string }).name : i}]`));
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
      if (keys.length === 0) out.set(p, '{}');
      for (const k of keys) visit((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
    } else if (v !== undefined) {
      out.set(p, JSON.stringify(v));
    }
  };
  visit(value, path);
  return out;
}

export interface FieldChange {
  readonly field: string;
  readonly before?: string;
  readonly after?: string;
}

/** Field-level changes from `before` to `after` (flattened), optionally ignoring some fields. */
export function fieldChanges(before: unknown, after: unknown, ignore: (field: string) => boolean = () => false): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const fields = [...new Set([...a.keys(), ...b.keys()])].filter((f) => !ignore(f)).sort();
  return fields.filter((f) => a.get(f) !== b.get(f)).map((f) => ({ field: f, before: a.get(f), after: b.get(f) }));
}

/** A unified, field-per-line diff (the `diff` library) of two revisions; only changed lines, `-` before `+` after. */
export function renderDiff(before: unknown, after: unknown): string {
  const lines = (v: unknown) => [...flatten(v)].map(([k, val]) => `${k} = ${val}`).sort().join('\n') + '\n';
  const parts = diffLines(lines(before), lines(after));
  const out: string[] = [];
  for (const part of parts) {
    if (!part.added && !part.removed) continue;
    const sign = part.added ? '+' : '-';
    for (const line of part.value.replace(/\n$/, '').split('\n')) out.push(`${sign} ${line}`);
  }
  return out.join('\n');
}

/** Fields that differ between revisions for reasons other than IaC settings: the image (ecs-release owns it). */
export function isReleaseField(field: string): boolean {
  return /^containerDefinitions\[[^\]]+\]\.image$/.test(field);
}

/** A sidecar whose image (or presence) differs between two revisions. */
export interface SidecarDifference {
  readonly container: string;
  /** Its image in the revision a command would ship; undefined when that revision lacks it. */
  readonly shipped?: string;
  /** Its image in Terraform's revision (what configuration declares); undefined when configuration dropped it. */
  readonly configured?: string;
}

/**
 * The sidecars (every container but the application's) of `shipped` that do not match Terraform's revision: a
 * sidecar's image comes only from configuration, so shipping such a revision would put a sidecar back on an image
 * configuration no longer declares (rollback to a revision registered before a sidecar change). Pure.
 */
export function sidecarDifferences(shipped: TaskDefinition, terraform: TaskDefinition, appContainer: string): SidecarDifference[] {
  const images = (td: TaskDefinition) => new Map((td.containerDefinitions ?? []).filter((c) => c.name && c.name !== appContainer).map((c) => [c.name!, c.image]));
  const a = images(shipped);
  const b = images(terraform);
  return [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((name) => !a.has(name) || !b.has(name) || a.get(name) !== b.get(name))
    .map((name) => ({ container: name, shipped: a.get(name), configured: b.get(name) }));
}

/** `12`, `family:12` or `arn:...:task-definition/family:12`; a usage error otherwise. */
export function parseRevision(text: string): { family?: string; revision: number } {
  const m = /^(?:(?:arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task-definition\/)?([A-Za-z0-9_-]{1,255}):)?([1-9]\d{0,8})$/.exec(text.trim());
  if (!m) throw usageError('--to', text, 'a revision number such as 12, family:12 or a task-definition ARN');
  return { family: m[1], revision: Number(m[2]) };
}
