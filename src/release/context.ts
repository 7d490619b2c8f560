import { setTimeout as delay } from 'node:timers/promises';
import type { EnvironmentConfig } from '../../environments/schema';
import { ApiCallCounter, awsClientFactory, type ClientFactory } from './aws';
import type { Programs } from './programs';
import type { DockerConfigOptions } from '../registry';

export type { Programs };

/** How the CLI reaches private registries (issue 16); tests inject a `fetch` (a tag moved mid-release) and a Docker config folder. */
export interface RegistryAccess {
  readonly fetch?: typeof fetch;
  readonly dockerConfig?: DockerConfigOptions;
}

/** Where a command writes: humans read stdout, progress goes to stderr, `--json` puts one document on stdout. */
export interface Streams {
  write(text: string): void;
}

/** Everything a command needs from the outside world; the CLI builds the real one, tests inject their own. */
export interface Context {
  readonly clients: ClientFactory;
  readonly loadEnvironment: (name: string) => EnvironmentConfig;
  /** The environment list in promotion order (environments/index.ts): `promote` without --from takes the one before --to. */
  readonly environments: () => readonly string[];
  readonly stdout: Streams;
  readonly stderr: Streams;
  readonly counter: ApiCallCounter;
  /** Aborted on SIGINT: waits stop, the deployment or task goes on in ECS. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Resolves after `ms`, rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** `exec`: finds and runs local programs (the Session Manager plugin). */
  readonly programs: Programs;
  /** Private registries (issue 16): Node's fetch and the user's Docker configuration unless a test injects others. */
  readonly registry: RegistryAccess;
}

export interface ContextOverrides {
  programs?: Programs;
  clients?: ClientFactory;
  loadEnvironment?: (name: string) => EnvironmentConfig;
  environments?: readonly string[];
  stdout?: Streams;
  stderr?: Streams;
  counter?: ApiCallCounter;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  registry?: RegistryAccess;
}

export function createContext(overrides: ContextOverrides = {}): Context {
  return {
    clients: overrides.clients ?? awsClientFactory(),
    // Required lazily: the environment files (and zod) load only when a command needs them, not for --help.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loadEnvironment: overrides.loadEnvironment ?? ((name) => (require('../../environments') as typeof import('../../environments')).loadEnvironment(name)),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    environments: () => overrides.environments ?? (require('../../environments') as typeof import('../../environments')).ENVIRONMENTS,
    stdout: overrides.stdout ?? { write: (t) => void process.stdout.write(t) },
    stderr: overrides.stderr ?? { write: (t) => void process.stderr.write(t) },
    counter: overrides.counter ?? new ApiCallCounter(),
    signal: overrides.signal ?? new AbortController().signal,
    now: overrides.now ?? Date.now,
    sleep: overrides.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
    // Required lazily: only `exec` starts a program.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    programs: overrides.programs ?? (require('./programs') as typeof import('./programs')).localPrograms,
    registry: overrides.registry ?? {},
  };
}

/** Human output (stdout, or stderr under --json so stdout stays one JSON document) and progress (stderr). */
export class Reporter {
  constructor(
    private readonly ctx: Context,
    readonly json: boolean,
    /** Put before every line (`web: `): the services of a group ship at once and their lines interleave. */
    private readonly prefix = '',
  ) {}

  /** A result line for humans. */
  info(line: string): void {
    (this.json ? this.ctx.stderr : this.ctx.stdout).write(`${this.prefix}${line}\n`);
  }

  /** A progress line while waiting. */
  progress(line: string): void {
    this.ctx.stderr.write(`${this.prefix}${line}\n`);
  }

  /** The same streams, every line prefixed with the service's name (one member of a group). */
  forService(name: string): Reporter {
    return new Reporter(this.ctx, this.json, `${this.prefix}${name}: `);
  }
}

/** Parses `90s`, `15m`, `1h`, `500ms` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** What a command hands back to the CLI: its exit code and the `--json` document. */
export interface CommandResult {
  readonly exitCode: number;
  readonly document: Record<string, unknown>;
}

/** Options every shipping command shares. */
export interface WaitFlags {
  /** Milliseconds. */
  readonly timeoutMs: number;
  /** Milliseconds. */
  readonly pollMs: number;
  /** --no-wait: start the deployment and return. */
  readonly noWait?: boolean;
}
