import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { terraformSetup } from './terraform';

/**
 * A folder where planStack keeps the plans it made, by the hash of everything the plan depends on, so one `npm test`
 * plans each distinct synthesized stack once however many test files (and the preview they run) plan it. Set by the
 * Jest global setup (__tests__/helpers/global-setup.js) for the length of one run, or by .ci/run for both matrix rows
 * of one CI run; unset, every plan is Terraform's own, as for `npm run preview` and the bench.
 */
export const PLAN_CACHE_ENV = 'ECS_COEXIST_PLAN_CACHE';

/**
 * Not inputs of a plan: the plan file planStack writes, Terraform's working folder (installed providers) and the
 * implied-mirror link main.ts adds (where providers are installed from): which provider runs is pinned, version and
 * checksums, by the lock file, which is an input.
 */
const NOT_INPUT = new Set(['tfplan', '.terraform', 'terraform.d']);

/**
 * The plan's inputs, hashed: every file of the stack folder (configuration, lock file with the provider versions and
 * checksums; a link counts by its target, never followed), the plan
 * arguments, the Terraform version and every TF_* and AWS_* variable Terraform sees. Any difference gives another key:
 * the cache never serves a plan of different input.
 */
export function planKey(dir: string, planArgs: readonly string[]): string {
  const hash = createHash('sha256');
  const setup = terraformSetup();
  const env = Object.entries(setup.env).filter(([k]) => /^(TF_|AWS_)/.test(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  hash.update(JSON.stringify({ terraform: setup.version, planArgs, env }));
  const walk = (folder: string, relative: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (relative === '' && NOT_INPUT.has(name)) continue;
      const path = join(folder, name);
      const rel = relative ? `${relative}/${name}` : name;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) hash.update(`link ${rel} ${readlinkSync(path)}\n`);
      else if (stat.isDirectory()) walk(path, rel);
      else hash.update(`file ${rel} ${stat.size}\n`).update(readFileSync(path));
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}

/** A stored plan for this key, with its `tfplan` copied into `dir` (later `terraform show tfplan` there works as after a plan). */
/** The plan comes back as the parsed JSON `terraform show -json` printed; the caller (synth.ts) owns its type. */
export function cachedPlan<Plan>(entry: string, dir: string): { plan: Plan; exitCode: number } | undefined {
  let json: string;
  let exitCode: number;
  try {
    json = readFileSync(join(entry, 'plan.json'), 'utf8');
    exitCode = Number(readFileSync(join(entry, 'exit-code'), 'utf8'));
  } catch {
    return undefined;
  }
  copyFileSync(join(entry, 'tfplan'), join(dir, 'tfplan'));
  return { plan: JSON.parse(json) as Plan, exitCode };
}

/** Stores a plan under its key: written aside, then renamed into place, so a parallel reader sees all of it or nothing. */
export function storePlan(entry: string, dir: string, json: string, exitCode: number): void {
  const temp = `${entry}.${process.pid}.tmp`;
  mkdirSync(temp, { recursive: true });
  writeFileSync(join(temp, 'plan.json'), json);
  copyFileSync(join(dir, 'tfplan'), join(temp, 'tfplan'));
  writeFileSync(join(temp, 'exit-code'), String(exitCode));
  try {
    renameSync(temp, entry);
  } catch {
    // another worker stored the same plan first
    rmSync(temp, { recursive: true, force: true });
  }
}
