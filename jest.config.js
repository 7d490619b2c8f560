/**
 * One Jest run, three tiers by folder:
 *   __tests__/unit       synthesis-level tests (no Terraform, no emulator): fast, the feedback loop;
 *   __tests__/terraform  real `terraform validate` / `plan` on synthesized stacks, offline;
 *   __tests__/e2e        real Terraform and the real AWS SDK against moto on 127.0.0.1.
 * Type checking is its own step (`tsc`, run by `npm test` before Jest), so the transform only strips types: SWC does it
 * with the semantics tsconfig.json compiles with (ES2022 target, so class fields are defined; CommonJS with interop),
 * several times faster than ts-jest, which matters on a fresh CI machine whose Jest cache is empty.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' }],
  },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  // One run's shared folders (the plan cache of scripts/lib/plan-cache.ts), inherited by the workers.
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.js',
  globalTeardown: '<rootDir>/__tests__/helpers/global-teardown.js',
  // A hang detector, not a budget: on a machine whose cores are busy with other work, a scenario test with a CodeDeploy
  // swap and three plans took over 120 s (blue-green, 6 workers beside other jobs) and failed only for that.
  testTimeout: 600_000,
  // Two files in flight per core: an e2e file mostly waits (on the AWS provider's own polling delays, on deployments
  // in moto) and uses about a third of a core, so on 2 cores, 2 workers left the CPU idle most of the e2e tier; CPU-bound
  // unit files just share the cores. The sequencer below keeps one worker on CPU-bound files while the others run e2e
  // files. Measured on 2 cores (s23 of issue 14, npx jest, same commit): 4 workers 510 s, 5 workers 519 s, so not more:
  // the long scenarios (sequential plans, each CPU-bound) set the suite's end and more workers starve them. Capped at 6:
  // each e2e file holds a moto (~300 MB) and Terraform providers (~500 MB each). `jest -w N` still overrides.
  maxWorkers: Math.min(6, Math.max(2, 2 * require('node:os').availableParallelism())),
  // The order is planned (see the file): e2e files beside CPU-bound files, longest first within each kind.
  testSequencer: '<rootDir>/__tests__/helpers/test-sequencer.js',
};
