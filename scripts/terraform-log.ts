/**
 * `node dist/scripts/terraform-log.js FILE`: what a run with ECS_COEXIST_TF_LOG=FILE spent in Terraform, by kind of
 * command and by test file (scripts/lib/terraform-log.ts writes the lines). E.g.
 *   ECS_COEXIST_TF_LOG=/tmp/tf.jsonl npx jest && node dist/scripts/terraform-log.js /tmp/tf.jsonl
 */
import { readFileSync } from 'node:fs';
import { TerraformLogLineSchema, type TerraformLogLine } from './lib/terraform-log';

interface Totals {
  count: number;
  terraform: number;
  provider: number;
  wall: number;
}

/** `plan`, `apply -target`, `show -json`: the command and what changes its cost, without paths or values. */
export function commandKind(line: Pick<TerraformLogLine, 'command' | 'targets'>): string {
  const [name, ...rest] = line.command.split(' ');
  return [name, ...(line.targets > 0 ? ['-target'] : []), ...(rest.includes('-json') ? ['-json'] : [])].join(' ');
}

export function summarise(lines: readonly TerraformLogLine[]): string {
  const table = (title: string, key: (l: TerraformLogLine) => string, limit: number) => {
    const groups = new Map<string, Totals>();
    for (const l of lines) {
      const t = groups.get(key(l)) ?? { count: 0, terraform: 0, provider: 0, wall: 0 };
      t.count += 1;
      t.terraform += l.terraformCpuSeconds ?? 0;
      t.provider += l.providerCpuSeconds ?? 0;
      t.wall += l.wallSeconds;
      groups.set(key(l), t);
    }
    const rows = [...groups].sort(([, a], [, b]) => b.terraform + b.provider - (a.terraform + a.provider)).slice(0, limit);
    const cells = rows.map(([k, t]) => [k, String(t.count), t.terraform.toFixed(1), t.provider.toFixed(1), (t.terraform + t.provider).toFixed(1), t.wall.toFixed(1)]);
    const header = [title, 'commands', 'terraform CPU s', 'pooled provider CPU s', 'CPU s', 'wall s'];
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    return [header, ...cells].map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')).join('\n');
  };
  const unmeasured = lines.filter((l) => l.terraformCpuSeconds === null).length;
  return [
    `${lines.length} Terraform commands${unmeasured ? ` (${unmeasured} without a CPU figure: no GNU time here)` : ''}`,
    '',
    table('command', commandKind, Infinity),
    '',
    table('test file', (l) => l.file ?? '(outside Jest)', 15),
  ].join('\n');
}

/** Reads the log; a line that is not one the log writes is refused with its number, as one line. */
export function readLog(file: string): TerraformLogLine[] | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `FILE: received "${file}" (${(e as Error).message.split('\n')[0]}); allowed: a readable JSON-lines file written with ECS_COEXIST_TF_LOG=FILE`;
  }
  const lines: TerraformLogLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (!raw.trim()) continue;
    let parsed: ReturnType<typeof TerraformLogLineSchema.safeParse>;
    try {
      parsed = TerraformLogLineSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = TerraformLogLineSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'line';
      return `${file} line ${i + 1}: ${field}: received ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)}; allowed: a line written with ECS_COEXIST_TF_LOG (scripts/lib/terraform-log.ts)`;
    }
    lines.push(parsed.data);
  }
  return lines;
}

export function main(argv: string[], io: { stdout: { write(t: string): unknown }; stderr: { write(t: string): unknown } } = process): number {
  const file = argv[0];
  if (argv.length !== 1 || !file || file.startsWith('-')) {
    io.stderr.write(`terraform-log: FILE: received ${JSON.stringify(argv.join(' '))}; allowed: one JSON-lines file written with ECS_COEXIST_TF_LOG=FILE\n`);
    return 2;
  }
  const lines = readLog(file);
  if (typeof lines === 'string') {
    io.stderr.write(`terraform-log: ${lines}\n`);
    return 2;
  }
  io.stdout.write(`${summarise(lines)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
