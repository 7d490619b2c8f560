import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { frameworkCli } from '../../../src/framework';
import { repoRoot } from '../paths';
import { emulatorEnv, type SandboxState } from './server';

/** Single-quotes a value for POSIX shells: the one place sandbox output reaches a shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `<dir>/bin`: holds `ecs-release`, a shim for this checkout's compiled CLI (the package's bin is not linked here). */
export function binDir(dir: string): string {
  return join(dir, 'bin');
}

/** Writes the `ecs-release` shim into the sandbox's bin folder. */
export function writeShims(dir: string): void {
  const cli = join(repoRoot(), 'dist', 'src', 'release', 'cli.js');
  mkdirSync(binDir(dir), { recursive: true });
  writeFileSync(join(binDir(dir), 'ecs-release'), `#!/bin/sh\nexec node ${shellQuote(cli)} "$@"\n`, { mode: 0o755 });
}

/** The variables to export: the emulator for the AWS SDK, Terraform and the cdktf CLI (S3 backend included). */
export function sandboxEnv(state: SandboxState): Record<string, string> {
  // CHECKPOINT_DISABLE: the cdktf CLI and Terraform skip HashiCorp's version check.
  return { ...emulatorEnv(state.endpoint, state.region), CHECKPOINT_DISABLE: '1' };
}

/**
 * What `npm run sandbox` prints on stdout: a shell snippet (exports, PATH with the sandbox's `ecs-release` for the
 * compiled CLI, examples as comments), so `eval "$(npm run --silent sandbox)"` works as well as copying it.
 */
export function renderSandbox(state: SandboxState, dir: string, reused: boolean): string {
  const lines = [
    `# ecs-coexist sandbox ${reused ? 'already running' : 'ready'}: moto on ${state.endpoint} (pid ${state.pid}), ` +
      `${state.environments.map((e) => e.name).join(' and ')} applied, state in ${relative(process.cwd(), dir) || '.'}`,
    ...Object.entries(sandboxEnv(state)).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    'unset AWS_PROFILE',
    `export PATH=${shellQuote(binDir(dir))}:"$PATH"`,
    '# Try:',
    ...exampleCommands(state).map((c) => `#   ${c}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The example commands, each runnable as is once the environment above is exported. */
export function exampleCommands(state: SandboxState): string[] {
  const role = (name: string) => state.environments.find((e) => e.name === name)?.deployRoleArn ?? '';
  const image = (env: string, index: number) => state.images.filter((i) => i.env === env)[index];
  const out: string[] = [];
  const dev = image('dev', 0);
  if (role('dev')) {
    out.push(`ecs-release status --env dev --service web --role-arn ${shellQuote(role('dev'))}`);
    // One image to the whole release group: web and worker updated, nightly's revision registered.
    if (dev) out.push(`ecs-release deploy --env dev --group app --image ${shellQuote(`${dev.uri}:${dev.tag}`)} --commit ${dev.tag} --role-arn ${shellQuote(role('dev'))}`);
  }
  if (role('dev') && role('prod')) {
    // --no-wait: prod is blue/green and the emulator's CodeDeploy records a deployment but never runs it.
    out.push(`ecs-release promote --from dev --to prod --service web --from-role-arn ${shellQuote(role('dev'))} --to-role-arn ${shellQuote(role('prod'))} --no-wait`);
  }
  const others = state.images.filter((i) => i.env === 'dev').slice(1);
  if (others.length) out.push(`other images: ${others.map((i) => `${i.uri}:${i.tag} (${i.digest.slice(0, 19)}…)`).join(', ')}`);
  out.push(`${frameworkCli()} plan dev`, 'npm run sandbox -- stop');
  return out;
}

/** One line for `npm run sandbox -- status`. */
export function renderStatus(state: SandboxState | undefined, alive: boolean, dir: string): string {
  const where = relative(process.cwd(), dir) || '.';
  if (!state) return `sandbox: not running (no state in ${where})`;
  if (!alive) return `sandbox: not running (stale state in ${where}, pid ${state.pid} has ended: npm run sandbox -- stop cleans it)`;
  if (!state.ready) return `sandbox: starting: moto on ${state.endpoint} (pid ${state.pid}) since ${state.startedAt}`;
  return (
    `sandbox: running: moto on ${state.endpoint} (pid ${state.pid}) since ${state.startedAt}; ` +
    `environments ${state.environments.map((e) => e.name).join(', ')}; ${state.images.length} images; state in ${where}`
  );
}
