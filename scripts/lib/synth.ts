import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { EnvironmentConfig } from '../../environments/schema';
import { EnvironmentStack, TARGET_CONTEXT_KEY, type StackTarget } from '../../stacks/environment-stack';
import { repoRoot } from './paths';
import { terraform, terraformInit } from './terraform';
import { PLAN_CACHE_ENV, cachedPlan, planKey, storePlan } from './plan-cache';

/** Synthesizes the given environments in-process into `outdir`; returns each stack's directory by name. */
export function synthEnvironments(envs: EnvironmentConfig[], outdir: string, target: StackTarget): Record<string, string> {
  const app = new App({ outdir, context: { [TARGET_CONTEXT_KEY]: target } });
  for (const env of envs) new EnvironmentStack(app, env);
  app.synth();
  return Object.fromEntries(envs.map((e) => [e.name, join(outdir, 'stacks', e.name)]));
}

/** The compiled app refused to synthesize; `message` is what it printed (its own `synth: ...` line). */
export class SynthFailed extends Error {}

/** Runs the compiled `main.ts` (exactly the stacks a user gets) into `outdir`; returns each stack's directory. */
export function synthMain(outdir: string, target: StackTarget): Record<string, string> {
  const run = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'main.js')], {
    env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify({ [TARGET_CONTEXT_KEY]: target }) },
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  // main.js already wrote its failure as a message (one line for a refused configuration): pass that on, not
  // "Command failed: node ..." with the child's output appended.
  if (run.status !== 0) throw new SynthFailed(run.stderr.trim() || `dist/main.js exited with ${run.status ?? run.signal}`);
  if (run.stderr) process.stderr.write(run.stderr);
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { workingDirectory: string }> };
  return Object.fromEntries(Object.entries(manifest.stacks).map(([name, s]) => [name, join(outdir, s.workingDirectory)]));
}

/** Minimal typing of `terraform show -json` for what this project reads. */
export interface PlanJson {
  format_version: string;
  terraform_version: string;
  resource_changes?: ResourceChange[];
  resource_drift?: ResourceChange[];
  configuration?: unknown;
  planned_values?: unknown;
  prior_state?: unknown;
  errored?: boolean;
}

export interface ResourceChange {
  address: string;
  type: string;
  name: string;
  mode: 'managed' | 'data';
  previous_address?: string;
  action_reason?: string;
  change: {
    actions: string[];
    before: unknown;
    after: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
    replace_paths?: unknown[][];
    importing?: unknown;
  };
}

/** init + plan + show -json in a synthesized stack directory (offline or emulator target). */
export function planStack(dir: string, extraPlanArgs: string[] = []): { plan: PlanJson; exitCode: number } {
  terraformInit(dir);
  const cache = process.env[PLAN_CACHE_ENV];
  const key = cache ? planKey(dir, extraPlanArgs) : undefined;
  const hit = cache && key ? cachedPlan<PlanJson>(join(cache, key), dir) : undefined;
  if (hit) return hit;
  const r = terraform(['plan', '-input=false', '-detailed-exitcode', '-out=tfplan', ...extraPlanArgs], dir, { okCodes: [0, 2] });
  const shown = terraform(['show', '-json', 'tfplan'], dir);
  if (cache && key) storePlan(join(cache, key), dir, shown.stdout, r.code);
  return { plan: JSON.parse(shown.stdout) as PlanJson, exitCode: r.code };
}

/** A scratch directory under the OS temp folder, removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
