/**
 * Test order for `npm test` (jest.config.js `testSequencer`): longest files first, so the two workers finish together
 * instead of one starting the slowest end-to-end file after everything else (longest-processing-time-first).
 * Jest's own cache of each file's last duration decides when it has one; a fresh clone has none, and Jest would then
 * order by file size, which starts the longest scenario (coexistence) last. Without a cached duration a file gets an
 * estimate: the ones below (their share of the e2e tier in a run of `jest __tests__/e2e`), else its tier's typical
 * file. Only the order changes: every file runs, each in its own worker as before.
 */
const Sequencer = require('@jest/test-sequencer').default;

const ESTIMATE_MS = {
  'e2e/coexistence.test.ts': 290_000,
  'e2e/blue-green.test.ts': 240_000,
  'e2e/release-commands.test.ts': 140_000,
  'e2e/plan-comment-drift.test.ts': 110_000,
  // measured alone on the 2-core machine: 2 stacks applied + GitLab and CodeBuild runs
  'e2e/pipelines.test.ts': 220_000,
  // measured alone on the 2-core machine: 1 stack applied + a Distribution registry
  'e2e/registry-release.test.ts': 190_000,
  // measured alone on the 2-core machine: 1 stack applied, operator commands on the worker and the scheduled service
  'e2e/release-operate-kinds.test.ts': 190_000,
};
const TIER_MS = { e2e: 60_000, terraform: 60_000, bench: 40_000, unit: 3_000 };

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
