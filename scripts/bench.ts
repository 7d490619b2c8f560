/**
 * `npm run bench`: measures, in one run on this machine, every performance figure the project promises (the cdktf CLI
 * and `npm run preview` as users run them, synthesis vs the cdktf template, unit-tier time, synthesis scaling with
 * services, rollout lower bounds, release-CLI cost, `npm test` by tier), with medians of several runs; prints a table,
 * writes bench/results.json and regenerates the README's marked performance block and docs/performance.md from it. It
 * reports; it does not fail on a missed target (it fails when something it measures fails to run).
 *
 *   npm run bench                         full run (5 repetitions; about 15 minutes on 2 idle cores)
 *   npm run bench -- --quick              1 repetition, the unit tier instead of the whole suite (checks it works)
 *   npm run bench -- --render-only        rewrite the README block and docs/performance.md from bench/results.json
 *
 * The plan-comment scale figures (`planCommentScale` in the results, rendered by docs/performance.md): plans of 1, 10
 * and 55 MB (1 MB only with --quick) rendered by the compiled CLI, time and peak memory (scripts/lib/bench/plan-comment-scale.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { repoRoot } from './lib/paths';
import { MEASUREMENTS } from './lib/bench/measurements';
import { measurePlanCommentScale } from './lib/bench/plan-comment-scale';
import { PERFORMANCE_DOC, renderPerformanceDoc, renderReadmeBlock, renderTable, replaceReadmeBlock } from './lib/bench/report';
import type { BenchResults, Section } from './lib/bench/types';

interface Options {
  quick?: boolean;
  repetitions?: number;
  out: string;
  readme: string | false;
  docs: string | false;
  renderOnly?: boolean;
  only?: string[];
}

/** The --only id of the plan-comment scale figures (not a MEASUREMENTS entry: it has its own field in the results). */
export const PLAN_COMMENT_SCALE = 'plan-comment-scale';

export async function runBench(opts: { quick: boolean; repetitions: number; only?: string[]; log: (m: string) => void }): Promise<BenchResults> {
  const root = repoRoot();
  const started = Date.now();
  const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const scratch = mkdtempSync(join(tmpdir(), 'ecs-coexist-bench-'));
  const sections: Section[] = [];
  let planCommentScale: BenchResults['planCommentScale'];
  try {
    for (const m of MEASUREMENTS) {
      if (opts.only && !opts.only.includes(m.id)) continue;
      opts.log(`== ${m.title}`);
      const t = Date.now();
      const result = await m.run({ root, repetitions: opts.repetitions, quick: opts.quick, scratch, earlier: sections, log: opts.log });
      sections.push({ id: m.id, title: m.title, ...result });
      opts.log(`   (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    if (!opts.only || opts.only.includes(PLAN_COMMENT_SCALE)) {
      opts.log('== plan-comment on 1, 10 and 55 MB plans (time and peak memory grow linearly)');
      planCommentScale = await measurePlanCommentScale({ sizesMB: opts.quick ? [1] : [1, 10, 55], outDir: scratch });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const cpu = cpus();
  return {
    schemaVersion: 1,
    generatedBy: 'npm run bench',
    generatedAt: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    repetitions: opts.repetitions,
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverageAtStart,
    },
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    sections,
    ...(planCommentScale ? { planCommentScale } : {}),
  };
}

function writeReadme(path: string, results: BenchResults): void {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writeFileSync(path, replaceReadmeBlock(text, renderReadmeBlock(results)));
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError(`received ${JSON.stringify(v)}; allowed: an integer from 1 to 50`);
  return n;
};

async function main(argv: string[]): Promise<number> {
  const root = repoRoot();
  const program = new Command('bench')
    .description('Measure the performance figures, print a table, write JSON and the README performance block')
    .option('--quick', 'one repetition per figure (a check that the benchmark runs, not figures to publish)')
    .option('--repetitions <n>', 'runs per figure (medians are reported)', positiveInt)
    .option('--out <file>', 'results JSON', join(root, 'bench', 'results.json'))
    .option('--readme <file>', 'README whose marked block is rewritten', join(root, 'README.md'))
    .option('--no-readme', 'leave the README alone')
    .option('--docs <file>', 'full report (Markdown), rewritten', join(root, PERFORMANCE_DOC))
    .option('--no-docs', 'leave the full report alone')
    .option('--render-only', 'measure nothing: rewrite the README block from the results JSON')
    .option('--only <ids...>', `measure only these (${[...MEASUREMENTS.map((m) => m.id), PLAN_COMMENT_SCALE].join(', ')})`)
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<Options>();
  const out = resolve(o.out);
  if (o.only) {
    const known = [...MEASUREMENTS.map((m) => m.id), PLAN_COMMENT_SCALE];
    const unknown = o.only.filter((id) => !known.includes(id));
    if (unknown.length) throw new Error(`--only: received ${unknown.join(', ')}; allowed: ${known.join(', ')}`);
  }

  let results: BenchResults;
  if (o.renderOnly) {
    results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
  } else {
    const repetitions = o.repetitions ?? (o.quick ? 1 : 5);
    results = await runBench({ quick: o.quick === true, repetitions, only: o.only, log: (m) => process.stderr.write(`${m}\n`) });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  }
  process.stdout.write(`\n${renderTable(results)}\n\nResults: ${out}\n`);
  if (o.readme !== false) {
    writeReadme(resolve(o.readme), results);
    process.stdout.write(`README block: ${resolve(o.readme)}\n`);
  }
  if (o.docs !== false) {
    mkdirSync(dirname(resolve(o.docs)), { recursive: true });
    writeFileSync(resolve(o.docs), renderPerformanceDoc(results));
    process.stdout.write(`Full report: ${resolve(o.docs)}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error & { code?: string; exitCode?: number }) => {
      if (e.code?.startsWith('commander.')) {
        process.exitCode = e.exitCode ?? 1;
        return;
      }
      process.stderr.write(`bench: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
