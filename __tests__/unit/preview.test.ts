import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, summarize, UsageError } from '../../scripts/preview';
import { repoRoot } from '../../scripts/lib/paths';
import type { PlanJson } from '../../scripts/lib/synth';

describe('npm run preview without Terraform', () => {
  test('stops with one line saying what to install, exits non-zero and writes nothing', () => {
    // GIVEN a PATH holding no terraform (an empty folder)
    const scratch = mkdtempSync(join(tmpdir(), 'preview-no-tf-'));
    const emptyBin = join(scratch, 'bin');
    mkdirSync(emptyBin);
    const outdir = join(scratch, 'out');
    try {
      // WHEN the preview script runs (from source, so this tier needs no build)
      const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join('scripts', 'preview.ts'), '--outdir', outdir], {
        cwd: repoRoot(),
        env: { ...process.env, PATH: emptyBin, TF_CLI_CONFIG_FILE: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      // THEN one line on stderr names what to install, the exit code is non-zero, nothing was synthesized
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('preview: terraform not found on PATH: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) and retry\n');
      expect(existsSync(outdir)).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('preview command line', () => {
  test.each([
    [['--colour'], 'argument: received "--colour"; allowed: --outdir <dir>'],
    [['--outdir'], '--outdir: received nothing; allowed: a folder path'],
    [['--outdir='], '--outdir: received nothing; allowed: a folder path'],
  ])('refuses %j with one line', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('refuses to empty a folder that holds anything but an earlier preview', () => {
    // GIVEN a folder with someone's file in it / WHEN it is named as --outdir / THEN preview refuses before deleting
    const dir = mkdtempSync(join(tmpdir(), 'preview-outdir-'));
    try {
      writeFileSync(join(dir, 'notes.txt'), 'keep me');
      expect(() => parseArgs(['--outdir', dir])).toThrow(`--outdir: received ${JSON.stringify(dir)}; allowed: a new or empty folder`);
      writeFileSync(join(dir, 'manifest.json'), '{}');
      expect(parseArgs([`--outdir=${dir}`])).toEqual({ outdir: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('preview summary', () => {
  test('groups the planned resources by type, counts as Terraform does (a replacement adds and destroys), leaves out no-ops and data sources', () => {
    // GIVEN a plan with creates, one replacement, a no-op and a data source read
    const change = (type: string, name: string, actions: string[], mode: 'managed' | 'data' = 'managed') => ({ address: `${type}.${name}`, type, name, mode, change: { actions, before: null, after: null } });
    const plan: PlanJson = {
      format_version: '1.2',
      terraform_version: '1.11.4',
      resource_changes: [
        change('aws_subnet', 'a', ['create']),
        change('aws_subnet', 'b', ['create']),
        change('aws_ecs_task_definition', 't', ['create', 'delete']),
        change('aws_vpc', 'v', ['no-op']),
        change('aws_caller_identity', 'me', ['read'], 'data'),
      ],
    };
    // WHEN summarized / THEN one sorted row per type, and Terraform's own Plan line
    expect(summarize('dev', plan).split('\n')).toEqual([
      '== dev: Plan: 3 to add, 0 to change, 1 to destroy.',
      '  resource type            count',
      '  aws_ecs_task_definition    1',
      '  aws_subnet                 2',
    ]);
  });
});
