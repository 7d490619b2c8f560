import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEASUREMENTS } from '../../scripts/lib/bench/measurements';
import { README_END, README_START, renderReadmeBlock } from '../../scripts/lib/bench/report';
import type { BenchResults, Figure } from '../../scripts/lib/bench/types';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { requireBuild } from '../helpers/terraform';

/**
 * The benchmark is not a timed test: this only checks that `npm run bench` runs end to end (one repetition each, into a
 * scratch directory) and reports what it claims to, including a template baseline that really synthesized.
 */
describe('npm run bench (quick mode)', () => {
  let results: BenchResults;
  let readme: string;
  let stdout: string;
  const scratch = scratchDir('bench-test');

  beforeAll(() => {
    requireBuild();
    // GIVEN a README with text around an old marked block
    const readmePath = join(scratch.dir, 'README.md');
    writeFileSync(readmePath, `# Title\n\nkept above\n\n${README_START}\nstale figures\n${README_END}\n\nkept below\n`);
    // WHEN the benchmark runs once per figure
    stdout = execFileSync(process.execPath, [join(repoRoot(), 'dist', 'scripts', 'bench.js'), '--quick', '--out', join(scratch.dir, 'results.json'), '--readme', readmePath], {
      cwd: repoRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    results = JSON.parse(readFileSync(join(scratch.dir, 'results.json'), 'utf8')) as BenchResults;
    readme = readFileSync(readmePath, 'utf8');
  }, 600_000);

  afterAll(() => scratch.remove());

  const fig = (id: string): Figure => {
    const f = results.sections.flatMap((s) => s.figures).find((x) => x.id === id);
    if (!f) throw new Error(`no figure ${id} in ${results.sections.flatMap((s) => s.figures).map((x) => x.id).join(', ')}`);
    return f;
  };

  test('writes every section in table order, each figure measured or explicitly not measured yet', () => {
    expect(results).toMatchObject({ schemaVersion: 1, mode: 'quick', repetitions: 1 });
    expect(results.sections.map((s) => s.id)).toEqual(MEASUREMENTS.map((m) => m.id));
    for (const f of results.sections.flatMap((s) => s.figures)) {
      if (f.status === 'measured') {
        expect(typeof f.value).toBe('number');
        expect(Number.isFinite(f.value)).toBe(true);
      } else {
        expect(f).toMatchObject({ status: 'not-measured', value: null, met: null });
        expect(f.note).toBeTruthy();
      }
      if (f.target && f.value !== null) expect(f.met).toBe(f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value);
    }
  });

  test('the template baseline really ran: ts-node synthesized its one S3 bucket, with the memory of a type check', () => {
    const synth = results.sections.find((s) => s.id === 'synth')!;
    expect(synth.evidence).toMatchObject({ templateResources: ['aws_s3_bucket'], projectStacks: ['dev', 'prod'] });
    // Type-checking against the provider's package root costs far more than this project's whole synthesis.
    expect(fig('synth.template.rss').value!).toBeGreaterThan(fig('synth.project.rss').value! * 2);
    expect(fig('synth.speedup').value).toBeCloseTo(fig('synth.template.wall').value! / fig('synth.project.wall').value!, 0);
  });

  test('measures the unit tier, synthesis at 1, 5 and 20 services, and both environments’ rollout bounds', () => {
    expect(fig('unit.tests').value!).toBeGreaterThan(0);
    expect(fig('unit.warm.wall').value!).toBeGreaterThan(0);
    const resources = results.sections.find((s) => s.id === 'synth-scaling')!.evidence!.resources as Record<string, number>;
    expect(resources['5']).toBeGreaterThan(resources['1']);
    expect(resources['20']).toBeGreaterThan(resources['5']);
    for (const env of ['dev', 'prod']) expect(fig(`rollout.${env}.ours-conservative`).met).toBe(true);
    // Rolling (dev) against AWS's rolling defaults; blue/green (prod) like for like, and the same service if it rolled.
    expect(fig('rollout.dev.aws-conservative').value).toBe(450);
    expect(fig('rollout.prod.aws-conservative').value).toBe(150);
    expect(fig('rollout.prod.rolling-aws').value).toBe(450);
    expect(fig('rollout.prod.rolling-ours').met).toBe(true);
  });

  test('measures the release CLI’s per-deploy cost against moto, within budget', () => {
    // Two real deploys of the compiled CLI into moto: the same path the full run repeats.
    expect(fig('deploy.api-calls')).toMatchObject({ status: 'measured', target: { op: '<=', value: 15 }, met: true });
    expect(fig('deploy.api-calls').samples).toHaveLength(2);
    expect(fig('deploy.cpu')).toMatchObject({ status: 'measured', target: { op: '<=', value: 0.5 } });
    expect(fig('deploy.cpu').value!).toBeGreaterThan(0);
  });

  test('the README’s performance block is generated from the committed bench/results.json, never edited by hand', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot(), 'bench', 'results.json'), 'utf8')) as BenchResults;
    const block = (text: string) => text.slice(text.indexOf(README_START), text.indexOf(README_END) + README_END.length);
    expect(block(readFileSync(join(repoRoot(), 'README.md'), 'utf8'))).toBe(renderReadmeBlock(committed));
    // AND the committed results cover every section the benchmark measures today
    expect(committed.sections.map((s) => s.id)).toEqual(MEASUREMENTS.map((m) => m.id));
  });

  test('prints the table and rewrites only the README’s marked block', () => {
    expect(stdout).toMatch(/template wall \/ project wall\s+[\d.]+×\s+≥ 5×/);
    expect(readme.startsWith('# Title\n\nkept above\n\n<!-- bench:start -->')).toBe(true);
    expect(readme.endsWith('<!-- bench:end -->\n\nkept below\n')).toBe(true);
    expect(readme).not.toContain('stale figures');
    expect(readme).toContain(`| template wall / project wall | ${fig('synth.speedup').value}× | ≥ 5× |`);
  });
});
