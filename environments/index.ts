import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type EnvironmentConfig } from './schema';

export { defineEnvironment, ConfigError } from './schema';
export type { EnvironmentConfig, EnvironmentInput, ServiceConfig, WebServiceConfig, WorkerServiceConfig, ScheduledServiceConfig } from './schema';
export { resourceNames, serviceNames } from '../contracts/names';

/**
 * The environments this app deploys, in promotion order: a new environment is a file `environments/<name>.ts` plus
 * one line here. main.ts builds one stack each; the tools (release CLI, plan comment, scripts) read the same list.
 */
export const ENVIRONMENTS: readonly string[] = [
  'dev',
  'prod',
];

/** Names of the environments this app deploys, sorted (for messages that list them). */
export function environmentNames(): string[] {
  return [...ENVIRONMENTS].sort();
}

/**
 * Loads `environments/<name>.ts` (its default export, validated at import). Used by `main.ts` and the release CLI,
 * so both read the same configuration.
 */
export function loadEnvironment(name: string): EnvironmentConfig {
  const known = environmentNames();
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !known.some((k) => k === name) ||
      !(existsSync(join(__dirname, `${name}.ts`)) || existsSync(join(__dirname, `${name}.js`)))) {
    throw new ConfigError(name, 'environment', name, `one of ${known.join(', ')} (a file in environments/)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const env = (require(join(__dirname, name)) as { default: EnvironmentConfig }).default;
  if (env.name !== name) {
    throw new ConfigError(name, 'name', env.name, `"${name}" (the file name environments/${name}.ts)`);
  }
  return env;
}
