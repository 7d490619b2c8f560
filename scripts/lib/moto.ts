import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths';
import { pythonTool } from './python-tools';

/** A moto server on 127.0.0.1, started for one test file (or the bench) and stopped after it. */
export interface Moto {
  readonly endpoint: string;
  readonly port: number;
  /** Environment for Terraform and the AWS SDK: endpoint, dummy credentials, no IMDS, no shared config. */
  readonly env: Record<string, string>;
  /** moto's own switches this server was started with (part of what a snapshot of it depends on). */
  readonly serverEnv: Readonly<Record<string, string>>;
  /** Clears every emulated account (moto's reset API). */
  reset(): Promise<void>;
  /** Writes what the server holds for `accounts` (every service, every region) to `file` (moto_server_launcher.py). */
  saveAccounts(file: string, accounts: readonly string[]): Promise<void>;
  /** Puts the accounts saved in `file` in place of what the server holds for them; other accounts stay as they are. */
  loadAccounts(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** Ends a server the tests started: SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** A TCP port free on 127.0.0.1 right now (the emulator of the tests and of the sandbox listens there). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * How long a starting moto_server may take to answer. It answers in about 2 s, but a busy machine (both cores taken by
 * another job, several test files each starting their own emulator at once) multiplies that: 30 s was within reach.
 * Only a ceiling: a server that exits is reported at once, so a broken install does not wait this long.
 */
export const MOTO_START_TIMEOUT_MS = 120_000;

/**
 * The command line of an emulator on 127.0.0.1:`port`: scripts/lib/moto_server_launcher.py, which is moto_server (same
 * WSGI application, same request handler) answering one request at a time, with routes to save and load accounts.
 */
export function motoServerCommand(port: number): { command: string; args: string[] } {
  const python = join(dirname(pythonTool('moto')), 'python');
  return { command: python, args: [join(repoRoot(), 'scripts', 'lib', 'moto_server_launcher.py'), '-H', '127.0.0.1', '-p', String(port)] };
}

/**
 * Starts the emulator on a free port, its stderr (werkzeug's log) in `logFile`, and waits until this process holds the
 * port and answers. A free port can be taken by another emulator between the pick and the bind (test files start
 * several at once): moto then exits with "Address already in use" while the other one answers, so only an answer after
 * our own "Running on <endpoint>" counts, and a taken port means starting again on another one (at most 3 times).
 */
export async function launchMoto(logFile: string, env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): Promise<{ child: ChildProcess; port: number; endpoint: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const server = motoServerCommand(port);
    const logFd = openSync(logFile, 'w');
    const child = spawn(server.command, server.args, { detached: options.detached ?? false, stdio: ['ignore', 'ignore', logFd], env });
    closeSync(logFd);
    // A spawn that fails (no such interpreter) says so here, not as an unhandled 'error' event later.
    child.once('error', () => undefined);
    if (child.pid === undefined) throw new Error(`moto_server: could not start ${server.command}`);
    if (options.detached) child.unref();
    if ((await untilBound(child, logFile, endpoint)) === 'bound') return { child, port, endpoint };
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`moto_server: the free port was taken before it bound, ${attempt} times in a row (last ${port})`);
  }
}

async function untilBound(child: ChildProcess, logFile: string, endpoint: string): Promise<'bound' | 'port taken'> {
  const logTail = () => readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  const deadline = Date.now() + MOTO_START_TIMEOUT_MS;
  for (;;) {
    const log = readFileSync(logFile, 'utf8');
    if (log.includes('Address already in use')) return 'port taken';
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${logTail()}`);
    try {
      // werkzeug says "Running on <endpoint>" once this process holds the port: before that, an answer is someone else's.
      const r = log.includes(`Running on ${endpoint}`) ? await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) }) : undefined;
      if (r?.ok) return 'bound';
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within ${MOTO_START_TIMEOUT_MS / 1000} s: ${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startMoto(options: { region?: string; serverEnv?: Record<string, string> } = {}): Promise<Moto> {
  // moto logs every request on stderr. A file, not a pipe: a pipe is drained by this process's event loop, which a
  // synchronous terraform run blocks for minutes; moto then blocks writing its log and every request hangs.
  const logDir = mkdtempSync(join(tmpdir(), 'moto-'));
  // serverEnv: moto's own switches (e.g. MOTO_ECS_SERVICE_RUNNING), read by the server process. AWS managed policies
  // (arn:aws:iam::aws:policy/...) exist in every AWS account; moto only loads them when asked.
  const { child, port, endpoint } = await launchMoto(join(logDir, 'moto.log'), { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...options.serverEnv });
  const region = options.region ?? 'eu-west-1';
  const env = emulatorEnv(endpoint, region);
  const snapshot = async (action: 'save' | 'load', query: Record<string, string>) => {
    const r = await fetch(`${endpoint}/_ecs_coexist/snapshot/${action}?${new URLSearchParams(query)}`, { method: 'POST' });
    if (!r.ok) throw new Error(`moto snapshot ${action} (${JSON.stringify(query)}) failed: ${r.status} ${await r.text()}`);
  };
  return {
    endpoint,
    port,
    env,
    serverEnv: { ...options.serverEnv },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    saveAccounts: (file, accounts) => snapshot('save', { file, accounts: accounts.join(',') }),
    loadAccounts: (file) => snapshot('load', { file }),
    async stop() {
      await stopChild(child);
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/** What the AWS SDK, Terraform and the cdktf CLI need to talk to the emulator: endpoint, dummy credentials, region. */
export function emulatorEnv(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // No instance metadata and no shared profiles: a developer's own AWS configuration must not leak in.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}
