import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Where the test suite's CPU goes, one Terraform command at a time: with ECS_COEXIST_TF_LOG naming a file, every
 * command run by `terraform()` and `terraformAsync()` appends one JSON line (what ran, where, for which test file, its
 * wall time, the CPU of Terraform with the providers it started, and the CPU of the pooled provider server it used).
 * Off unless set; users' commands never set it. Summarised by `node dist/scripts/terraform-log.js FILE`.
 *
 * Terraform runs under GNU time (`/usr/bin/time -f "%U %S"`, Terraform and every child it waited for), so the figure
 * holds for commands running side by side, which a process's own child-CPU counter cannot tell apart. A pooled
 * server's CPU is read from /proc before and after. Without GNU time (BSD's `time` takes no -f) or /proc, the figures
 * are null and Terraform runs as without the log.
 */
export const TERRAFORM_LOG_ENV = 'ECS_COEXIST_TF_LOG';
const GNU_TIME = '/usr/bin/time';

/** One line of the log: written here, read by scripts/terraform-log.ts. */
export const TerraformLogLineSchema = z.object({
  /** The test file (path under __tests__/) when run by Jest, else null. */
  file: z.string().nullable(),
  test: z.string().nullable(),
  /** The command without -target arguments, which are counted in `targets`. */
  command: z.string(),
  targets: z.number().int().nonnegative(),
  cwd: z.string(),
  exitCode: z.number().int(),
  wallSeconds: z.number().nonnegative(),
  /** Terraform and the providers it started (user + system), or null without GNU time. */
  terraformCpuSeconds: z.number().nonnegative().nullable(),
  /** The pooled provider server (scripts/lib/provider-pool.ts), 0 without one, null without /proc. */
  providerCpuSeconds: z.number().nullable(),
});
export type TerraformLogLine = z.infer<typeof TerraformLogLineSchema>;

export interface TerraformCommandLog {
  /** The program and arguments to spawn instead of `terraform ...args`. */
  readonly command: string;
  readonly args: string[];
  /**
   * Appends the command's line once it has exited, and returns the exit code to report: what spawning terraform
   * itself would have given (-1 for a signal or a terraform that could not start), not GNU time's 128+N or 127.
   */
  finish(exitCode: number): number;
}

/** Wraps one Terraform command for the log, or undefined when the log is off. Never throws: a log must not fail a run. */
export function logTerraformCommand(args: readonly string[], cwd: string, reattach: string | undefined, env: NodeJS.ProcessEnv = process.env): TerraformCommandLog | undefined {
  const file = env[TERRAFORM_LOG_ENV];
  if (!file) return undefined;
  const providerPid = reattachPid(reattach);
  const providerBefore = providerPid ? processCpu(providerPid) : 0;
  const started = Date.now();
  let dir: string | undefined;
  try {
    dir = gnuTime() ? mkdtempSync(join(tmpdir(), 'tf-log-')) : undefined;
  } catch {
    dir = undefined;
  }
  const timeFile = dir ? join(dir, 'time') : '';
  const terraformArgs = [...args, '-no-color'];
  return {
    command: dir ? GNU_TIME : 'terraform',
    args: dir ? ['-f', '%U %S', '-o', timeFile, 'terraform', ...terraformArgs] : terraformArgs,
    finish(exitCode) {
      const timed = dir ? readTimeFile(timeFile) : undefined;
      const code = timed?.ran === false ? -1 : exitCode;
      try {
        const providerAfter = providerPid ? processCpu(providerPid) : 0;
        const line: TerraformLogLine = {
          ...currentTest(),
          ...commandWithoutTargets(args),
          cwd,
          exitCode: code,
          wallSeconds: (Date.now() - started) / 1000,
          terraformCpuSeconds: timed?.cpuSeconds ?? null,
          providerCpuSeconds: providerBefore === null || providerAfter === null ? null : round(providerAfter - providerBefore),
        };
        appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        // An unwritable log loses this line; the command's own result still reaches the caller.
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
      return code;
    },
  };
}

/** `-target=a` and `-target a` both count as one target; neither address stays in the command. */
export function commandWithoutTargets(args: readonly string[]): { command: string; targets: number } {
  const kept: string[] = [];
  let targets = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-target' || args[i] === '--target') {
      targets++;
      i++;
    } else if (/^--?target=/.test(args[i])) targets++;
    else kept.push(args[i]);
  }
  return { command: kept.join(' '), targets };
}

/**
 * What GNU time wrote with `-f "%U %S" -o FILE`: the CPU seconds on its last line, and whether the command ran to an
 * exit of its own. A signal ("Command terminated by signal N") or a program that could not start (exit 127, no times)
 * is not an exit code Terraform gave (Terraform itself never exits 127).
 */
export function parseTimeOutput(text: string): { cpuSeconds: number | null; ran: boolean } {
  const lines = text.trim().split('\n');
  const [user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
  const cpuSeconds = lines[lines.length - 1] && Number.isFinite(user) && Number.isFinite(system) ? round(user + system) : null;
  const notItsOwnExit = lines.some((l) => /^Command terminated by signal|^Command exited with non-zero status 127$/.test(l));
  return { cpuSeconds, ran: cpuSeconds !== null && !notItsOwnExit };
}

function readTimeFile(file: string): { cpuSeconds: number | null; ran: boolean } {
  try {
    return parseTimeOutput(readFileSync(file, 'utf8'));
  } catch {
    return { cpuSeconds: null, ran: false };
  }
}

let gnuTimeFound: boolean | undefined;
/** GNU time only: BSD's /usr/bin/time (macOS) has no -f or -o and would fail every command. */
function gnuTime(): boolean {
  if (gnuTimeFound === undefined) {
    const probe = spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' });
    gnuTimeFound = /GNU/.test(`${probe.stdout ?? ''}${probe.stderr ?? ''}`);
  }
  return gnuTimeFound;
}

/** The pooled server's process id from TF_REATTACH_PROVIDERS, or undefined for anything else. */
function reattachPid(reattach: string | undefined): number | undefined {
  try {
    const config = JSON.parse(reattach ?? 'null') as unknown;
    if (!config || typeof config !== 'object') return undefined;
    const pid = (Object.values(config)[0] as { Pid?: unknown } | undefined)?.Pid;
    return typeof pid === 'number' && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The running Jest test, read from Jest's global `expect` (absent outside Jest). */
function currentTest(): { file: string | null; test: string | null } {
  const state = (globalThis as { expect?: { getState?: () => { testPath?: string; currentTestName?: string } } }).expect?.getState?.();
  return { file: state?.testPath?.split(/[\\/]__tests__[\\/]/).pop()?.replace(/\\/g, '/') ?? null, test: state?.currentTestName ?? null };
}

/** A live process's user + system seconds from /proc/PID/stat (fields 14 and 15), or null. */
function processCpu(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
