import { usageError } from './errors';

/**
 * Command-line checks that need nothing but argv (loaded with the CLI itself; the configuration checks that need the
 * environment files live in preflight.ts, loaded when a command runs).
 */

/** Options that take one value: given twice, which one wins is a guess (`--env dev --env prod` acted on prod). */
export const SINGLE_VALUE_OPTIONS = [
  '--env', '--image', '--container', '--commit', '--timeout', '--poll-interval', '--role-arn', '--to', '--from',
  '--from-status', '--from-role-arn', '--to-role-arn',
  '--keep', '--limit', '--cluster', '--service', '--group', '--region', '--task', '--since',
] as const;

/** Refuses a single-value option given more than once (before `--`, after which arguments belong to `run`'s command). */
export function refuseRepeatedOptions(argv: readonly string[]): void {
  const seen = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(SINGLE_VALUE_OPTIONS as readonly string[]).includes(name)) continue;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    const values = [...(seen.get(name) ?? []), value];
    seen.set(name, values);
    if (values.length > 1) throw usageError(name, values, `${name} once (given ${values.length} times; nothing was done)`);
  }
}

/** The longest wait any command accepts: a pipeline job that waits longer has lost track of its deployment. */
export const MAX_TIMEOUT_MS = 24 * 3_600_000;
export const MAX_POLL_MS = 5 * 60_000;

/** The options every command takes. */
export interface CommonFlags {
  env: string;
  /** `--service`: optional when the environment has one service. */
  service?: string;
  roleArn?: string;
  json?: boolean;
}

export interface ShippingFlags extends CommonFlags {
  timeout: string;
  pollInterval: string;
  dryRun?: boolean;
  /** false with --no-wait */
  wait?: boolean;
}
