/**
 * `npm run preview`: what each environment would create, without an AWS account. Synthesizes the stacks of main.ts
 * for the offline target (local state, placeholder credentials, the provider's skip flags), runs a real
 * `terraform plan` of each, and prints the planned resources grouped by type.
 *
 * `--outdir <dir>` writes the synthesized stacks (and each stack's `tfplan`) there instead of `.work/preview`, so two
 * previews (a test and a person) never share a folder.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '../environments';
import { frameworkCli } from '../src/framework';
import { ENVIRONMENTS, synthFailure } from '../main';
import { repoRoot } from './lib/paths';
import { planStack, synthMain, type PlanJson } from './lib/synth';
import { terraformSetup, TerraformUnavailable } from './lib/terraform';

export function summarize(name: string, plan: PlanJson): string {
  const changes = (plan.resource_changes ?? []).filter((c) => c.mode === 'managed' && !c.change.actions.includes('no-op'));
  const count = (a: string) => changes.filter((c) => c.change.actions.includes(a)).length;
  const byType = new Map<string, string[]>();
  for (const c of changes) {
    const list = byType.get(c.type) ?? [];
    list.push(c.name);
    byType.set(c.type, list);
  }
  const width = Math.max(...[...byType.keys()].map((t) => t.length), 10);
  const lines = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, names]) => `  ${type.padEnd(width)}  ${String(names.length).padStart(3)}`);
  // Terraform's own counting: a replacement is one add and one destroy.
  const header = `Plan: ${count('create')} to add, ${count('update')} to change, ${count('delete')} to destroy.`;
  return [`== ${name}: ${header}`, `  ${'resource type'.padEnd(width)}  count`, ...lines].join('\n');
}

/** Thrown for a bad command line; the message is one line naming the argument, what was received and what is allowed. */
export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): { outdir: string } {
  let outdir = join(repoRoot(), '.work', 'preview');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === '--outdir' ? argv[++i] : arg.startsWith('--outdir=') ? arg.slice('--outdir='.length) : undefined;
    if (arg !== '--outdir' && value === undefined) throw new UsageError(`argument: received ${JSON.stringify(arg)}; allowed: --outdir <dir>`);
    if (!value) throw new UsageError('--outdir: received nothing; allowed: a folder path');
    outdir = resolve(value);
  }
  // The folder is emptied before synthesis: never one that holds anything but an earlier preview's output.
  if (existsSync(outdir) && readdirSync(outdir).length > 0 && !existsSync(join(outdir, 'manifest.json'))) {
    throw new UsageError(`--outdir: received ${JSON.stringify(outdir)}; allowed: a new or empty folder, or one an earlier preview wrote (it is emptied first)`);
  }
  return { outdir };
}

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  let outdir: string;
  try {
    ({ outdir } = parseArgs(argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`preview: ${e.message}\n`);
    return 2;
  }
  // The configuration first: a refused environment is one line whether Terraform is installed or not.
  try {
    for (const name of ENVIRONMENTS) loadEnvironment(name);
  } catch (e) {
    process.stderr.write(`preview: ${synthFailure(e)}\n`);
    return 1;
  }
  // Then Terraform: without it nothing is synthesized or written.
  let setup;
  try {
    setup = terraformSetup();
  } catch (e) {
    if (e instanceof TerraformUnavailable) {
      process.stderr.write(`preview: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const started = Date.now();
  const stacks = synthMain(outdir, 'offline');
  process.stdout.write(`terraform ${setup.version}, providers from ${setup.providerSource}\n`);
  for (const [name, dir] of Object.entries(stacks)) {
    const env = loadEnvironment(name);
    const { plan } = planStack(dir);
    process.stdout.write(`\n${summarize(`${name} (account ${env.accountId}, ${env.region})`, plan)}\n`);
  }
  process.stdout.write(`\nOffline plans of ${Object.keys(stacks).length} environments in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
    `Nothing was sent to AWS. Real plans: \`${frameworkCli()} plan <env>\` with credentials for that account.\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    // Never a stack trace: the message is the failure (a synthesis refusal arrives as main.js's own line).
    process.stderr.write(`preview: ${(e as Error).message ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
