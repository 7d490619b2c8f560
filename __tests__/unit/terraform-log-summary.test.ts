import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandKind, main, summarise } from '../../scripts/terraform-log';
import { commandWithoutTargets, logTerraformCommand, parseTimeOutput, TERRAFORM_LOG_ENV, type TerraformLogLine } from '../../scripts/lib/terraform-log';

const line = (p: Partial<TerraformLogLine>): TerraformLogLine => ({
  file: 'e2e/a.test.ts', test: 't', command: 'plan -input=false', targets: 0, cwd: '/x', exitCode: 0, wallSeconds: 1, terraformCpuSeconds: 1, providerCpuSeconds: 0, ...p,
});

describe('node dist/scripts/terraform-log.js: where the Terraform CPU of a run went', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tf-log-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
    return { code, stdout, stderr };
  };

  test('commands group by what changes their cost: the command, -target, -json', () => {
    expect(commandKind({ command: 'plan -input=false -detailed-exitcode -out=tfplan', targets: 0 })).toBe('plan');
    expect(commandKind({ command: 'apply -auto-approve -input=false', targets: 3 })).toBe('apply -target');
    expect(commandKind({ command: 'show -json tfplan', targets: 0 })).toBe('show -json');
    expect(commandKind({ command: 'show tfplan', targets: 0 })).toBe('show');
  });

  test('totals per kind and per file add Terraform\'s and the pooled provider\'s CPU, costliest first', () => {
    // GIVEN two plans of one file and a show of another, one line without a CPU figure
    const text = summarise([
      line({ terraformCpuSeconds: 2, providerCpuSeconds: 1.5, wallSeconds: 8 }),
      line({ terraformCpuSeconds: 2.5, providerCpuSeconds: 1, wallSeconds: 9 }),
      line({ file: 'e2e/b.test.ts', command: 'show -json tfplan', terraformCpuSeconds: 1, providerCpuSeconds: 0.3 }),
      line({ file: null, command: 'init -input=false', terraformCpuSeconds: null }),
    ]);
    const rows = text.split('\n').map((l) => l.trim().split(/\s{2,}/));
    // THEN the plans come first with their sums, and the line without a figure is said
    expect(text.split('\n')[0]).toBe('4 Terraform commands (1 without a CPU figure: no GNU time here)');
    expect(rows).toContainEqual(['plan', '2', '4.5', '2.5', '7.0', '17.0']);
    expect(rows).toContainEqual(['show -json', '1', '1.0', '0.3', '1.3', '1.0']);
    expect(rows).toContainEqual(['(outside Jest)', '1', '0.0', '0.0', '0.0', '1.0']);
    const kinds = rows.filter((r) => ['plan', 'show -json', 'init'].includes(r[0])).map((r) => r[0]);
    expect(kinds).toEqual(['plan', 'show -json', 'init']);
  });

  test('a file of log lines is summarised; a line the log never writes is refused in one line naming it, exit 2', () => {
    // GIVEN a log with one good line, and a per-file CPU profile line (the other log CONTRIBUTING names) after it
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, `${JSON.stringify(line({}))}\n${JSON.stringify({ file: '__tests__/e2e/a.test.ts', self: 1, children: 2, wall: 3 })}\n`);
    // WHEN summarised / THEN one line naming the line and the field, nothing on stdout
    const r = run([file]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^terraform-log: \S+mixed\.jsonl line 2: test: received ".*"; allowed: a line written with ECS_COEXIST_TF_LOG \(scripts\/lib\/terraform-log\.ts\)\n$/) });
    // AND the good line alone is summarised
    writeFileSync(file, `${JSON.stringify(line({}))}\n\n`);
    expect(run([file])).toMatchObject({ code: 0, stdout: expect.stringContaining('1 Terraform commands') });
  });

  test.each([
    ['no file', [], 'FILE: received ""; allowed: one JSON-lines file written with ECS_COEXIST_TF_LOG=FILE'],
    ['an option', ['--help'], 'FILE: received "--help"; allowed: one JSON-lines file written with ECS_COEXIST_TF_LOG=FILE'],
    ['two files', ['a', 'b'], 'FILE: received "a b"; allowed: one JSON-lines file written with ECS_COEXIST_TF_LOG=FILE'],
  ])('%s: one line, exit 2', (_title, argv, message) => {
    expect(run(argv)).toEqual({ code: 2, stdout: '', stderr: `terraform-log: ${message}\n` });
  });

  test('a line that is not JSON is refused with its number', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, 'null\n');
    expect(run([file]).stderr).toMatch(/ line 1: line: received "null"; allowed: /);
  });
});

describe('scripts/lib/terraform-log.ts: one line per command, never in the way of the command', () => {
  test('-target addresses are counted, not kept, in both spellings', () => {
    expect(commandWithoutTargets(['apply', '-auto-approve', '-target=a.b', '-target', 'c.d'])).toEqual({ command: 'apply -auto-approve', targets: 2 });
  });

  test('GNU time\'s report: a signal or a program that could not start is not an exit of Terraform\'s own', () => {
    expect(parseTimeOutput('1.50 0.25\n')).toEqual({ cpuSeconds: 1.75, ran: true });
    expect(parseTimeOutput('Command exited with non-zero status 2\n3.00 1.00\n')).toEqual({ cpuSeconds: 4, ran: true });
    expect(parseTimeOutput('Command terminated by signal 15\n0.10 0.00\n')).toEqual({ cpuSeconds: 0.1, ran: false });
    expect(parseTimeOutput('Command exited with non-zero status 127\n0.00 0.00\n')).toEqual({ cpuSeconds: 0, ran: false });
    expect(parseTimeOutput('')).toEqual({ cpuSeconds: null, ran: false });
  });

  test('off: no wrapper; on with an odd reattach value and an unwritable log: the command still gets its exit code', () => {
    // GIVEN the log off / THEN nothing wraps the command
    expect(logTerraformCommand(['plan'], '/x', undefined, {})).toBeUndefined();
    // GIVEN the log on, a reattach value that is not an object, a log file in a folder that does not exist, and a
    // private temporary folder (os.tmpdir() reads TMPDIR on each call)
    const tmp = mkdtempSync(join(tmpdir(), 'tf-log-tmp-'));
    const tmpBefore = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const missing = join(tmp, 'no-such-folder', 'tf.jsonl');
      const log = logTerraformCommand(['plan'], '/x', 'null', { [TERRAFORM_LOG_ENV]: missing })!;
      // WHEN the command "exits" with 2 without having run under GNU time
      const code = log.finish(2);
      // THEN no throw, the exit code GNU time's absence of a report implies, no log, no temporary folder left behind
      expect(code).toBe(log.command === '/usr/bin/time' ? -1 : 2);
      expect(existsSync(missing)).toBe(false);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (tmpBefore === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpBefore;
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a command that never ran under GNU time is logged with exit -1 and no CPU figure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-log-never-'));
    try {
      const file = join(dir, 'tf.jsonl');
      const log = logTerraformCommand(['validate'], '/x', undefined, { [TERRAFORM_LOG_ENV]: file })!;
      const code = log.finish(0);
      const written = JSON.parse(readFileSync(file, 'utf8')) as TerraformLogLine;
      if (log.command === '/usr/bin/time') expect([code, written.exitCode, written.terraformCpuSeconds]).toEqual([-1, -1, null]);
      else expect([code, written.exitCode, written.terraformCpuSeconds]).toEqual([0, 0, null]);
      expect(written).toMatchObject({ command: 'validate', targets: 0, providerCpuSeconds: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
