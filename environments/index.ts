import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type EnvironmentConfig } from './schema';

export { defineEnvironment, ConfigError } from './schema';
export type { EnvironmentConfig, EnvironmentInput, ServiceConfig, WebServiceConfig, WorkerServiceConfig, ScheduledServiceConfig } from './schema';
export { resourceNames, serviceNames } from './names';

const NOT_ENVIRONMENTS = new Set(['index', 'schema', 'names', 'cidr']);

/** Names of the environments defined in this folder (one file each). */
export function environmentNames(): string[] {
  return readdirSync(__dirname)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .filter((n) => !NOT_ENVIRONMENTS.has(n))
    .sort();
}

/**
 * Loads `environments/<name>.ts` (its default export, validated at import). Used by `main.ts` and the release CLI,
 * so both read the same configuration.
 */
export function loadEnvironment(name: string): EnvironmentConfig {
  const known = environmentNames();
  if (!/^[a-z][a-z0-9-]*$/.test(name) || NOT_ENVIRONMENTS.has(name) || !known.some((k) => k === name) ||
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
