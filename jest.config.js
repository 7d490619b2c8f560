/**
 * One Jest run, three tiers by folder:
 *   __tests__/unit       synthesis-level tests (no Terraform, no emulator): fast, the feedback loop;
 *   __tests__/terraform  real `terraform validate` / `plan` on synthesized stacks, offline;
 *   __tests__/e2e        real Terraform and the real AWS SDK against moto on 127.0.0.1.
 * Type checking is its own step (`npm run typecheck`), so ts-jest only transpiles.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  testTimeout: 120000,
  // Terraform and moto tiers spawn heavy processes; two workers match the two cores of CI machines.
  maxWorkers: 2,
};
