/** Jest globalTeardown (jest.config.js): removes what global-setup.js made for this run, and gives back what it set. */
'use strict';
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  // Only the folders this run made (a caller's own ECS_COEXIST_PLAN_CACHE is theirs to keep). The run's TMPDIR is made
  // first and removed last, with whatever the folders made inside it still hold. A folder that cannot be removed (a
  // process of the run still writing in it) is reported, not a failure of a run whose tests passed.
  for (const dir of [...(globalThis.ecsCoexistMade ?? [])].reverse()) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      process.stderr.write(`global teardown: could not remove ${dir}: ${e.message}\n`);
    }
  }
  // The variables as they were before the run: a second run in this process (jest --watch) starts from them, not from
  // folders removed above.
  for (const [name, value] of Object.entries(globalThis.ecsCoexistBefore ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  globalThis.ecsCoexistMade = [];
  globalThis.ecsCoexistBefore = {};
};
