import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEASUREMENTS } from '../../scripts/lib/bench/measurements';
import { PERFORMANCE_DOC, README_END, README_START, renderPerformanceDoc, renderReadmeBlock } from '../../scripts/lib/bench/report';
import type { BenchResults, Figure } from '../../scripts/lib/bench/types';
import { ISSUE_14_TEST_FILES, tierTimes } from '../../scripts/lib/bench/user-commands';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { requireBuild } from '../helpers/terraform';

/**
 * The benchmark is not a timed test. `npm test` only checks that `npm run bench` runs end to end in a reduced mode
 * (the cheap measurements, once each, into a scratch directory) and that what the README and docs/performance.md say
 * is what bench/results.json holds. No figure is compared with a budget here: a busy machine cannot fail this file.
 */
const SMOKE = ['rollout', 'synth-scaling'];

describe('npm run bench (smoke run: rollout bounds and synthesis scaling, once)', () => {
  let results: BenchResults;
  let readme: string;
  let doc: string;
  let stdout: string;
  const scratch = scratchDir('bench-test');

  beforeAll(() => {
    requireBuild();
    // GIVEN a README with text around an old marked block
    const readmePath = join(scratch.dir, 'README.md');
    writeFileSync(readmePath, `# Title\n\nkept above\n\n${README_START}\nstale figures\n${README_END}\n\nkept below\n`);
    // WHEN the benchmark runs the cheap measurements once
    stdout = execFileSync(
      process.execPath,
      [join(repoRoot(), 'dist', 'scripts', 'bench.js'), '--quick', '--only', ...SMOKE, '--out', join(scratch.dir, 'results.json'), '--readme', readmePath, '--docs', join(scratch.dir, 'performance.md')],
      { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    results = JSON.parse(readFileSync(join(scratch.dir, 'results.json'), 'utf8')) as BenchResults;
    readme = readFileSync(readmePath, 'utf8');
    doc = readFileSync(join(scratch.dir, 'performance.md'), 'utf8');
  }, 300_000);

  afterAll(() => scratch.remove());

  const fig = (id: string): Figure => {
    const f = results.sections.flatMap((s) => s.figures).find((x) => x.id === id);
    if (!f) throw new Error(`no figure ${id} in ${results.sections.flatMap((s) => s.figures).map((x) => x.id).join(', ')}`);
    return f;
  };

  test('writes the sections asked for, in table order, each figure measured or explicitly not measured yet', () => {
    expect(results).toMatchObject({ schemaVersion: 1, mode: 'quick', repetitions: 1 });
    expect(results.sections.map((s) => s.id)).toEqual(MEASUREMENTS.map((m) => m.id).filter((id) => SMOKE.includes(id)));
    for (const f of results.sections.flatMap((s) => s.figures)) {
      if (f.status === 'measured') {
        expect(typeof f.value).toBe('number');
        expect(Number.isFinite(f.value)).toBe(true);
      } else {
        expect(f).toMatchObject({ status: 'not-measured', value: null, met: null });
        expect(f.note).toBeTruthy();
      }
      // A verdict is reported, and it is the comparison the target states (whatever the machine's load made of it).
      if (f.target && f.value !== null) expect(f.met).toBe(f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value);
    }
  });

  test('synthesizes 1, 5 and 20 services and evaluates both environments’ rollout bounds against AWS’s defaults', () => {
    const resources = results.sections.find((s) => s.id === 'synth-scaling')!.evidence!.resources as Record<string, number>;
    expect(resources['5']).toBeGreaterThan(resources['1']);
    expect(resources['20']).toBeGreaterThan(resources['5']);
    // Arithmetic on the configuration, not timing: exact.
    for (const env of ['dev', 'prod']) expect(fig(`rollout.${env}.ours-conservative`).met).toBe(true);
    expect(fig('rollout.dev.aws-conservative').value).toBe(450);
    expect(fig('rollout.prod.aws-conservative').value).toBe(150);
    expect(fig('rollout.prod.rolling-aws').value).toBe(450);
    expect(fig('rollout.prod.rolling-ours').met).toBe(true);
  });

  test('prints the table and where it wrote the results, the README block and the full report', () => {
    expect(stdout).toMatch(/per-service time 5 -> 20 over 1 -> 5/);
    expect(stdout).toContain(`Results: ${join(scratch.dir, 'results.json')}`);
    expect(stdout).toContain(`README block: ${join(scratch.dir, 'README.md')}`);
    expect(stdout).toContain(`Full report: ${join(scratch.dir, 'performance.md')}`);
  });

  test('rewrites only the README’s marked block, and the full report from the same results', () => {
    expect(readme.startsWith('# Title\n\nkept above\n\n<!-- bench:start -->')).toBe(true);
    expect(readme.endsWith('<!-- bench:end -->\n\nkept below\n')).toBe(true);
    expect(readme).not.toContain('stale figures');
    expect(readme).toContain(`| ${fig('rollout.dev.ours-conservative').label.replace(/: ours, healthy threshold$/, '')} | ${fig('rollout.dev.ours-conservative').value} s | 450 s |`);
    // Figures this run did not measure are said to be missing, never made up.
    expect(readme).toMatch(/\| `npx cdktf list` \| not measured yet \|/);
    expect(doc).toBe(renderPerformanceDoc(results));
    expect(doc).toContain('## Synthesis time by number of services (one environment)');
  });
});

describe('the published figures are generated from bench/results.json', () => {
  const root = repoRoot();
  const committed = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as BenchResults;

  test('the README’s performance block is the rendering of the committed results, never edited by hand', () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    expect(text.slice(text.indexOf(README_START), text.indexOf(README_END) + README_END.length)).toBe(renderReadmeBlock(committed));
    expect(text).toContain(`](${PERFORMANCE_DOC})`);
  });

  test('docs/performance.md is the rendering of the committed results', () => {
    expect(readFileSync(join(root, PERFORMANCE_DOC), 'utf8')).toBe(renderPerformanceDoc(committed));
  });

  test('the committed results hold only sections the benchmark measures today', () => {
    const known = MEASUREMENTS.map((m) => m.id);
    expect(committed.sections.map((s) => s.id).filter((id) => !known.includes(id))).toEqual([]);
  });
});

describe('report rendering', () => {
  const base: BenchResults = {
    schemaVersion: 1,
    generatedBy: 'npm run bench',
    generatedAt: '2026-01-01T00:00:00.000Z',
    mode: 'full',
    repetitions: 5,
    machine: { node: 'v20', platform: 'linux-x64', cpus: 2, cpuModel: 'cpu', memoryGiB: 8, loadAverageAtStart: [0, 0, 0] },
    durationSeconds: 1,
    sections: [],
  };

  test('the plan-comment scale is rendered in the full report when the results carry it, and said missing otherwise', () => {
    // GIVEN results with and without the plan-comment scale rows
    const rows = [{ sizeMB: 1, bytes: 1_048_576, resources: 900, ms: 51, peakRssMiB: 80.5, cpuMs: 60 }, { sizeMB: 55, bytes: 57_671_680, resources: 50_000, ms: 2400, peakRssMiB: 310, cpuMs: 2500 }];
    // WHEN rendering / THEN each row appears with its time, CPU and memory, and the second with what each added MB cost
    const withScale = renderPerformanceDoc({ ...base, planCommentScale: rows });
    expect(withScale).toContain('| 1 MB (1048576 bytes) | 900 | 51 ms | 60 ms | 80.5 MiB | – ms | – MiB |');
    // (2400 - 51) ms and (310 - 80.5) MiB over 54 added MB
    expect(withScale).toContain('| 55 MB (57671680 bytes) | 50000 | 2400 ms | 2500 ms | 310 MiB | 44 ms | 4.3 MiB |');
    expect(renderPerformanceDoc(base)).toContain('## `plan-comment` by plan size\n\nNot measured in this results file.');
  });

  test('npm test’s tiers are split from Jest’s per-file timings: span from first start to last end, and summed file time', () => {
    // GIVEN a Jest report of two unit files and one e2e file, overlapping in two workers
    const file = (tier: string, name: string, start: number, end: number, tests: number) => ({
      name: `/repo/__tests__/${tier}/${name}.test.ts`,
      startTime: start,
      endTime: end,
      assertionResults: Array.from({ length: tests }, () => ({})),
    });
    const report = { numTotalTests: 6, numPassedTests: 6, numFailedTests: 0, testResults: [file('unit', 'a', 1000, 3000, 2), file('unit', 'b', 3000, 4500, 1), file('e2e', 'c', 1000, 61000, 3)] };
    // WHEN / THEN
    expect(tierTimes(report, '/repo')).toEqual([
      { tier: 'unit', files: 2, tests: 3, spanSeconds: 3.5, fileSeconds: 3.5 },
      { tier: 'e2e', files: 1, tests: 3, spanSeconds: 60, fileSeconds: 60 },
    ]);
  });

  test('the files of issue 14’s time, which the bench runs alone against the 5-minute target, all exist, each once', () => {
    // A file renamed or removed since would make that run smaller than what the issue measured, so it must fail here.
    const missing = ISSUE_14_TEST_FILES.filter((f) => !existsSync(join(repoRoot(), f)));
    expect(missing).toEqual([]);
    expect(new Set(ISSUE_14_TEST_FILES).size).toBe(ISSUE_14_TEST_FILES.length);
    expect(ISSUE_14_TEST_FILES.every((f) => /^__tests__\/(unit|terraform|e2e|bench)\/[\w-]+\.test\.ts$/.test(f))).toBe(true);
  });
});
