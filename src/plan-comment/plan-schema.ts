import { z } from 'zod';

/**
 * The shape of the plan members the renderer reads, checked once at the boundary. Unknown members are allowed
 * (Terraform adds fields in minor versions); every member the renderer touches has the type it relies on, so nothing
 * downstream meets a string where it walks a list.
 */

const ACTIONS = ['no-op', 'create', 'read', 'update', 'delete', 'forget'] as const;
const action = z.enum(ACTIONS);
const segment = z.union([z.string(), z.number()]);
const attributePath = z.array(segment);

const change = z.looseObject({
  actions: z.array(action).min(1),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  after_unknown: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
  replace_paths: z.array(attributePath).optional(),
  importing: z.looseObject({ id: z.string().optional(), identity: z.unknown().optional() }).nullable().optional(),
  generated_config: z.string().optional(),
});

const resourceChange = z.looseObject({
  address: z.string().min(1),
  previous_address: z.string().optional(),
  module_address: z.string().optional(),
  mode: z.enum(['managed', 'data']).optional(),
  type: z.string().min(1),
  name: z.string().optional(),
  index: segment.optional(),
  deposed: z.string().optional(),
  provider_name: z.string().optional(),
  action_reason: z.string().optional(),
  change,
});

const outputChange = z.looseObject({
  actions: z.array(action).min(1),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  after_unknown: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
});

export const planSchema = z.looseObject({
  format_version: z.string(),
  terraform_version: z.string().optional(),
  variables: z.record(z.string(), z.looseObject({ value: z.unknown().optional() })).optional(),
  resource_changes: z.array(resourceChange).optional(),
  resource_drift: z.array(resourceChange).optional(),
  output_changes: z.record(z.string(), outputChange).optional(),
  configuration: z.looseObject({
    root_module: z.looseObject({
      variables: z.record(z.string(), z.looseObject({ sensitive: z.boolean().optional(), default: z.unknown().optional() })).optional(),
    }).optional(),
  }).optional(),
  errored: z.boolean().optional(),
  applyable: z.boolean().optional(),
  relevant_attributes: z.array(z.looseObject({ resource: z.string(), attribute: attributePath })).optional(),
  checks: z.array(z.looseObject({
    address: z.looseObject({ to_display: z.string().optional() }).optional(),
    status: z.string().optional(),
    instances: z.array(z.looseObject({ problems: z.array(z.looseObject({ message: z.string().optional() })).optional() })).optional(),
  })).optional(),
});

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  null: 'null',
};

/** A zod issue as the parts of the one-line error: the JSON path, what was there, what is allowed. */
export function schemaError(issue: z.core.$ZodIssue, data: unknown): { path: string; received: string; allowed: string } {
  const path = issue.path;
  const at = valueAt(data, path);
  let allowed: string;
  switch (issue.code) {
    case 'invalid_type':
      allowed = TYPE_WORDS[issue.expected] ?? issue.expected;
      break;
    case 'invalid_value':
      allowed = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'too_small':
      allowed = issue.origin === 'array' ? 'a non-empty list' : issue.origin === 'string' ? 'a non-empty string' : `at least ${issue.minimum}`;
      break;
    case 'invalid_union':
      allowed = 'a string or a number';
      break;
    default:
      allowed = issue.message;
  }
  return { path: formatJsonPath(path), received: at === undefined ? 'nothing' : describe(at, clipJson), allowed };
}

function describe(v: unknown, clip: (v: unknown) => string): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${clip(v)})`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v === 'string' ? 'the string' : `the ${typeof v}`} ${clip(v)}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** `resource_changes[0].change.actions` */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(seg))) s += s === '' ? String(seg) : `.${String(seg)}`;
    else s += `[${JSON.stringify(String(seg))}]`;
  }
  return s === '' ? '(root)' : s;
}

/** A received value as short JSON for an error line. */
export function clipJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = Array.isArray(v) ? `a list of ${v.length}` : (typeof v === 'object' && v !== null) ? 'an object' : JSON.stringify(v) ?? String(v);
  } catch {
    s = typeof v;
  }
  // One line, whatever the value holds.
  s = s.replace(/[\u0000-\u001f\u2028\u2029\u0085]/g, ' ');
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

