/**
 * Test order for `npm test` (jest.config.js `testSequencer`): longest files first, so the workers finish together
 * instead of one starting the slowest end-to-end file after everything else (longest-processing-time-first).
 * Jest's own cache of each file's last duration decides when it has one; a fresh clone has none, and Jest would then
 * order by file size, which does not start the longest scenario (blue-green) first. Without a cached duration a file gets an
 * estimate: the ones below, else its tier's typical file. A long file missing here starts late and ends the suite
 * alone (services.test.ts did, at 60 s estimated for 190-330 s taken). Only the order changes: every file runs, each in
 * its own worker as before.
 */
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Each file's duration in one whole `npx jest --json --outputFile=…` run on the 2-core machine (4 workers, s22 of issue
 * 14, 3,137 tests): what a file takes beside the others, not alone. Files not listed take their tier's TIER_MS.
 */
const ESTIMATE_MS = {
  'e2e/blue-green.test.ts': 413_000,
  'e2e/coexistence.test.ts': 322_000,
  'e2e/pipelines.test.ts': 220_000,
  'e2e/services.test.ts': 192_000,
  'e2e/registry-release.test.ts': 150_000,
  'e2e/plan-comment-drift.test.ts': 139_000,
  'e2e/state-continuity.test.ts': 124_000,
  'e2e/sandbox.test.ts': 123_000,
  'e2e/release-commands.test.ts': 67_000,
  'terraform/config-literal.test.ts': 56_000,
  'terraform/provider-pool.test.ts': 56_000,
  'e2e/cdktf-cli.test.ts': 48_000,
  'unit/release-hostile.test.ts': 48_000,
  'e2e/release-inspect.test.ts': 46_000,
  'e2e/moto-snapshot.test.ts': 42_000,
  'terraform/delivery-pipeline.test.ts': 36_000,
  'terraform/plan-comment.test.ts': 35_000,
  'unit/plan-comment-post.test.ts': 30_000,
  'e2e/release-operate-kinds.test.ts': 28_000,
  'unit/config-hostile.test.ts': 27_000,
  'terraform/blue-green.test.ts': 23_000,
  'unit/boundary-size.test.ts': 22_000,
  'unit/blue-green.test.ts': 20_000,
  'e2e/release-operate.test.ts': 20_000,
};
const TIER_MS = { e2e: 20_000, terraform: 15_000, bench: 7_000, unit: 3_000 };

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const estimate = (test) => {
      const cached = this.time(test);
      if (cached != null) return cached;
      const relative = test.path.split(/[\\/]__tests__[\\/]/).pop().replace(/\\/g, '/');
      return ESTIMATE_MS[relative] ?? TIER_MS[relative.split('/')[0]] ?? 0;
    };
    const failed = (test) => (this.hasFailed(test) ? 1 : 0);
    // Files that failed last time still come first (Jest's rule): the answer a developer waits for.
    return [...tests].sort((a, b) => failed(b) - failed(a) || estimate(b) - estimate(a) || (a.path < b.path ? -1 : 1));
  }
}

module.exports = LongestFirstSequencer;
