/**
 * `npm run preview`: what each environment would create, without an AWS account. Synthesizes the stacks of main.ts
 * for the offline target (local state, placeholder credentials, the provider's skip flags), runs a real
 * `terraform plan` of each, and prints the planned resources grouped by type.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../environments';
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
  const replace = changes.filter((c) => c.change.actions.includes('delete') && c.change.actions.includes('create')).length;
  const header = `Plan: ${count('create') - replace} to add, ${count('update')} to change, ${count('delete') - replace} to destroy.`;
  return [`== ${name}: ${header}`, `  ${'resource type'.padEnd(width)}  count`, ...lines].join('\n');
}

function main(): number {
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
  const outdir = join(repoRoot(), '.work', 'preview');
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
    `Nothing was sent to AWS. Real plans: \`npx cdktf plan <env>\` with credentials for that account.\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    process.stderr.write(`preview: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
