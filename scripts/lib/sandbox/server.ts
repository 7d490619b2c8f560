import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchMoto } from '../moto';
import { repoRoot } from '../paths';

/** One pushed image of the sandbox, as the examples print it. */
export interface SandboxImage {
  readonly env: string;
  readonly tag: string;
  readonly uri: string;
  readonly digest: string;
}

/** `.work/sandbox/sandbox.json`: what a later `npm run sandbox` (start, status, stop) needs to find the running one. */
export interface SandboxState {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly region: string;
  readonly startedAt: string;
  /** False until every stack is applied and every image pushed: a half-started sandbox is never reused. */
  readonly ready: boolean;
  readonly environments: readonly { name: string; deployRoleArn: string }[];
  readonly images: readonly SandboxImage[];
}

/**
 * The sandbox's folder: `.work/sandbox` in the repository (ignored by git), or `ECS_COEXIST_SANDBOX_DIR` (the e2e test
 * and the bench use their own, so they never touch a sandbox the developer is using).
 */
export function sandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ECS_COEXIST_SANDBOX_DIR || join(repoRoot(), '.work', 'sandbox');
}

const stateFile = (dir: string) => join(dir, 'sandbox.json');

export function readState(dir: string): SandboxState | undefined {
  if (!existsSync(stateFile(dir))) return undefined;
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function writeState(dir: string, state: SandboxState): void {
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

// One definition of the emulator's environment, shared with the test tier's emulator (scripts/lib/moto.ts).
export { emulatorEnv } from '../moto';

/** True when the process lives and the emulator answers on its endpoint (a reused pid answers nothing there). */
export async function isAlive(state: Pick<SandboxState, 'pid' | 'endpoint'>): Promise<boolean> {
  try {
    process.kill(state.pid, 0);
  } catch {
    return false;
  }
  try {
    const r = await fetch(`${state.endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Starts moto_server detached on 127.0.0.1 (it outlives this process), with the release tier's switches: ECS services
 * of up to 3 tasks report their deployment COMPLETED (moto gap ecs-deployment-model), IAM knows AWS's managed policies.
 * Its log goes to `<dir>/moto.log` (a file: nobody drains a pipe once this process exits).
 */
export async function startServer(dir: string): Promise<{ pid: number; port: number; endpoint: string }> {
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, MOTO_ECS_SERVICE_RUNNING: '3', MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' };
  const { child, port, endpoint } = await launchMoto(join(dir, 'moto.log'), env, { detached: true });
  return { pid: child.pid!, port, endpoint };
}

function killPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is still the emulator the sandbox started (a moto_server process), even when it no longer answers;
 * undefined where /proc cannot tell (then the endpoint decides).
 */
function isOurServer(pid: number): boolean | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto_server');
  } catch {
    return existsSync('/proc/self/cmdline') ? false : undefined;
  }
}

/** Waits up to `ms` for `pid` to be gone; true when it is. */
async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (killPid(pid, 0)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Ends the sandbox's emulator (the pid it recorded, nothing else) and removes its folder. */
export async function stopSandbox(dir: string): Promise<{ stopped: boolean; pid?: number }> {
  const state = readState(dir);
  let stopped = false;
  if (state && (isOurServer(state.pid) ?? (await isAlive(state)))) {
    stopped = killPid(state.pid, 'SIGTERM');
    // Gone means gone when this returns: on a busy machine moto can take more than 5 s to act on SIGTERM, and a SIGKILL
    // sent without waiting left the process alive for whoever checked right after (the e2e test did, and failed).
    if (!(await exited(state.pid, 10_000))) {
      killPid(state.pid, 'SIGKILL');
      await exited(state.pid, 10_000);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { stopped, pid: state?.pid };
}
