/** Jest globalTeardown (jest.config.js): removes what global-setup.js made for this run. */
'use strict';
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  // Only the folders this run made (a caller's own ECS_COEXIST_PLAN_CACHE is theirs to keep).
  // The run's TMPDIR is made first and removed last, with whatever the folders made inside it still hold.
  for (const dir of [...(globalThis.ecsCoexistMade ?? [])].reverse()) rmSync(dir, { recursive: true, force: true });
};
