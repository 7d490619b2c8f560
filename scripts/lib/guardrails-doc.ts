import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { environmentNames, loadEnvironment } from '../../environments';
import { ALL_RULES, checkStack } from '../../rules';
import { describeLevel } from '../../rules/lib/types';
import { EnvironmentStack, TARGET_CONTEXT_KEY } from '../../stacks/environment-stack';
import { loadCheckovSkips, reviewedEnvironments } from './checkov';
import { repoRoot } from './paths';

export const GUARDRAILS_DOC = join('docs', 'guardrails.md');

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function rulesTable(): string {
  const rows = ALL_RULES.map((r) => `| \`${r.id}\` | ${describeLevel(r)} | ${r.resourceTypes.map((t) => `\`${t}\``).join(', ')} | ${cell(r.requirement)} |`);
  return ['| Rule | Level | Reads | Requires |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function acceptedRisks(): string {
  const rows: string[] = [];
  // An outdir of our own, removed below: without one, Testing.app() makes a temporary folder per call and leaves it.
  const outdir = mkdtempSync(join(tmpdir(), 'guardrails-doc-'));
  try {
    for (const name of environmentNames()) rows.push(...acceptedRisksOf(name, outdir));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return ['| Environment | Rule | Where | Reason |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function acceptedRisksOf(name: string, outdir: string): string[] {
  const env = loadEnvironment(name);
  const stack = new EnvironmentStack(Testing.app({ outdir, context: { [TARGET_CONTEXT_KEY]: 'aws' } }), env);
  const report = checkStack(stack, { production: env.production, target: 'aws', rules: ALL_RULES });
  return [
    ...report.accepted.map((a) => `| ${name} | \`${a.ruleId}\` | \`${a.path}\`${a.findingId ? ` [${a.findingId}]` : ''} | ${cell(a.justification)} |`),
    ...report.warnings.map((w) => `| ${name} | \`${w.ruleId}\` (warning) | \`${w.path}\` | ${cell(w.reason)} |`),
  ];
}

function checkovSkips(): string {
  const rows = loadCheckovSkips(undefined, reviewedEnvironments()).map(
    (s) => `| \`${s.check}\` | ${s.environments ? s.environments.join(', ') : 'all'} | ${s.resource ? `\`${s.resource}\`` : 'any'} | ${cell(s.reason)} |`,
  );
  return ['| Check | Environments | Resource | Reason |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Generated sections of docs/guardrails.md, by marker name. */
export function generatedSections(): Record<string, string> {
  return { rules: rulesTable(), 'accepted-risks': acceptedRisks(), 'checkov-skips': checkovSkips() };
}

/** The document with every generated section replaced by its current rendering. */
export function renderGuardrailsDoc(current: string): string {
  let out = current;
  for (const [name, body] of Object.entries(generatedSections())) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`${GUARDRAILS_DOC}: missing the markers <!-- generated:${name} --> ... <!-- /generated:${name} -->`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

export function updateGuardrailsDoc(write: boolean): { changed: boolean } {
  const file = join(repoRoot(), GUARDRAILS_DOC);
  const current = readFileSync(file, 'utf8');
  const next = renderGuardrailsDoc(current);
  if (write && next !== current) writeFileSync(file, next);
  return { changed: next !== current };
}
