import { clipJson, formatJsonPath, planSchema, schemaError } from './plan-schema';

export { clipJson, formatJsonPath };
import { nestingDepth, readTopLevel } from './plan-reader';

/**
 * The parts of `terraform show -json <planfile>` (JSON plan format 1.x) the renderer reads, and the one place that
 * decides whether a file is such a plan. Everything downstream trusts the shape checked here.
 */

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface Change {
  actions: Action[];
  before: unknown;
  after: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  replace_paths?: (string | number)[][];
  importing?: { id?: string; identity?: unknown } | null;
  generated_config?: string;
}

export interface ResourceChange {
  address: string;
  previous_address?: string;
  module_address?: string;
  mode?: 'managed' | 'data';
  type: string;
  name?: string;
  index?: string | number;
  deposed?: string;
  provider_name?: string;
  action_reason?: string;
  change: Change;
}

export interface OutputChange {
  actions: Action[];
  before: unknown;
  after: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
}

export interface TerraformPlan {
  format_version: string;
  terraform_version?: string;
  variables?: Record<string, { value?: unknown }>;
  planned_values?: unknown;
  resource_changes?: ResourceChange[];
  resource_drift?: ResourceChange[];
  output_changes?: Record<string, OutputChange>;
  configuration?: {
    root_module?: { variables?: Record<string, { sensitive?: boolean; default?: unknown }> };
  };
  errored?: boolean;
  applyable?: boolean;
  /** Attributes of drifted objects that contribute to the planned changes (Terraform shows drift only there). */
  relevant_attributes?: { resource: string; attribute: (string | number)[] }[];
  /** Results of check blocks and conditions; failures are warnings Terraform prints. */
  checks?: { address?: { to_display?: string }; status?: string; instances?: { problems?: { message?: string }[] }[] }[];
  /** Set by the reader: a `-refresh-only` plan (no resource_changes at all, while the state has objects). */
  refresh_only?: boolean;
}

/** Bad input: the message is one line naming the field, what was received and what is allowed. */
export class PlanInputError extends Error {
  constructor(field: string, received: string, allowed: string) {
    super(`${field}: received ${received}; allowed: ${allowed}`);
    this.name = 'PlanInputError';
  }
}

export const PLAN_ALLOWED = 'the output of `terraform show -json <planfile>` (JSON plan format 1.x)';
const SUPPORTED_MAJOR = 1;
/** Deeper values are refused: Terraform's own values nest a few dozen levels at most, and deeper input is an attack. */
export const MAX_NESTING = 128;

const WANTED = new Set(['format_version', 'terraform_version', 'variables', 'resource_changes', 'resource_drift', 'output_changes', 'configuration', 'errored', 'applyable', 'relevant_attributes', 'checks']);

/** Parses and checks a JSON plan; `field` names the input in error messages (e.g. "--plan-json plan.json"). */
export function parsePlan(text: string | Uint8Array, field = 'plan-json'): TerraformPlan {
  if (isBlank(text)) throw new PlanInputError(field, 'an empty file', PLAN_ALLOWED);
  const top = readTopLevel(text, WANTED);
  let data: Record<string, unknown>;
  let keys: ReadonlySet<string>;
  if (top) {
    ({ data, keys } = top);
  } else {
    let whole: unknown;
    try {
      whole = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      throw new PlanInputError(field, `malformed or truncated JSON (${reason})`, PLAN_ALLOWED);
    }
    if (!isObject(whole)) throw new PlanInputError(field, `a JSON ${whole === null ? 'null' : Array.isArray(whole) ? 'array' : typeof whole}`, PLAN_ALLOWED);
    data = whole;
    keys = new Set(Object.keys(whole));
  }
  const version = data.format_version;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    throw new PlanInputError(`${field}: format_version`, version === undefined ? 'nothing' : clipJson(version), `"${SUPPORTED_MAJOR}.x"`);
  }
  if (Number(version.split('.')[0]) !== SUPPORTED_MAJOR) {
    throw new PlanInputError(`${field}: format_version`, JSON.stringify(version), `"${SUPPORTED_MAJOR}.x" (a newer major version may change meanings this renderer relies on)`);
  }
  if (!keys.has('planned_values') && !keys.has('resource_changes')) {
    // `terraform show -json` of a state file has `values` and no planned values: easy to pass by mistake.
    throw new PlanInputError(field, `JSON without planned_values or resource_changes${keys.has('values') ? ' (a state, not a plan)' : ''}`, PLAN_ALLOWED);
  }
  for (const key of WANTED) {
    const d = nestingDepth(data[key], MAX_NESTING);
    if (d.depth > MAX_NESTING) throw new PlanInputError(`${field}: ${formatJsonPath([key, ...d.path])}…`, `a value nested more than ${MAX_NESTING} levels deep`, `at most ${MAX_NESTING} levels`);
  }
  const r = planSchema.safeParse(data);
  if (!r.success) {
    const e = schemaError(r.error.issues[0], data);
    throw new PlanInputError(`${field}: ${e.path}`, e.received, e.allowed);
  }
  // The checked input itself, not zod's copy of it: on a large plan the copy would double the peak memory.
  const plan = data as unknown as TerraformPlan;
  // A refresh-only plan proposes no resource changes at all (the key is absent); a normal plan lists every resource.
  if (!keys.has('resource_changes') && keys.has('prior_state') && priorStateHasResources(text)) plan.refresh_only = true;
  return plan;
}

function isBlank(text: string | Uint8Array): boolean {
  if (typeof text === 'string') return text.trim() === '';
  return text.every((b) => b === 32 || b === 10 || b === 13 || b === 9);
}

function priorStateHasResources(text: string | Uint8Array): boolean {
  const top = readTopLevel(text, new Set(['prior_state']));
  const prior = top?.data.prior_state;
  const root = isObject(prior) && isObject(prior.values) ? prior.values.root_module : undefined;
  return isObject(root) && ((Array.isArray(root.resources) && root.resources.length > 0) || (Array.isArray(root.child_modules) && root.child_modules.length > 0));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
