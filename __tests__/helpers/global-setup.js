/**
 * Jest globalSetup (jest.config.js): folders shared by the test files of one run, made before the workers start so
 * they inherit them through the environment, and removed by global-teardown.js.
 * - ECS_COEXIST_PLAN_CACHE: planStack's plans by input hash (scripts/lib/plan-cache.ts), so the terraform tier and the
 *   preview it runs plan each distinct stack once per run. A fresh folder per run: nothing outlives the run, so a
 *   provider or Terraform upgrade between runs cannot be answered from an old plan.
 * - ECS_COEXIST_APPLIED_CACHE: what applying a stack into moto left behind, by stack (__tests__/helpers/applied-cache.ts),
 *   so the e2e files that start from the same applied stack apply it once per run. Fresh per run, like the plans.
 * - ECS_COEXIST_PROVIDER_POOL: a switch, not a folder (each worker's servers stop with each test file).
 * - TMPDIR: one temporary folder for the whole run, so what the tests and the tools they run leave in it goes with
 *   the run. cdktf's Testing.app() and Testing.synthScope() make a `cdktf.outdir.*` folder per call and never remove
 *   it: one run left about a thousand of them in /tmp, and a machine that ran the suite twenty times held 20,000.
 */
'use strict';
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** The run's cache folders: variable, folder name prefix. */
const CACHES = [
  ['ECS_COEXIST_PLAN_CACHE', 'plan-cache-'],
  ['ECS_COEXIST_APPLIED_CACHE', 'applied-cache-'],
];

module.exports = async function globalSetup() {
  // Terraform commands of the tests reuse AWS provider servers (scripts/lib/provider-pool.ts); `=0` turns it off.
  process.env.ECS_COEXIST_PROVIDER_POOL ??= '1';
  // globalSetup's globals reach globalTeardown only: it removes only the folders this run made.
  globalThis.ecsCoexistMade = [];
  globalThis.ecsCoexistBefore = {};
  for (const name of ['TMPDIR', ...CACHES.map(([n]) => n)]) globalThis.ecsCoexistBefore[name] = process.env[name];
  // First, so that the folders below (and everything the workers make) are made inside it.
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'ecs-coexist-test-'));
  globalThis.ecsCoexistMade.push(process.env.TMPDIR);
  for (const [name, prefix] of CACHES) {
    if (process.env[name]) continue;
    process.env[name] = mkdtempSync(join(tmpdir(), prefix));
    globalThis.ecsCoexistMade.push(process.env[name]);
  }
};
