import { isDeepStrictEqual } from 'node:util';
import { isObject, MAX_NESTING, type Change } from './plan';
import { nestingDepth } from './plan-reader';

export type Segment = string | number;
export type Path = Segment[];

/** One side of a changed leaf. Sensitive leaves never carry their value out of this module. */
export type Side = { readonly kind: 'absent' } | { readonly kind: 'unknown' } | { readonly kind: 'sensitive' } | { readonly kind: 'value'; readonly value: unknown };

export interface Leaf {
  readonly path: Path;
  readonly before: Side;
  readonly after: Side;
  /** Marked sensitive by Terraform (before_sensitive / after_sensitive) at this path or above. */
  readonly sensitive: boolean;
  /** Inside one of the change's replace_paths. */
  readonly forcesReplacement: boolean;
}

const ABSENT: Side = { kind: 'absent' };
const UNKNOWN: Side = { kind: 'unknown' };
const SENSITIVE: Side = { kind: 'sensitive' };

/**
 * The changed leaves of a resource change: only what differs between `before` and `after` (unknown values count as
 * changed, nulls count as absent). Strings holding JSON documents (IAM policies, container definitions) are decoded so
 * only the changed fields inside them show, not the whole blob. Sensitive subtrees are compared but their values are
 * replaced by a `sensitive` side before anything leaves this function.
 */
export function changedLeaves(change: Pick<Change, 'before' | 'after' | 'after_unknown' | 'before_sensitive' | 'after_sensitive' | 'replace_paths'>): Leaf[] {
  // The summary, the notes, the details and the fingerprint all ask for the same change's leaves.
  const cached = cache.get(change);
  if (cached) return cached;
  const out: Leaf[] = [];
  const replacePaths = change.replace_paths ?? [];
  walk(change.before, change.after, change.after_unknown, change.before_sensitive, change.after_sensitive, [], false, replacePaths, out);
  cache.set(change, out);
  return out;
}

const cache = new WeakMap<object, Leaf[]>();

function walk(
  before: unknown,
  after: unknown,
  unknown: unknown,
  bSens: unknown,
  aSens: unknown,
  path: Path,
  inheritedSensitive: boolean,
  replacePaths: Segment[][],
  out: Leaf[],
): void {
  const sensitive = inheritedSensitive || bSens === true || aSens === true;
  const isUnknown = unknown === true;
  const emit = (b: Side, a: Side) => out.push({ path, before: b, after: a, sensitive, forcesReplacement: forces(path, replacePaths) });

  if (sensitive) {
    const b = before === null || before === undefined ? ABSENT : SENSITIVE;
    const a = isUnknown ? UNKNOWN : after === null || after === undefined ? ABSENT : SENSITIVE;
    if (isUnknown || !isDeepStrictEqual(before ?? null, after ?? null)) emit(b, a);
    return;
  }
  if (isUnknown) {
    emit(before === null || before === undefined ? ABSENT : { kind: 'value', value: before }, UNKNOWN);
    return;
  }

  const bDoc = decodeJsonDocument(before);
  const aDoc = decodeJsonDocument(after);
  const bTree = bDoc ?? before;
  const aTree = aDoc ?? after;
  // Decode JSON strings only when both sides are documents (or one side is missing): a document turning into a plain
  // string is shown as the plain change it is.
  const useDocs = (bDoc !== undefined || before === null || before === undefined) && (aDoc !== undefined || after === null || after === undefined) && (bDoc !== undefined || aDoc !== undefined);
  const b = useDocs ? bTree : before;
  const a = useDocs ? aTree : after;

  if (isContainer(b) || isContainer(a)) {
    const bothArrays = (Array.isArray(b) || b == null) && (Array.isArray(a) || a == null);
    const bothObjects = (isObject(b) || b == null) && (isObject(a) || a == null);
    if (bothArrays && (Array.isArray(b) || Array.isArray(a))) {
      const bl = Array.isArray(b) ? b : [];
      const al = Array.isArray(a) ? a : [];
      const n = Math.max(bl.length, al.length, Array.isArray(unknown) ? unknown.length : 0);
      if (n === 0 && !isDeepStrictEqual(b ?? null, a ?? null) && b != null && a != null) emit(value(b), value(a));
      for (let i = 0; i < n; i++) {
        walk(bl[i], al[i], at(unknown, i), at(bSens, i), at(aSens, i), [...path, i], false, replacePaths, out);
      }
      return;
    }
    if (bothObjects && (isObject(b) || isObject(a))) {
      const bo = isObject(b) ? b : {};
      const ao = isObject(a) ? a : {};
      const keys = new Set([...Object.keys(bo), ...Object.keys(ao), ...(isObject(unknown) ? Object.keys(unknown) : [])]);
      if (keys.size === 0 && b != null && a != null) return;
      for (const k of [...keys].sort()) {
        walk(bo[k], ao[k], at(unknown, k), at(bSens, k), at(aSens, k), [...path, k], false, replacePaths, out);
      }
      return;
    }
    // A container on one side, a scalar on the other: a plain replacement of the value.
  }
  // An empty string and null are the same to Terraform's renderer (providers normalise one into the other): it hides
  // `allowed_pattern = ""` on a create and "" -> null on an update, and so does this.
  if (isDeepStrictEqual(emptyAsNull(before), emptyAsNull(after))) return;
  emit(value(before), value(after));
}

function emptyAsNull(v: unknown): unknown {
  return v === undefined || v === '' ? null : v;
}

function value(v: unknown): Side {
  return v === null || v === undefined ? ABSENT : { kind: 'value', value: v };
}

function isContainer(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

function at(v: unknown, key: Segment): unknown {
  if (Array.isArray(v) && typeof key === 'number') return v[key];
  if (isObject(v) && typeof key === 'string') return v[key];
  return undefined;
}

/** A string holding a JSON object or array (policies, container definitions), decoded; undefined otherwise. */
export function decodeJsonDocument(v: unknown): unknown {
  if (typeof v !== 'string' || v.length < 2) return undefined;
  const first = v.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    // A document nested deeper than any real policy or container definition is shown as the string it is: walking it
    // would exhaust the stack.
    return typeof parsed === 'object' && parsed !== null && nestingDepth(parsed, MAX_NESTING).depth <= MAX_NESTING ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function forces(path: Path, replacePaths: Segment[][]): boolean {
  return replacePaths.some((rp) => rp.length > 0 && rp.length <= path.length && rp.every((seg, i) => String(seg) === String(path[i])));
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `tags.Name`, `ingress[0].from_port`, `tags["ecs-coexist:owner"]`. */
export function formatPath(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (IDENT.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s === '' ? '(value)' : s;
}

/** The attribute a leaf belongs to (its first path segment). */
export function topAttribute(path: Path): string {
  return path.length === 0 ? '(value)' : String(path[0]);
}
