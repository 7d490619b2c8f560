/**
 * A Jest test environment for profiling, not used by `npm test`: `jest --testEnvironment
 * ./__tests__/helpers/cpu-environment.js` appends, per test file, the CPU seconds its worker spent on it, its own
 * (user, sys) and its children's (terraform, the providers Terraform waits for, moto, python, tsc...), to the file named by
 * ECS_COEXIST_CPU_LOG (one JSON line per file). A worker runs one file at a time, so the difference of the worker's
 * counters between setup and teardown is that file's; children count once they have exited and been waited for.
 */
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');
const { relative } = require('node:path');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const TICKS = 100; // USER_HZ on Linux
function counters() {
  // /proc/self/stat: fields 14-17 are utime, stime, cutime, cstime (after the command name in parentheses).
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: (Number(f[11]) + Number(f[12])) / TICKS, children: (Number(f[13]) + Number(f[14])) / TICKS, wall: Date.now() / 1000 };
}

class CpuEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = relative(config.projectConfig.rootDir, context.testPath);
  }
  async setup() {
    this.start = counters();
    await super.setup();
  }
  async teardown() {
    await super.teardown();
    const end = counters();
    const line = {
      file: this.testPath,
      self: +(end.self - this.start.self).toFixed(2),
      children: +(end.children - this.start.children).toFixed(2),
      wall: +(end.wall - this.start.wall).toFixed(1),
    };
    if (process.env.ECS_COEXIST_CPU_LOG) appendFileSync(process.env.ECS_COEXIST_CPU_LOG, `${JSON.stringify(line)}\n`);
  }
}

module.exports = CpuEnvironment;
