/**
 * Test order for `npm test` (jest.config.js `testSequencer`): the end-to-end files, which mostly wait (on the AWS
 * provider's own polling delays, on moto), run beside CPU-bound files instead of beside each other.
 *
 * Why: measured on 2 cores with 4 workers and longest-first order (s23 of issue 14), the four longest files, all
 * end-to-end, took every worker for the first 300 s and used 1.4 cores between them: 0.6 core idle for 5 minutes.
 * A fifth worker given a fifth end-to-end file changed nothing (1.39 cores): waiting files beside waiting files.
 * So the order is planned as Jest will hand it out (each free worker takes the next file): at most `workers - 1`
 * end-to-end files at once, the other worker(s) on unit and terraform files, longest first within each kind so that
 * the long scenarios start at once and nothing long starts last. Same commit, same machine, idle, `npx jest`: 584 s
 * (938 s of CPU) longest first, 510 s (866 s of CPU) planned so.
 *
 * Jest's own cache of each file's last duration is the estimate when it has one; a fresh clone has none, and then a
 * file's estimate is below, else its tier's typical file. A long file missing here starts late and ends the suite
 * alone (services.test.ts did, at 60 s estimated for 190-330 s taken). Only the order changes: every file runs, each
 * in its own worker as before.
 */
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Each file's duration in one whole `npx jest --json --outputFile=…` run on the 2-core machine (4 workers, longest
 * first, s23 of issue 14, 3,160 tests): what a file takes beside the others, not alone. Files not listed (under 20 s)
 * take their tier's TIER_MS.
 */
const ESTIMATE_MS = {
  'e2e/blue-green.test.ts': 313_000,
  'e2e/coexistence.test.ts': 277_000,
  'e2e/services.test.ts': 277_000,
  'e2e/pipelines.test.ts': 198_000,
  'e2e/registry-release.test.ts': 128_000,
  'e2e/state-continuity.test.ts': 114_000,
  'e2e/sandbox.test.ts': 114_000,
  'e2e/plan-comment-drift.test.ts': 76_000,
  'e2e/release-commands.test.ts': 67_000,
  'terraform/config-literal.test.ts': 62_000,
  'unit/release-hostile.test.ts': 59_000,
  'e2e/cdktf-cli.test.ts': 48_000,
  'terraform/provider-pool.test.ts': 46_000,
  'terraform/delivery-pipeline.test.ts': 32_000,
  'e2e/release-inspect.test.ts': 31_000,
  'e2e/moto-snapshot.test.ts': 27_000,
  'terraform/plan-comment.test.ts': 26_000,
  'terraform/blue-green.test.ts': 26_000,
  'e2e/release-operate-kinds.test.ts': 24_000,
  'unit/workflows.test.ts': 22_000,
  'unit/plan-comment-post.test.ts': 22_000,
};
const TIER_MS = { e2e: 20_000, terraform: 15_000, bench: 7_000, unit: 3_000 };

const relativePath = (test) => test.path.split(/[\\/]__tests__[\\/]/).pop().replace(/\\/g, '/');
const waits = (test) => relativePath(test).startsWith('e2e/');

/**
 * The nice value a file's worker runs at: 0 for the end-to-end files, FILLER_NICE for the CPU-bound ones. The long
 * scenarios set the suite's end and mostly wait; when they do need the CPU (a plan, an apply's refresh), a unit file
 * beside them must not halve it. At nice 10 the CPU-bound files still take every core the scenarios leave idle, so
 * nothing is left unused. Measured on 2 cores (s24 of issue 14, the 35 files of the time, npx jest, idle):
 * blue-green 268 s -> 237 s, coexistence 230 s -> 195 s, same CPU.
 */
const FILLER_NICE = 10;
const niceFor = (testPath) => (waits({ path: testPath }) ? 0 : FILLER_NICE);

/**
 * Sets this worker's priority for the file at `testPath` (run by __tests__/setup.ts before each file). Raising it back
 * to 0 for an end-to-end file after a CPU-bound one needs privilege (root, or CAP_SYS_NICE); without it the worker
 * stays at FILLER_NICE, so that file only shares the CPU as before. Returns the value asked for, or null if refused.
 */
function prioritize(testPath, setPriority = require('node:os').setPriority) {
  const nice = niceFor(testPath);
  try {
    setPriority(0, nice);
    return nice;
  } catch {
    return null;
  }
}

/**
 * The order in which `workers` workers, each taking the next file when free, run at most `workers - 1` waiting files
 * at once. `estimate(test)` in ms. Pure: planned on the estimates, before any file runs.
 */
function plan(tests, estimate, workers) {
  const byLength = (a, b) => estimate(b) - estimate(a) || (a.path < b.path ? -1 : 1);
  const waiting = tests.filter(waits).sort(byLength);
  const working = tests.filter((t) => !waits(t)).sort(byLength);
  const maxWaiting = Math.max(1, workers - 1);
  const free = new Array(Math.max(1, workers)).fill(0);
  let running = []; // { end, waits }
  const order = [];
  while (waiting.length + working.length > 0) {
    const w = free.indexOf(Math.min(...free));
    const now = free[w];
    running = running.filter((r) => r.end > now);
    const waitingNow = running.filter((r) => r.waits).length;
    const next = (waitingNow < maxWaiting && waiting.length > 0) || working.length === 0 ? waiting.shift() : working.shift();
    order.push(next);
    free[w] = now + estimate(next);
    running.push({ end: free[w], waits: waits(next) });
  }
  return order;
}

/** The workers jest.config.js runs with (the plan's assumption; `jest -w N` still runs with N). */
function configuredWorkers() {
  const workers = require('../../jest.config.js').maxWorkers;
  return typeof workers === 'number' ? workers : 4;
}

class MixedSequencer extends Sequencer {
  sort(tests) {
    const estimate = (test) => {
      const cached = this.time(test);
      if (cached != null) return cached;
      const relative = relativePath(test);
      return ESTIMATE_MS[relative] ?? TIER_MS[relative.split('/')[0]] ?? 0;
    };
    // Files that failed last time still come first (Jest's rule): the answer a developer waits for.
    const workers = configuredWorkers();
    const failed = tests.filter((t) => this.hasFailed(t));
    const rest = tests.filter((t) => !failed.includes(t));
    return [...plan(failed, estimate, workers), ...plan(rest, estimate, workers)];
  }
}

module.exports = MixedSequencer;
module.exports.plan = plan;
module.exports.prioritize = prioritize;
module.exports.FILLER_NICE = FILLER_NICE;
