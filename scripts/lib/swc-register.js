/**
 * `node --require ./scripts/lib/swc-register.js main.ts`: what cdktf.json's `app` runs. It loads the TypeScript app
 * (main.ts, stacks, modules, environments, rules and what they import) by stripping types with SWC, file by file, as
 * it is required, with exactly the options Jest uses (jest.config.js), so the app runs as the tests run it. Type
 * checking stays `tsc` (npm test, the editor): running it on every `cdktf synth` would check the tests too, and cost
 * ten to a hundred times the synthesis itself.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled (a fresh clone, `npx cdktf synth`).
 * Transpiled output is cached by content hash under node_modules/.cache/, so a warm synthesis skips SWC entirely.
 */
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const Module = require('node:module');

const root = join(__dirname, '..', '..');
const jestTransform = require(join(root, 'jest.config.js')).transform['^.+\\.ts$'];
const options = { ...jestTransform[1], sourceMaps: 'inline', swcrc: false, configFile: false };
// SWC_REGISTER_CACHE: another cache folder (the benchmark measures a cold synthesis with an empty one).
const cacheDir = process.env.SWC_REGISTER_CACHE || join(root, 'node_modules', '.cache', 'swc-register');
const key = createHash('sha256').update(JSON.stringify(options)).update(require('@swc/core/package.json').version).digest('hex').slice(0, 16);

let swc;
function transpile(source, filename) {
  const hash = createHash('sha256').update(key).update(filename).update(source).digest('hex');
  const cached = join(cacheDir, `${hash}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  swc = swc || require('@swc/core');
  const { code } = swc.transformSync(source, { ...options, filename, sourceFileName: relative(root, filename) });
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Write then rename: two syntheses at once never read a half-written file.
    const temp = `${cached}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, cached);
  } catch {
    // a read-only checkout still synthesizes, just without the cache
  }
  return code;
}

Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  if (filename.endsWith('.d.ts')) throw new Error(`${filename}: a declaration file has no code to run`);
  module._compile(transpile(readFileSync(filename, 'utf8'), filename), filename);
};

// The source maps are inline but not switched on: Node then parses every map on load, which costs a third of the
// synthesis. `NODE_OPTIONS=--enable-source-maps npx cdktf synth` gives stack traces with TypeScript lines.
