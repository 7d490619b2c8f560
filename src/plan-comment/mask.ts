import { changedLeaves, formatPath } from './attributes';
import { isObject, PlanInputError, type TerraformPlan } from './plan';
import { AWS_SECRET_KEY, secretsByKey, TOKEN_HINTS, TOKEN_PATTERNS } from './secrets';

/** Masks from configuration, on top of what Terraform marks sensitive. */
export interface MaskConfig {
  /**
   * Attribute paths to hide, as globs over the displayed path (`*` any characters, `?` one), optionally prefixed by a
   * resource type: `*password*`, `aws_ecs_task_definition:container_definitions[*].environment[*].value`.
   * A match on a path hides everything below it.
   */
  readonly attributes?: readonly string[];
  /** Regular expressions; every match anywhere in the comment is replaced by `***` (tokens, internal host names). */
  readonly values?: readonly string[];
}

export const SENSITIVE_TEXT = '(sensitive value)';
export const MASKED_TEXT = '(masked)';
const VALUE_MASK_TEXT = '***';
/** Shorter secrets are still hidden where Terraform marks them, but not hunted for in free text (too many false hits). */
const MIN_SCRUB_LENGTH = 4;

export class Masker {
  private readonly attributeRules: { type?: string; re: RegExp }[];
  private readonly valueRules: RegExp[];
  private readonly secretRe?: RegExp;
  private readonly secretPrefixes = new Set<string>();

  constructor(config: MaskConfig = {}, secrets: Iterable<string> = []) {
    this.attributeRules = (config.attributes ?? []).map((glob, i) => {
      const m = /^([a-z0-9_]+):(.+)$/.exec(glob);
      const pattern = m ? m[2] : glob;
      if (pattern.trim() === '') throw new PlanInputError(`masks.attributes[${i}]`, JSON.stringify(glob), 'a non-empty glob such as *password*');
      return { type: m?.[1], re: globToRegExp(pattern) };
    });
    this.valueRules = (config.values ?? []).map((source, i) => {
      let re: RegExp;
      try {
        re = new RegExp(source, 'g');
      } catch (e) {
        throw new PlanInputError(`masks.values[${i}]`, JSON.stringify(source), `a valid regular expression (${(e as Error).message})`);
      }
      if (re.test('')) throw new PlanInputError(`masks.values[${i}]`, JSON.stringify(source), 'a regular expression that cannot match the empty string');
      return re;
    });
    const literals = new Set<string>();
    for (const s of secrets) {
      if (s.length < MIN_SCRUB_LENGTH) continue;
      literals.add(s);
      // The same secret as it appears inside a JSON-encoded attribute or a quoted value.
      literals.add(JSON.stringify(s).slice(1, -1));
    }
    if (literals.size > 0) {
      // A trie, not a flat alternation: matching then costs the length of the text, not the number of secrets times
      // it (thousands of secrets in a large plan made every value's scrub slow, and the whole render superlinear).
      this.secretRe = new RegExp(trieSource([...literals]), 'g');
      for (const l of literals) this.secretPrefixes.add(l.slice(0, MIN_SCRUB_LENGTH));
    }
  }

  /** True when configuration masks this attribute path of this resource type (or a path above it). */
  masksPath(resourceType: string, displayPath: string): boolean {
    if (this.attributeRules.length === 0) return false;
    const candidates = ancestors(displayPath);
    return this.attributeRules.some((r) => (!r.type || r.type === resourceType) && candidates.some((p) => r.re.test(p)));
  }

  /**
   * Whether some secret's first characters occur in `text`: a scan linear in the text whatever the number of secrets
   * (a regular expression over thousands of literals costs per call in proportion to them).
   */
  private mayHoldSecret(text: string): boolean {
    const prefixes = this.secretPrefixes;
    for (let i = 0; i + MIN_SCRUB_LENGTH <= text.length; i++) if (prefixes.has(text.substr(i, MIN_SCRUB_LENGTH))) return true;
    return false;
  }

  /** Removes known secret values and configured value patterns from free text. */
  scrub(text: string): string {
    let out = this.secretRe && this.mayHoldSecret(text) ? text.replace(this.secretRe, SENSITIVE_TEXT) : text;
    // Well-known token formats, whether or not anything marked them: always on.
    if (TOKEN_HINT.test(out)) for (const re of TOKEN_RULES) out = out.replace(re, SENSITIVE_TEXT);
    for (const re of this.valueRules) out = out.replace(re, VALUE_MASK_TEXT);
    return out;
  }
}

const TOKEN_RULES = [...TOKEN_PATTERNS, AWS_SECRET_KEY];
// The literal every token format starts with or sits next to: one cheap test per value, and the formats themselves
// only where it hits (running each format over every value was most of the masking time on large plans).
const TOKEN_HINT = new RegExp(TOKEN_HINTS.source, 'i');

type TrieNode = Map<string, TrieNode> & { end?: boolean };

/** A regular expression source matching any of `words`, longest first, shaped as a trie. */
export function trieSource(words: string[]): string {
  const root: TrieNode = new Map();
  for (const w of words) {
    let node = root;
    for (const c of w) {
      let next = node.get(c);
      if (!next) node.set(c, (next = new Map()));
      node = next;
    }
    node.end = true;
  }
  return emit(root);
}

function emit(node: TrieNode): string {
  const parts: string[] = [];
  for (const [c, child] of node) {
    // Runs without a branch collapse into one literal, so the recursion goes only as deep as the branching.
    let s = escapeRegExp(c);
    let n = child;
    while (n.size === 1 && !n.end) {
      const [[c2, n2]] = n;
      s += escapeRegExp(c2);
      n = n2;
    }
    const rest = n.size > 0 ? emit(n) : '';
    parts.push(n.end ? (rest ? `${s}(?:${rest})?` : s) : s + rest);
  }
  return parts.length === 1 ? parts[0] : `(?:${parts.join('|')})`;
}

/** `a.b[0].c` → [`a`, `a.b`, `a.b[0]`, `a.b[0].c`]. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  const re = /\.|\[/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) if (m.index > 0) out.push(path.slice(0, m.index));
  out.push(path);
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegExp(c))).join('');
  return new RegExp(`^${body}$`, 'i');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Every value Terraform marks sensitive anywhere in the plan (resource changes, drift, outputs, sensitive variables).
 * Terraform marks a value only where it was declared sensitive: the same value copied into an unmarked attribute
 * (terraform_data's `output`, a provider's computed field) is printed in clear by Terraform itself. The renderer hunts
 * these literals down in everything it writes.
 */
export function collectSecrets(plan: TerraformPlan): Set<string> {
  const found = new Set<string>();
  const changes = [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])].map((rc) => rc.change);
  for (const c of [...changes, ...Object.values(plan.output_changes ?? {})]) {
    collectMarked(c.before, c.before_sensitive, false, found);
    collectMarked(c.after, c.after_sensitive, false, found);
    // A value sensitive on one side is just as secret on the other.
    collectMarked(c.before, c.after_sensitive, false, found);
    collectMarked(c.after, c.before_sensitive, false, found);
  }
  // Secrets Terraform does not know about: high-entropy strings under secret-looking keys (`DB_PASSWORD` in a
  // container environment, `api_token` in a map), in any attribute or output.
  for (const c of changes) {
    secretsByKey(c.before, found);
    secretsByKey(c.after, found);
  }
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) secretsByKey({ [name]: [oc.before, oc.after] }, found);
  const declared = plan.configuration?.root_module?.variables ?? {};
  for (const [name, decl] of Object.entries(declared)) {
    if (!decl?.sensitive) continue;
    collectAll(plan.variables?.[name]?.value, found);
    collectAll(decl.default, found);
  }
  return found;
}

function collectMarked(value: unknown, marks: unknown, inherited: boolean, found: Set<string>): void {
  const sensitive = inherited || marks === true;
  if (sensitive) {
    collectAll(value, found);
    return;
  }
  // Marks mirror the value only where something below is sensitive: where they stop, so does the search.
  if (Array.isArray(value) && Array.isArray(marks)) value.forEach((v, i) => collectMarked(v, marks[i], false, found));
  else if (isObject(value) && isObject(marks)) for (const [k, v] of Object.entries(value)) collectMarked(v, marks[k], false, found);
}

function collectAll(value: unknown, found: Set<string>): void {
  // Strings only: a sensitive number or boolean (a port, a flag) would blank out unrelated text everywhere.
  if (typeof value === 'string') found.add(value);
  else if (Array.isArray(value)) value.forEach((v) => collectAll(v, found));
  else if (isObject(value)) Object.values(value).forEach((v) => collectAll(v, found));
}

/**
 * The masker for one plan: configured masks, plus every value Terraform marks sensitive and every value found at a
 * masked attribute path, hunted down wherever else it appears (a masked attribute is often copied into a computed
 * one, like terraform_data's `output`).
 */
export function maskerFor(plan: TerraformPlan, config: MaskConfig = {}): Masker {
  return new Masker(config, secretsFor(plan, config));
}

/**
 * The literals `maskerFor` hunts down for one plan: marked values, sensitive variables and values at masked paths.
 * Also what scrubs the free-text comments (a failed plan's log, the apply log) when the plan is at hand: Terraform
 * and providers echo attribute values into logs without knowing they are secret.
 */
export function secretsFor(plan: TerraformPlan, config: MaskConfig = {}): Set<string> {
  const secrets = collectSecrets(plan);
  const rules = new Masker(config);
  if ((config.attributes ?? []).length > 0) {
    for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])]) {
      for (const v of [rc.change.before, rc.change.after]) {
        for (const leaf of changedLeaves({ before: v, after: null })) {
          if (leaf.before.kind === 'value' && rules.masksPath(rc.type, formatPath(leaf.path))) collectAll(leaf.before.value, secrets);
        }
      }
    }
  }
  return secrets;
}
