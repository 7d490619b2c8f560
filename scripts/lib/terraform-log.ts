import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the test suite's CPU goes, one Terraform command at a time: with ECS_COEXIST_TF_LOG naming a file, every
 * command run by `terraform()` and `terraformAsync()` appends one JSON line (what ran, where, for which test file, its
 * wall time, the CPU of Terraform with the providers it started, and the CPU of the pooled provider server it used).
 * Off unless set; users' commands never set it. Summarised by `node dist/scripts/terraform-log.js FILE`.
 *
 * Terraform runs under GNU time (`/usr/bin/time -f "%U %S"`, Terraform and every child it waited for), so the figure
 * holds for commands running side by side, which a process's own child-CPU counter cannot tell apart. A pooled
 * server's CPU is read from /proc before and after. Both are Linux facts: elsewhere the figures are null.
 */
export const TERRAFORM_LOG_ENV = 'ECS_COEXIST_TF_LOG';
const GNU_TIME = '/usr/bin/time';

export interface TerraformLogLine {
  /** The test file (path under __tests__/) when run by Jest, else null. */
  readonly file: string | null;
  readonly test: string | null;
  /** The command without -target arguments, which are counted in `targets`. */
  readonly command: string;
  readonly targets: number;
  readonly cwd: string;
  readonly exitCode: number;
  readonly wallSeconds: number;
  /** Terraform and the providers it started (user + system), or null where GNU time is missing. */
  readonly terraformCpuSeconds: number | null;
  /** The pooled provider server (scripts/lib/provider-pool.ts), 0 without one, null where /proc is missing. */
  readonly providerCpuSeconds: number | null;
}

export interface TerraformCommandLog {
  /** The program and arguments to spawn instead of `terraform ...args`. */
  readonly command: string;
  readonly args: string[];
  /** Appends the command's line; call once it has exited. */
  finish(exitCode: number): void;
}

/** Wraps one Terraform command for the log, or undefined when the log is off. */
export function logTerraformCommand(args: readonly string[], cwd: string, reattach: string | undefined, env: NodeJS.ProcessEnv = process.env): TerraformCommandLog | undefined {
  const file = env[TERRAFORM_LOG_ENV];
  if (!file) return undefined;
  const providerPid = reattach ? Object.values(JSON.parse(reattach) as Record<string, { Pid?: number }>)[0]?.Pid : undefined;
  const providerBefore = providerPid ? processCpu(providerPid) : 0;
  const started = Date.now();
  const timed = existsSync(GNU_TIME);
  const dir = timed ? mkdtempSync(join(tmpdir(), 'tf-log-')) : undefined;
  const timeFile = dir ? join(dir, 'time') : '';
  const terraformArgs = [...args, '-no-color'];
  return {
    command: timed ? GNU_TIME : 'terraform',
    args: timed ? ['-f', '%U %S', '-o', timeFile, 'terraform', ...terraformArgs] : terraformArgs,
    finish(exitCode) {
      const providerAfter = providerPid ? processCpu(providerPid) : 0;
      const line: TerraformLogLine = {
        ...currentTest(),
        command: args.filter((a) => !a.startsWith('-target')).join(' '),
        targets: args.filter((a) => a.startsWith('-target')).length,
        cwd,
        exitCode,
        wallSeconds: (Date.now() - started) / 1000,
        terraformCpuSeconds: timed ? gnuTimeCpu(timeFile) : null,
        providerCpuSeconds: providerBefore === null || providerAfter === null ? null : round(providerAfter - providerBefore),
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The running Jest test, read from Jest's global `expect` (absent outside Jest). */
function currentTest(): { file: string | null; test: string | null } {
  const state = (globalThis as { expect?: { getState?: () => { testPath?: string; currentTestName?: string } } }).expect?.getState?.();
  return { file: state?.testPath?.split(/[\\/]__tests__[\\/]/).pop()?.replace(/\\/g, '/') ?? null, test: state?.currentTestName ?? null };
}

/** User + system seconds from GNU time's `-f "%U %S"` output (its last line), or null when it wrote none. */
export function gnuTimeCpu(file: string): number | null {
  try {
    const [user, system] = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return Number.isFinite(user) && Number.isFinite(system) ? round(user + system) : null;
  } catch {
    return null;
  }
}

/** A live process's user + system seconds from /proc/PID/stat (fields 14 and 15), or null. */
function processCpu(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
