import { Testing } from 'cdktf';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { defineEnvironment, type EnvironmentConfig, type WebServiceConfig } from '../../environments/schema';
import { EnvironmentStack, TARGET_CONTEXT_KEY, type StackTarget } from '../../stacks/environment-stack';

export { dev, prod };

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `base` with `patch` merged in (arrays replaced), validated again like an environment file. */
export function variant(base: EnvironmentConfig, patch: DeepPartial<EnvironmentConfig> | Record<string, unknown>): EnvironmentConfig {
  return defineEnvironment(merge(structuredClone(base), patch) as EnvironmentConfig);
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object' && !Array.isArray(target[k])) {
      merge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v === undefined) {
      delete target[k];
    } else {
      target[k] = v;
    }
  }
  return target;
}

export interface Synthesized {
  stack: EnvironmentStack;
  /** The synthesized Terraform JSON as a string, for cdktf's matchers. */
  json: string;
  tf: TerraformJson;
}

export interface TerraformJson {
  terraform: { backend?: Record<string, Record<string, unknown>>; required_providers: Record<string, unknown> };
  provider: { aws: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, unknown>;
  output?: Record<string, unknown>;
}

export function synth(env: EnvironmentConfig, target: StackTarget = 'aws'): Synthesized {
  const app = Testing.app({ context: { [TARGET_CONTEXT_KEY]: target } });
  const stack = new EnvironmentStack(app, env);
  const json = Testing.synth(stack);
  return { stack, json, tf: JSON.parse(json) as TerraformJson };
}

/** All resources of one type, by logical id. */
export function resources(tf: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return tf.resource[type] ?? {};
}

/** The only resource of a type whose construct path ends with `pathSuffix` (e.g. 'service/task'). */
export function resource(tf: TerraformJson, type: string, pathSuffix?: string): Record<string, unknown> {
  // Logical ids are the construct path joined by '_' plus an 8-character hash.
  const suffix = pathSuffix?.replace(/\//g, '_');
  const all = Object.entries(resources(tf, type))
    .filter(([id]) => !suffix || id.replace(/_[0-9A-F]{8}$/, '').endsWith(suffix))
    .map(([, r]) => r);
  if (all.length !== 1) throw new Error(`expected one ${type}${pathSuffix ? ` at */${pathSuffix}` : ''}, found ${all.length}`);
  return all[0];
}

/** Parses an IAM policy document held as a JSON string attribute. */
export function policy(doc: unknown): { Version: string; Statement: { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>>; Principal?: unknown }[] } {
  return JSON.parse(doc as string);
}

/** The environment's web service `name` (dev's and prod's is `web`), typed as one. */
export function web(env: EnvironmentConfig, name = 'web'): WebServiceConfig {
  const svc = env.services[name];
  if (svc?.kind !== 'web') throw new Error(`${env.name}: services.${name}: not a web service`);
  return svc;
}

/** Construct paths of the first web service's parts (the single-service layout's `service/...`). */
export const WEB = {
  service: 'services/web/service',
  task: 'services/web/task-definition/task',
  logs: 'services/web/task-definition/logs',
  releaseImage: 'services/web/task-definition/release-image',
  containerSpec: 'services/web/task-definition/container-spec',
  executionRole: 'services/web/task-definition/execution-role',
  taskRole: 'services/web/task-definition/task-role',
  targetGroup: 'services/web/routing/tg',
  rule: 'services/web/routing/rule',
  descriptor: 'services/web/descriptor',
  sg: 'services/web/sg',
  blueGreen: 'services/web/blue-green',
} as const;
