/**
 * Reads only the parts of a plan file the renderer uses. `terraform show -json` repeats every resource's values in
 * `planned_values`, `prior_state` and `configuration`: on a large plan those copies are most of the file, and parsing
 * them into objects doubled the peak memory. The top level is scanned once (linear, strings and nesting tracked), and
 * only the wanted members are parsed; the others are checked for balance only.
 */

export interface TopLevel {
  /** The parsed wanted members. */
  readonly data: Record<string, unknown>;
  /** Every top-level key present, parsed or not. */
  readonly keys: ReadonlySet<string>;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Scans `text` as a JSON object and parses the members named in `wanted`. Returns undefined when the text is not a
 * well-formed object at the top level (the caller then parses it whole for the exact error).
 */
export function readTopLevel(input: string | Uint8Array, wanted: ReadonlySet<string>): TopLevel | undefined {
  // Bytes, not a string: the file is scanned as read (UTF-8 never uses bytes below 0x80 inside a multi-byte
  // character, so quotes, brackets and backslashes are found as bytes), and only the wanted members are decoded.
  const text = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const decode = (start: number, end: number) => Buffer.from(text.buffer, text.byteOffset + start, end - start).toString('utf8');
  let i = skipWs(text, 0);
  if (text[i] !== 123 /* { */) return undefined;
  i++;
  const data: Record<string, unknown> = {};
  const keys = new Set<string>();
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === 125 /* } */ && keys.size === 0) return { data, keys };
    if (text[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(decode(i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipWs(text, keyEnd);
    if (text[i] !== 58 /* : */) return undefined;
    const start = skipWs(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    keys.add(key);
    if (wanted.has(key)) {
      try {
        data[key] = JSON.parse(decode(start, end));
      } catch {
        return undefined;
      }
    }
    i = skipWs(text, end);
    const c = text[i];
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    if (c !== 125) return undefined;
    return skipWs(text, i + 1) === text.length ? { data, keys } : undefined;
  }
}

function skipWs(s: Uint8Array, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index just past the string starting at `i` (a quote), or -1. */
function stringEnd(s: Uint8Array, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `i`, or -1 when unbalanced or truncated. Iterative: any depth. */
function valueEnd(s: Uint8Array, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j];
    if (c === QUOTE) {
      j = stringEnd(s, j);
      if (j < 0) return -1;
      if (depth === 0) return j;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth < 0) return depth === -1 && j > i ? j : -1;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === 44 || c === 125 || c === 93)) return j > i ? j : -1;
    else if (depth === 0 && (c === 32 || c === 10 || c === 13 || c === 9)) return j > i ? j : -1;
    j++;
  }
  return depth === 0 && j > i ? j : -1;
}

/**
 * How deeply `value` nests, counted iteratively (any depth, no recursion); stops at `limit + 1`. The path of the
 * deepest value is looked up only when the limit is exceeded (a second, rare pass), so the common case allocates
 * nothing per node.
 */
export function nestingDepth(value: unknown, limit: number): { depth: number; path: (string | number)[] } {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > deepest) {
      deepest = depth + 1;
      if (deepest > limit) return { depth: deepest, path: pathToDepth(value, limit) };
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] === 'object' && v[i] !== null) {
          values.push(v[i]);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const x of Object.values(v)) {
        if (typeof x === 'object' && x !== null) {
          values.push(x);
          depths.push(depth + 1);
        }
      }
    }
  }
  return { depth: deepest, path: [] };
}

/** The first few segments of a path to a value nested deeper than `limit`. */
function pathToDepth(value: unknown, limit: number): (string | number)[] {
  const stack: { v: unknown; path: (string | number)[]; depth: number }[] = [{ v: value, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return path.slice(0, 6);
    const next = (k: string | number, x: unknown) => stack.push({ v: x, path: path.length < 6 ? [...path, k] : path, depth: depth + 1 });
    if (Array.isArray(v)) v.forEach((x, i) => next(i, x));
    else for (const [k, x] of Object.entries(v)) next(k, x);
  }
  return [];
}
