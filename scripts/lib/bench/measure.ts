import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One run of a Node.js process: wall time from spawn to exit, its peak memory and CPU time (its own, not children's). */
export interface ProcessRun {
  readonly wallSeconds: number;
  readonly maxRssMiB: number;
  readonly cpuSeconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeRunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Node options placed before the script (e.g. `--max-old-space-size`). */
  readonly nodeArgs?: string[];
}

/**
 * Runs `node <script> <args>` with the probe preloaded and measures it. Throws (with the child's output) when it exits
 * non-zero: a benchmark of a failing command is not a figure.
 */
export async function runNode(script: string, args: string[], options: NodeRunOptions): Promise<ProcessRun> {
  const probeDir = mkdtempSync(join(tmpdir(), 'bench-probe-'));
  const probeOut = join(probeDir, 'usage.json');
  try {
    const env = { ...cleanEnv(options.env ?? process.env), BENCH_PROBE_OUT: probeOut };
    const argv = [...(options.nodeArgs ?? []), '--require', join(__dirname, 'probe.js'), script, ...args];
    const started = process.hrtime.bigint();
    const { code, signal, stdout, stderr } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (c, s) => resolve({ code: c, signal: s, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) {
      throw new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}:\n${tail(stdout)}\n${tail(stderr)}`);
    }
    if (!existsSync(probeOut)) throw new Error(`${script}: the resource probe wrote nothing (did the process bypass its exit handlers?)`);
    const usage = JSON.parse(readFileSync(probeOut, 'utf8')) as { maxRssKiB: number; userCpuMs: number; systemCpuMs: number };
    return { wallSeconds, maxRssMiB: usage.maxRssKiB / 1024, cpuSeconds: (usage.userCpuMs + usage.systemCpuMs) / 1000, stdout, stderr };
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
}

/**
 * The environment a measured command runs with: the caller's, minus what would change how the measured tools behave
 * (a parent Jest's variables, ts-node switches that would skip type checking, Node options that preload code).
 */
export function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(JEST_|TS_NODE_|NODE_OPTIONS$|NODE_ENV$)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to `digits` significant decimals for reporting (figures keep their raw samples next to them). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
