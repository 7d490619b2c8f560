import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { environmentNames } from '../../../environments';
import { median, round, runNode, type ProcessRun } from './measure';
import { figure, type BenchContext, type Figure } from './types';

/**
 * The commands users type, timed whole (start to exit, children included in the wall time): the cdktf CLI as
 * `npx cdktf` runs it, `npm run preview` and `npm test`. Baselines are measured in the same run, so ratios hold on
 * any machine and under any load; the absolute figures are reported, never asserted.
 */

const wall = (runs: ProcessRun[]) => runs.map((r) => round(r.wallSeconds));
const medianWall = (runs: ProcessRun[]) => round(median(runs.map((r) => r.wallSeconds)));

/** The script `npx cdktf` runs (the installed cdktf-cli's bin). */
export function cdktfBin(root: string): string {
  const bin = join(root, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm ci\` (cdktf-cli is a devDependency)`);
  return bin;
}

/** npm's own script, so `npm run …` is measured as a Node process like the rest. */
export function npmCli(): string {
  const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const found = candidates.find((c): c is string => !!c && c.endsWith('.js') && existsSync(c));
  if (!found) throw new Error('npm-cli.js not found: run the benchmark with `npm run bench`');
  return found;
}

/** What the cdktf CLI synthesized into `outdir`: the stack names of its manifest. */
function stacksIn(outdir: string): string[] {
  return Object.keys((JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> }).stacks);
}

/**
 * `npx cdktf synth` with an empty and a warm transpile cache, `npx cdktf list`, and the app command of cdktf.json on
 * its own, each against `node dist/main.js` (the compiled app: the floor) in the same run, interleaved.
 */
export async function cdktfCli(ctx: BenchContext) {
  const cdktf = cdktfBin(ctx.root);
  const base = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0' };
  const expected = environmentNames();
  const runs = { cold: [] as ProcessRun[], warm: [] as ProcessRun[], list: [] as ProcessRun[], app: [] as ProcessRun[], dist: [] as ProcessRun[] };
  const app = JSON.parse(readFileSync(join(ctx.root, 'cdktf.json'), 'utf8')) as { app: string };
  const appArgs = app.app.split(/\s+/);
  if (appArgs[0] !== 'node') throw new Error(`cdktf.json app: received ${JSON.stringify(app.app)}; the benchmark expects a \`node …\` command`);
  for (let i = 0; i < ctx.repetitions; i++) {
    const cache = join(ctx.scratch, `swc-cache-${i}`);
    const out = (what: string) => join(ctx.scratch, `cdktf-${what}-${i}`);
    // Cold: a transpile cache nobody has filled (a fresh clone); warm: the same cache again (the edit loop).
    runs.cold.push(await runNode(cdktf, ['synth', '--output', out('cold')], { cwd: ctx.root, env: { ...base, SWC_REGISTER_CACHE: cache } }));
    runs.warm.push(await runNode(cdktf, ['synth', '--output', out('warm')], { cwd: ctx.root, env: { ...base, SWC_REGISTER_CACHE: cache } }));
    for (const what of ['cold', 'warm']) {
      const stacks = stacksIn(out(what));
      if (expected.some((e) => !stacks.includes(e))) throw new Error(`npx cdktf synth (${what}) produced ${stacks.join(', ')}; expected ${expected.join(', ')}`);
    }
    const list = await runNode(cdktf, ['list', '--output', out('list')], { cwd: ctx.root, env: { ...base, SWC_REGISTER_CACHE: cache } });
    const listed = expected.filter((e) => new RegExp(`^${e}\\b`, 'm').test(list.stdout));
    if (listed.length !== expected.length) throw new Error(`npx cdktf list printed:\n${list.stdout}\nexpected the stacks ${expected.join(', ')}`);
    runs.list.push(list);
    runs.app.push(await runNode(appArgs[appArgs.length - 1], [], { cwd: ctx.root, nodeArgs: appArgs.slice(1, -1), env: { ...base, CDKTF_OUTDIR: out('app'), SWC_REGISTER_CACHE: cache } }));
    runs.dist.push(await runNode(join(ctx.root, 'dist', 'main.js'), [], { cwd: ctx.root, env: { ...base, CDKTF_OUTDIR: out('dist') } }));
    ctx.log(`  cdktf run ${i + 1}/${ctx.repetitions}: synth cold ${runs.cold[i].wallSeconds.toFixed(2)} s, warm ${runs.warm[i].wallSeconds.toFixed(2)} s, list ${list.wallSeconds.toFixed(2)} s, app ${runs.app[i].wallSeconds.toFixed(2)} s, dist ${runs.dist[i].wallSeconds.toFixed(2)} s`);
  }
  const dist = medianWall(runs.dist);
  const figures: Figure[] = [
    figure({ id: 'cdktf.synth.cold', label: '`npx cdktf synth`, empty transpile cache (fresh clone): wall', unit: 's', value: medianWall(runs.cold), samples: wall(runs.cold) }),
    figure({ id: 'cdktf.synth.warm', label: '`npx cdktf synth`, warm (the edit loop): wall', unit: 's', value: medianWall(runs.warm), samples: wall(runs.warm) }),
    figure({ id: 'cdktf.list', label: '`npx cdktf list`: wall', unit: 's', value: medianWall(runs.list), samples: wall(runs.list) }),
    figure({ id: 'cdktf.app', label: `cdktf.json's app alone (\`${app.app}\`), warm: wall`, unit: 's', value: medianWall(runs.app), samples: wall(runs.app) }),
    figure({ id: 'cdktf.dist', label: 'baseline: `node dist/main.js` (compiled app): wall', unit: 's', value: dist, samples: wall(runs.dist) }),
    figure({ id: 'cdktf.app-ratio', label: "cdktf.json's app / `node dist/main.js`", unit: 'x', value: round(medianWall(runs.app) / dist, 2), target: { op: '<=', value: TARGETS_CLI.appOverDist } }),
    figure({ id: 'cdktf.synth-ratio', label: '`npx cdktf synth` warm / `node dist/main.js` (the rest is the cdktf CLI itself)', unit: 'x', value: round(medianWall(runs.warm) / dist, 2) }),
  ];
  return {
    figures,
    evidence: { app: app.app, stacks: expected },
    notes: [
      "cdktf.json's app strips types with SWC (scripts/lib/swc-register.js, Jest's options) and caches the output by content",
      'hash; it never type-checks (that is `tsc`, run by `npm test` and the editor). Each stack folder gets the provider',
      'mirror as `terraform.d/plugins` when one is configured, so `cdktf diff/plan/deploy` install providers offline.',
    ],
  };
}

export const TARGETS_CLI = {
  /** The app cdktf runs may cost at most this much more than the compiled app it replaces. */
  appOverDist: 1.5,
  /**
   * `npm test` of the tiers issue 14 was filed against (ISSUE_14_TEST_FILES), on the 2-core reference machine, idle.
   * Tiers added since by other issues (services, pipelines, registries, sandbox, state continuity, the second framework
   * row) are bounded, as the issue says, by the whole `.ci/run` in 15 minutes, not by this.
   */
  testSuiteSeconds: 300,
};

/**
 * The test files `npm test` ran when issue 14 was filed ("about 9 min now", 650 tests): the tree of 83da5f6^, the
 * commit before the first work on it. Each has grown with later issues (coexistence, blue-green and the plan comment
 * cover several services now), so their time today is an upper bound of those tiers' time.
 */
export const ISSUE_14_TEST_FILES = [
  '__tests__/bench/bench.test.ts',
  '__tests__/e2e/blue-green.test.ts',
  '__tests__/e2e/coexistence.test.ts',
  '__tests__/e2e/moto-harness.test.ts',
  '__tests__/e2e/plan-comment-drift.test.ts',
  '__tests__/e2e/release-commands.test.ts',
  '__tests__/terraform/bench-stack.test.ts',
  '__tests__/terraform/blue-green.test.ts',
  '__tests__/terraform/checkov.test.ts',
  '__tests__/terraform/environments.test.ts',
  '__tests__/terraform/plan-comment.test.ts',
  '__tests__/terraform/preview.test.ts',
  '__tests__/unit/blue-green.test.ts',
  '__tests__/unit/checkov-skips.test.ts',
  '__tests__/unit/ci-credentials.test.ts',
  '__tests__/unit/config.test.ts',
  '__tests__/unit/constructs.test.ts',
  '__tests__/unit/deploy-identity.test.ts',
  '__tests__/unit/guardrails-doc.test.ts',
  '__tests__/unit/iam-evaluator.test.ts',
  '__tests__/unit/log-protection.test.ts',
  '__tests__/unit/modules.test.ts',
  '__tests__/unit/plan-comment-post.test.ts',
  '__tests__/unit/plan-comment.test.ts',
  '__tests__/unit/policy.test.ts',
  '__tests__/unit/preview.test.ts',
  '__tests__/unit/release-blue-green.test.ts',
  '__tests__/unit/release-cli.test.ts',
  '__tests__/unit/release-parts.test.ts',
  '__tests__/unit/release-permissions.test.ts',
  '__tests__/unit/rollout-bounds.test.ts',
  '__tests__/unit/rules.test.ts',
  '__tests__/unit/stack.test.ts',
  '__tests__/unit/synthesis-speed.test.ts',
  '__tests__/unit/workflows.test.ts',
] as const;

/** `npm run preview` as a user runs it: compile, synthesize both environments offline, `terraform plan` each. */
export async function preview(ctx: BenchContext) {
  const npm = npmCli();
  const runs: ProcessRun[] = [];
  for (let i = 0; i < ctx.repetitions; i++) {
    const outdir = join(ctx.scratch, `preview-${i}`);
    const r = await runNode(npm, ['run', '--silent', 'preview', '--', '--outdir', outdir], { cwd: ctx.root });
    for (const env of environmentNames()) {
      if (!new RegExp(`^== ${env}\\b.*: Plan: \\d+ to add`, 'm').test(r.stdout)) throw new Error(`npm run preview printed no plan for ${env}:\n${r.stdout.slice(-2000)}`);
    }
    runs.push(r);
    ctx.log(`  preview run ${i + 1}/${ctx.repetitions}: ${r.wallSeconds.toFixed(2)} s`);
  }
  return {
    figures: [figure({ id: 'preview.wall', label: '`npm run preview` (compile, synthesize, `terraform plan` both environments offline): wall', unit: 's', value: medianWall(runs), samples: wall(runs) })],
    notes: ['Includes the incremental `tsc` of `npm run preview` and Terraform start-up; providers come from the mirror or the shared plugin cache.'],
  };
}

/** The tiers of `npm test`, by folder under __tests__/ (jest.config.js). */
export const TEST_TIERS = ['unit', 'terraform', 'e2e', 'bench'] as const;

interface JestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; startTime: number; endTime: number; assertionResults: unknown[] }[];
}

/** Per tier of one Jest report: files, tests, the span from its first file's start to its last file's end, and the summed file times. */
export function tierTimes(report: JestReport, root: string): { tier: string; files: number; tests: number; spanSeconds: number; fileSeconds: number }[] {
  const out = [];
  for (const tier of TEST_TIERS) {
    const files = report.testResults.filter((r) => r.name.startsWith(join(root, '__tests__', tier) + '/'));
    if (!files.length) continue;
    const start = Math.min(...files.map((f) => f.startTime));
    const end = Math.max(...files.map((f) => f.endTime));
    const summed = files.reduce((s, f) => s + (f.endTime - f.startTime), 0);
    out.push({ tier, files: files.length, tests: files.reduce((s, f) => s + f.assertionResults.length, 0), spanSeconds: round((end - start) / 1000, 1), fileSeconds: round(summed / 1000, 1) });
  }
  return out;
}

/**
 * `npm test` once, whole (type check, then every tier in one Jest run sharing the workers), with Jest's per-file
 * timings to split it by tier. Quick mode times the unit tier alone: a check that this measurement works.
 */
export async function testSuite(ctx: BenchContext) {
  const { r, jest } = await jestRun(ctx, 'npm-test', ctx.quick ? ['exec', '--', 'jest', '__tests__/unit'] : ['test', '--']);
  const tiers = tierTimes(jest, ctx.root);
  ctx.log(`  ${ctx.quick ? 'unit tier (quick)' : 'npm test'}: ${r.wallSeconds.toFixed(1)} s, ${jest.numTotalTests} tests; ${tiers.map((t) => `${t.tier} ${t.spanSeconds} s`).join(', ')}`);
  const figures: Figure[] = [
    figure({
      id: 'test.total',
      label: ctx.quick ? '`jest __tests__/unit` (quick mode: the unit tier only): wall' : '`npm test` (tsc, then every tier): wall',
      unit: 's',
      value: round(r.wallSeconds, 1),
    }),
    figure({ id: 'test.tests', label: 'tests run', unit: 'tests', value: jest.numTotalTests }),
  ];
  for (const t of tiers) {
    figures.push(
      figure({ id: `test.${t.tier}.span`, label: `${t.tier} tier (${t.files} files, ${t.tests} tests): first start to last end`, unit: 's', value: t.spanSeconds }),
      figure({ id: `test.${t.tier}.files`, label: `${t.tier} tier: sum of its files' times`, unit: 's', value: t.fileSeconds }),
    );
  }
  const issueTiers = ctx.quick ? undefined : await issueTierRun(ctx);
  if (issueTiers) figures.push(...issueTiers.figures);
  return {
    figures,
    evidence: { tiers, tests: jest.numTotalTests, issueTiers: issueTiers?.evidence },
    notes: [
      'One run of the whole suite as CI runs it; the tiers share Jest\'s workers (jest.config.js), so their spans overlap and add up to',
      'more than the total. A file\'s time runs from its start to its end in its worker.',
    ],
  };
}

/**
 * `npm run <command>` of Jest with its JSON report (`name`.json in the scratch folder); throws unless it ran tests and
 * all of them passed.
 */
async function jestRun(ctx: BenchContext, name: string, command: string[], paths: readonly string[] = []): Promise<{ r: ProcessRun; jest: JestReport }> {
  const report = join(ctx.scratch, `${name}.json`);
  const byPath = paths.length ? ['--runTestsByPath', ...paths] : [];
  const r = await runNode(npmCli(), [...command, '--ci', '--silent', '--json', `--outputFile=${report}`, ...byPath], { cwd: ctx.root });
  const jest = JSON.parse(readFileSync(report, 'utf8')) as JestReport;
  if (jest.numTotalTests === 0 || jest.numPassedTests !== jest.numTotalTests) throw new Error(`${name}: ${jest.numPassedTests}/${jest.numTotalTests} tests passed`);
  return { r, jest };
}

/**
 * `npm test` of ISSUE_14_TEST_FILES alone, after the whole run: Jest's cache of durations is then warm, as on a
 * developer's machine (a fresh clone orders by the sequencer's estimates instead).
 */
async function issueTierRun(ctx: BenchContext): Promise<{ figures: Figure[]; evidence: { files: number; tests: number } }> {
  const { r, jest } = await jestRun(ctx, 'npm-test-issue-14', ['test', '--'], ISSUE_14_TEST_FILES);
  if (jest.testResults.length !== ISSUE_14_TEST_FILES.length) throw new Error(`npm test of issue 14's files ran ${jest.testResults.length} of ${ISSUE_14_TEST_FILES.length} files`);
  ctx.log(`  npm test, the ${ISSUE_14_TEST_FILES.length} files of issue 14's time: ${r.wallSeconds.toFixed(1)} s, ${jest.numTotalTests} tests`);
  return {
    figures: [
      figure({
        id: 'test.issue-tiers',
        label: `\`npm test\` of the tiers issue 14 was filed against (${ISSUE_14_TEST_FILES.length} files as they are today, ${jest.numTotalTests} tests): wall`,
        unit: 's',
        value: round(r.wallSeconds, 1),
        target: { op: '<=', value: TARGETS_CLI.testSuiteSeconds },
      }),
    ],
    evidence: { files: jest.testResults.length, tests: jest.numTotalTests },
  };
}
