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
  mode: 'managed' | 'data';
  type: string;
  name: string;
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
}

/** Bad input: the message is one line naming the field, what was received and what is allowed. */
export class PlanInputError extends Error {
  constructor(field: string, received: string, allowed: string) {
    super(`${field}: received ${received}; allowed: ${allowed}`);
    this.name = 'PlanInputError';
  }
}

const PLAN_ALLOWED = 'the output of `terraform show -json <planfile>` (JSON plan format 1.x)';
const SUPPORTED_MAJOR = 1;

/** Parses and checks a JSON plan; `field` names the input in error messages (e.g. "--plan-json plan.json"). */
export function parsePlan(text: string, field = 'plan-json'): TerraformPlan {
  if (text.trim() === '') throw new PlanInputError(field, 'an empty file', PLAN_ALLOWED);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    throw new PlanInputError(field, `malformed or truncated JSON (${reason})`, PLAN_ALLOWED);
  }
  if (!isObject(data)) throw new PlanInputError(field, `a JSON ${data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data}`, PLAN_ALLOWED);
  const version = data.format_version;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    throw new PlanInputError(`${field}: format_version`, version === undefined ? 'nothing' : JSON.stringify(version), `"${SUPPORTED_MAJOR}.x"`);
  }
  if (Number(version.split('.')[0]) !== SUPPORTED_MAJOR) {
    throw new PlanInputError(`${field}: format_version`, JSON.stringify(version), `"${SUPPORTED_MAJOR}.x" (a newer major version may change meanings this renderer relies on)`);
  }
  if (!('planned_values' in data) && !('resource_changes' in data)) {
    // `terraform show -json` of a state file has `values` and no planned values: easy to pass by mistake.
    throw new PlanInputError(field, `JSON without planned_values or resource_changes${'values' in data ? ' (a state, not a plan)' : ''}`, PLAN_ALLOWED);
  }
  for (const key of ['resource_changes', 'resource_drift'] as const) {
    const list = data[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new PlanInputError(`${field}: ${key}`, `a ${typeof list}`, 'an array of resource changes');
    list.forEach((rc, i) => checkResourceChange(rc, `${field}: ${key}[${i}]`));
  }
  const outputs = data.output_changes;
  if (outputs !== undefined) {
    if (!isObject(outputs)) throw new PlanInputError(`${field}: output_changes`, `a ${typeof outputs}`, 'an object of output changes');
    for (const [name, oc] of Object.entries(outputs)) {
      if (!isObject(oc) || !isActions(oc.actions)) throw new PlanInputError(`${field}: output_changes.${name}.actions`, JSON.stringify(isObject(oc) ? oc.actions : oc), 'a list of Terraform actions');
    }
  }
  return data as unknown as TerraformPlan;
}

const ACTIONS = new Set(['no-op', 'create', 'read', 'update', 'delete', 'forget']);

function isActions(v: unknown): v is Action[] {
  return Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' && ACTIONS.has(a));
}

function checkResourceChange(rc: unknown, where: string): void {
  if (!isObject(rc)) throw new PlanInputError(where, JSON.stringify(rc), 'a resource change object');
  if (typeof rc.address !== 'string' || rc.address === '') throw new PlanInputError(`${where}.address`, JSON.stringify(rc.address), 'a resource address');
  if (typeof rc.type !== 'string') throw new PlanInputError(`${where}.type`, JSON.stringify(rc.type), 'a resource type');
  if (!isObject(rc.change)) throw new PlanInputError(`${where}.change`, JSON.stringify(rc.change), 'an object with actions, before and after');
  if (!isActions(rc.change.actions)) {
    throw new PlanInputError(`${where}.change.actions`, JSON.stringify(rc.change.actions), `a list of ${[...ACTIONS].join(', ')}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
