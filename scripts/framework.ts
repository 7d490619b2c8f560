/**
 * `npm run framework -- <command>` (docs/framework.md):
 *   (nothing) | status   which row this tree is on (package.json) and which framework is installed (node_modules)
 *   terrain | cdktf      move package.json and package-lock.json to CDK Terrain 0.24 / CDKTF 0.21 (then `npm ci`)
 *   matrix [--keep]      the terrain row: a clean copy on CDK Terrain and Node 22, compared with this tree
 *   aws6-check [--keep]  type-check the project against @cdktn/provider-aws 25 (AWS provider 6.x) in a scratch copy
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedFramework } from '../src/framework';
import { aws6Check } from './lib/framework-aws6';
import { terrainRow, runSteps } from './lib/framework-matrix';
import { detectRow, FrameworkSwitchError, ROW_PINS, switchFramework, type Row } from './lib/framework-switch';
import { repoRoot } from './lib/paths';

const USAGE = 'allowed: status, terrain, cdktf, matrix [--keep], aws6-check [--keep]';

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): { command: 'status' | Row | 'matrix' | 'aws6-check'; keep: boolean } {
  const [command = 'status', ...rest] = argv;
  if (!['status', 'terrain', 'cdktf', 'matrix', 'aws6-check'].includes(command)) {
    throw new UsageError(`command: received ${JSON.stringify(command)}; ${USAGE}`);
  }
  const keepable = command === 'matrix' || command === 'aws6-check';
  for (const arg of rest) {
    if (!(keepable && arg === '--keep')) throw new UsageError(`${command}: received argument ${JSON.stringify(arg)}; ${USAGE}`);
  }
  return { command: command as 'status' | Row | 'matrix' | 'aws6-check', keep: rest.includes('--keep') };
}

function status(root: string, out: (s: string) => void): void {
  const row = detectRow(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  const installed = installedFramework();
  out(`package.json: the ${row} row (cdktf = ${ROW_PINS[row].library}, ${ROW_PINS[row].cli.name} ${ROW_PINS[row].cli.version}, Node >= ${ROW_PINS[row].nodeMinimum})\n`);
  out(`node_modules: ${installed.name} ${installed.version} (command: npx ${installed.command}); Node ${process.version}\n`);
  const expected = row === 'terrain' ? 'cdktn' : 'cdktf';
  if (installed.name !== expected) out(`node_modules does not match package.json: run \`npm ci\`\n`);
}

export function main(argv: readonly string[] = process.argv.slice(2), out = (s: string) => void process.stdout.write(s), err = (s: string) => void process.stderr.write(s)): number {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`framework: ${e.message}\n`);
    return 2;
  }
  const root = repoRoot();
  try {
    if (args.command === 'status') {
      status(root, out);
      return 0;
    }
    if (args.command === 'terrain' || args.command === 'cdktf') {
      const r = switchFramework(root, args.command);
      if (r.lock === 'unchanged') {
        out(`already on the ${r.to} row: nothing changed\n`);
        return 0;
      }
      const pins = ROW_PINS[r.to];
      out(`package.json: ${r.from} -> ${r.to} (cdktf = ${pins.library}, ${pins.cli.name} ${pins.cli.version}); package-lock.json ${r.lock === 'restored' ? 'restored as it was before the last switch' : 're-resolved by npm'}.\n`);
      out(`Next: \`npm ci\` with Node >= ${pins.nodeMinimum} (you run ${process.version}), then \`npx ${pins.cli.name.replace('-cli', '')} synth\`. Back: \`npm run framework -- ${r.from}\`.\n`);
      return 0;
    }
    const started = Date.now();
    const log = (l: string) => out(`  ${l}\n`);
    // The matrix is the terrain row plus the AWS provider 6.x check (about 15 s once its bindings are installed).
    const jobs = args.command === 'matrix' ? [terrainRow({ log, keep: args.keep }), aws6Check({ log, keep: args.keep })] : [aws6Check({ log, keep: args.keep })];
    let passed = 0;
    let failed = 0;
    for (const job of jobs) {
      out(`${job.title}: working in ${job.copy}\n`);
      const results = failed > 0 ? [] : runSteps(job.steps, (r) => out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)${r.detail ? `: ${r.detail.split('\n').join('\n       ')}` : ''}\n`));
      job.cleanup();
      // Steps never reached count as failed, never as skipped.
      failed += results.filter((r) => !r.ok).length + (job.steps.length - results.length);
      passed += results.filter((r) => r.ok).length;
    }
    out(`${((Date.now() - started) / 1000).toFixed(0)} s in all${args.keep ? `; kept ${jobs.map((j) => j.copy).join(', ')}` : ''}\n`);
    // The plain closing line CI reads.
    out(`framework: ${passed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof FrameworkSwitchError) {
      err(`framework: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    process.stderr.write(`framework: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
