import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { compareSyntheses, jsonDifferences, planChanges, readStacks } from './framework-compare';
import { ROW_PINS, switchFramework } from './framework-switch';
import { ensureNode22, type NodeRuntime } from './node-runtime';
import { repoRoot } from './paths';
import { planStack, scratchDir } from './synth';
import { terraform } from './terraform';

/**
 * The terrain row of the framework matrix (docs/framework.md): CDK Terrain 0.24 (`cdktn` as the `cdktf` module,
 * `cdktn-cli`) on Node 22, checked against the default row (CDKTF 0.21 on the Node running this script, the tree as
 * it is). Every step must pass; a step that cannot run fails the row with one line saying why, it is never skipped.
 */
export interface Step {
  readonly name: string;
  readonly run: () => string | void;
}

/** A sequence of steps in its own scratch copy of the tree. */
export interface Job {
  readonly title: string;
  readonly steps: Step[];
  readonly copy: string;
  readonly cleanup: () => void;
}

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

/** Runs steps in order until one fails (later steps depend on earlier ones); reports each as it ends. */
export function runSteps(steps: readonly Step[], report: (r: StepResult) => void): StepResult[] {
  const out: StepResult[] = [];
  for (const step of steps) {
    const started = Date.now();
    let result: StepResult;
    try {
      result = { name: step.name, ok: true, seconds: (Date.now() - started) / 1000, detail: step.run() ?? '' };
      result = { ...result, seconds: (Date.now() - started) / 1000 };
    } catch (e) {
      result = { name: step.name, ok: false, seconds: (Date.now() - started) / 1000, detail: (e as Error).message };
    }
    out.push(result);
    report(result);
    if (!result.ok) break;
  }
  return out;
}

/** The files git tracks or would track (nothing ignored: no node_modules, dist, .work, .venv), copied to `dest`. */
export function cleanCopy(root: string, dest: string): number {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed in ${root} (${(r.stderr || String(r.error)).trim()}): the matrix copies the tree git sees`);
  let n = 0;
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    const source = join(root, file);
    // Deleted in the work tree, or an untracked link to a folder (a worktree's .venv): not part of the tree.
    if (!existsSync(source) || statSync(source).isDirectory()) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(source, join(dest, file));
    n += 1;
  }
  return n;
}

/**
 * This tree's compiled main.ts (the default row) into `outdir` for `target`, its policy report captured: the row's
 * output stays one line per step. Throws with the output's tail when synthesis fails.
 */
export function synthQuiet(outdir: string, target: 'aws' | 'offline', appDir: string = repoRoot(), nodeBinary: string = process.execPath): void {
  const r = spawnSync(nodeBinary, [join(appDir, 'dist', 'main.js')], {
    cwd: appDir,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify({ 'ecs-coexist:target': target }) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`synthesis of ${appDir} (${target}) exited ${r.status ?? r.signal}:\n${tail(`${r.stdout}\n${r.stderr}`)}`);
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').filter((l) => l.trim()).slice(-lines).join('\n');
}

/** Runs a command in the copy with Node 22 first on PATH; throws with its output's tail unless it exits 0. */
function run(node: NodeRuntime, cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const path = `${dirname(node.node)}${delimiter}${process.env.PATH ?? ''}`;
  const base = { ...process.env };
  // As scripts/lib/terraform.ts does: a TF_CLI_CONFIG_FILE naming no file only makes Terraform (run by cdktn) warn.
  if (base.TF_CLI_CONFIG_FILE && !existsSync(base.TF_CLI_CONFIG_FILE)) delete base.TF_CLI_CONFIG_FILE;
  const r = spawnSync(command === 'node' ? node.node : command, args, {
    cwd,
    env: { ...base, PATH: path, CHECKPOINT_DISABLE: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal ?? r.error}:\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  return r.stdout;
}

interface JestSummary {
  success: boolean;
  numTotalTestSuites: number;
  numFailedTestSuites: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: { name: string; message?: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[];
}

/** Pure: one line per failed test (or suite that failed to run), for the row's report. */
export function jestFailures(s: Pick<JestSummary, 'testResults'>, limit = 8): string[] {
  const out: string[] = [];
  for (const file of s.testResults ?? []) {
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    if (failed.length === 0 && file.message) out.push(`${file.name}: ${file.message.trim().split('\n')[0]}`);
    for (const a of failed) out.push(`${a.fullName}: ${(a.failureMessages ?? [''])[0].trim().split('\n')[0]}`);
  }
  return out.slice(0, limit);
}

/** Jest in the copy on Node 22; passes only when every selected suite ran and every test passed, none skipped. */
function jest(node: NodeRuntime, copy: string, args: string[], expectedSuites: number): string {
  const out = join(copy, '.work', `jest-${Date.now()}.json`);
  mkdirSync(dirname(out), { recursive: true });
  let failure: Error | undefined;
  try {
    run(node, copy, 'node', [join('node_modules', 'jest', 'bin', 'jest.js'), ...args, '--json', `--outputFile=${out}`]);
  } catch (e) {
    failure = e as Error;
  }
  if (!existsSync(out)) throw failure ?? new Error('jest wrote no result file');
  const s = JSON.parse(readFileSync(out, 'utf8')) as JestSummary;
  const counts = `${s.numPassedTests} passed, ${s.numFailedTests} failed, ${s.numPendingTests + s.numTodoTests} skipped in ${s.numTotalTestSuites} suites`;
  if (failure || !s.success || s.numFailedTests > 0 || s.numPendingTests + s.numTodoTests > 0 || s.numPassedTests === 0 || s.numTotalTestSuites !== expectedSuites) {
    const failures = jestFailures(s);
    throw new Error(`jest ${args.join(' ')}: ${counts} (expected ${expectedSuites} suites, all passing)${failures.length ? `\n${failures.join('\n')}` : failure ? `\n${failure.message}` : ''}`);
  }
  return counts;
}

function packageVersion(copy: string, pkg: string): { name: string; version: string } {
  const file = join(copy, 'node_modules', ...pkg.split('/'), 'package.json');
  if (!existsSync(file)) throw new Error(`${pkg} is not installed in the copy`);
  return JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
}

/** The terrain row's steps, in order. `keep`: leave the copy for inspection. */
export function terrainRow(options: { log: (line: string) => void; keep?: boolean }): Job {
  const root = repoRoot();
  const scratch = scratchDir('terrain-row');
  const copy = join(scratch.dir, 'tree');
  const synthRoot = join(scratch.dir, 'synth');
  let node!: NodeRuntime;
  let original!: { pkg: string; lock: string };
  const terrain = ROW_PINS.terrain;
  const stacks = ['dev', 'prod'];
  const defaultVersion = () => packageVersion(root, 'cdktf').version;
  const out = (row: string, target: string) => join(synthRoot, `${row}-${target}`);

  const steps: Step[] = [
    { name: `Node >= ${terrain.nodeMinimum} < 23`, run: () => {
      node = ensureNode22({ root, log: options.log });
      return `${node.version} (${node.source})`;
    } },
    { name: 'clean copy of the tree', run: () => {
      const n = cleanCopy(root, copy);
      mkdirSync(synthRoot, { recursive: true });
      // A git work tree like a user's clone (tests copy the tree the way this step does).
      run(node, copy, 'git', ['init', '-q']);
      run(node, copy, 'git', ['add', '-A']);
      original = { pkg: readFileSync(join(copy, 'package.json'), 'utf8'), lock: readFileSync(join(copy, 'package-lock.json'), 'utf8') };
      // The Python tools (moto) are shared with the tree: installing them again would cost minutes.
      mkdirSync(join(root, '.venv'), { recursive: true });
      symlinkSync(join(root, '.venv'), join(copy, '.venv'), 'dir');
      return `${n} files`;
    } },
    { name: 'npm run framework -- terrain (package.json and lock)', run: () => {
      const r = switchFramework(copy, 'terrain', { env: { ...process.env, PATH: `${dirname(node.node)}${delimiter}${process.env.PATH ?? ''}` } });
      if (r.from !== 'cdktf') throw new Error(`the tree is on the ${r.from} row; the matrix compares the default (cdktf) row with terrain`);
      return `lock ${r.lock}`;
    } },
    { name: 'npm ci', run: () => {
      run(node, copy, 'npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
      const lib = packageVersion(copy, 'cdktf');
      const cli = packageVersion(copy, 'cdktn-cli');
      const provider = packageVersion(copy, '@cdktf/provider-aws');
      const want = { lib: `cdktn@${terrain.library.split('@').pop()}`, cli: terrain.cli.version, provider: packageVersion(root, '@cdktf/provider-aws').version };
      const got = { lib: `${lib.name}@${lib.version}`, cli: cli.version, provider: provider.version };
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`installed ${JSON.stringify(got)}; expected ${JSON.stringify(want)}`);
      return `cdktf module = ${got.lib}, cdktn-cli ${got.cli}, @cdktf/provider-aws ${got.provider}`;
    } },
    { name: 'npm run build', run: () => void run(node, copy, 'npm', ['run', '--silent', 'build']) },
    { name: 'cdktn synth (aws and offline targets)', run: () => {
      const printed = run(node, copy, 'npx', ['cdktn', '--version']);
      const version = printed.split('\n').map((l) => l.trim()).find((l) => /^\d+\.\d+\.\d+$/.test(l));
      if (version !== terrain.cli.version) throw new Error(`cdktn --version printed ${JSON.stringify(tail(printed, 3))}; expected ${terrain.cli.version}`);
      run(node, copy, 'npx', ['cdktn', 'synth', '--output', out('terrain', 'aws')]);
      run(node, copy, 'npx', ['cdktn', 'synth', '--output', out('terrain', 'offline')], { CDKTF_CONTEXT_JSON: JSON.stringify({ 'ecs-coexist:target': 'offline' }) });
      return `cdktn ${version}`;
    } },
    { name: 'synthesized JSON equals the default row but for //.metadata.version', run: () => {
      const lines: string[] = [];
      for (const target of ['aws', 'offline'] as const) {
        synthQuiet(out('default', target), target);
        const mismatches = compareSyntheses(readStacks(out('default', target)), readStacks(out('terrain', target)), { left: defaultVersion(), right: terrain.library.split('@').pop()! });
        if (mismatches.length > 0) throw new Error(mismatches.slice(0, 10).join('\n'));
        lines.push(`${target}: ${Object.keys(readStacks(out('terrain', target))).join(', ')}`);
      }
      return lines.join('; ');
    } },
    { name: 'terraform validate and offline plan, same resource changes as the default row', run: () => {
      const counts: string[] = [];
      for (const name of stacks) {
        const dir = (row: string) => join(out(row, 'offline'), 'stacks', name);
        const terrainPlan = planStack(dir('terrain'));
        terraform(['validate'], dir('terrain'));
        const defaultPlan = planStack(dir('default'));
        const diffs = jsonDifferences(planChanges(defaultPlan.plan), planChanges(terrainPlan.plan));
        if (diffs.length > 0) throw new Error(`${name}: the plans differ at ${diffs.slice(0, 5).map((d) => d.path).join(', ')}`);
        counts.push(`${name} ${Object.keys(planChanges(terrainPlan.plan)).length} resource changes`);
      }
      return counts.join(', ');
    } },
    { name: 'synthesizing tests (__tests__/unit) on Node 22', run: () => {
      const suites = readdirSync(join(copy, '__tests__', 'unit')).filter((f) => f.endsWith('.test.ts')).length;
      return jest(node, copy, ['__tests__/unit'], suites);
    } },
    { name: 'ecs-release --help on Node 22', run: () => {
      const help = run(node, copy, 'node', [join('dist', 'src', 'release', 'cli.js'), '--help']);
      for (const command of ['deploy', 'rollback', 'promote']) if (!help.includes(command)) throw new Error(`--help does not list ${command}:\n${tail(help)}`);
      return `${help.trim().split('\n').length} lines`;
    } },
    { name: "bench template baseline from cdktn-cli's template (ts-node, Node 22)", run: () => {
      const dir = join(scratch.dir, 'template');
      mkdirSync(dir);
      const script = [
        "const t = require('./dist/scripts/lib/bench/template-app');",
        `const app = t.createTemplateApp(process.cwd(), ${JSON.stringify(dir)});`,
        "const r = require('node:child_process').spawnSync(process.execPath, [app.script, ...app.args], { cwd: app.dir, encoding: 'utf8' });",
        "if (r.status !== 0) { process.stderr.write(r.stderr || r.stdout); process.exit(1); }",
        "process.stdout.write(t.templateResources(app).join(','));",
      ].join('\n');
      const resources = run(node, copy, 'node', ['-e', script]).trim();
      if (resources !== 'aws_s3_bucket') throw new Error(`the template stack synthesized ${JSON.stringify(resources)}; expected aws_s3_bucket`);
      return resources;
    } },
    { name: 'one moto deploy (dev stack applied, ecs-release deploy, empty plan)', run: () => jest(node, copy, ['--testMatch', '**/__tests__/framework/*.row.ts'], 1) },
    { name: 'npm run framework -- cdktf gives back package.json and the lock byte for byte', run: () => {
      const r = switchFramework(copy, 'cdktf');
      const same = { pkg: readFileSync(join(copy, 'package.json'), 'utf8') === original.pkg, lock: readFileSync(join(copy, 'package-lock.json'), 'utf8') === original.lock };
      if (!same.pkg || !same.lock) throw new Error(`after the round trip package.json ${same.pkg ? 'is' : 'is NOT'} the original, the lock ${same.lock ? 'is' : 'is NOT'}`);
      return `lock ${r.lock}`;
    } },
  ];
  return { title: 'terrain row', steps, copy, cleanup: () => (options.keep ? undefined : scratch.remove()) };
}
