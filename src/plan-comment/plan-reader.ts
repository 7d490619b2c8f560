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
export function readTopLevel(text: string, wanted: ReadonlySet<string>): TopLevel | undefined {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 123 /* { */) return undefined;
  i++;
  const data: Record<string, unknown> = {};
  const keys = new Set<string>();
  for (;;) {
    i = skipWs(text, i);
    if (text.charCodeAt(i) === 125 /* } */ && keys.size === 0) return { data, keys };
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== 58 /* : */) return undefined;
    const start = skipWs(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    keys.add(key);
    if (wanted.has(key)) {
      try {
        data[key] = JSON.parse(text.slice(start, end));
      } catch {
        return undefined;
      }
    }
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    if (c !== 125) return undefined;
    return skipWs(text, i + 1) === text.length ? { data, keys } : undefined;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index just past the string starting at `i` (a quote), or -1. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `i`, or -1 when unbalanced or truncated. Iterative: any depth. */
function valueEnd(s: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
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

/** How deeply `value` nests, counted iteratively; stops counting at `limit + 1`. Also returns the path of the deepest. */
export function nestingDepth(value: unknown, limit: number): { depth: number; path: (string | number)[] } {
  let deepest = { depth: 0, path: [] as (string | number)[] };
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > deepest.depth) deepest = { depth: depth + 1, path };
    if (deepest.depth > limit) return deepest;
    if (Array.isArray(v)) v.forEach((x, k) => stack.push({ v: x, depth: depth + 1, path: depth < 8 ? [...path, k] : path }));
    else for (const [k, x] of Object.entries(v)) stack.push({ v: x, depth: depth + 1, path: depth < 8 ? [...path, k] : path });
  }
  return deepest;
}
