/** Jest globalTeardown (jest.config.js): removes what global-setup.js made for this run. */
'use strict';
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  // Only the folder this run made (a caller's own ECS_COEXIST_PLAN_CACHE is theirs to keep).
  if (globalThis.ecsCoexistPlanCacheMade) rmSync(globalThis.ecsCoexistPlanCacheMade, { recursive: true, force: true });
};
