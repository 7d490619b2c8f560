import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Long-lived AWS provider servers for the test suite, handed to Terraform through TF_REATTACH_PROVIDERS.
 *
 * Why: every `terraform validate/plan/show` of a stack hashes the ~700 MB provider package against the lock file
 * and starts the provider one to three times (validate 2, plan 3, show 1), each start building its schema again.
 * Against a running server Terraform does neither. Measured on the offline dev stack (CPU of terraform and provider):
 * plan 5.1 s, 3.9 s on a fresh server; validate 3.5 s, 1.5 s on a server that has served before; show -json 2.7 s, 1.1 s.
 * The suite runs hundreds of these.
 *
 * Why it is safe (each point is a condition below, not a hope):
 * - one Terraform process at a time per server: a server is leased for one command and given back after it, so two
 *   concurrent commands (two stacks applied side by side) get two servers; a server lives in one Node process only;
 * - a provider reads AWS_* variables (endpoint, credentials, CA bundle, config files) from its own environment, not
 *   Terraform's: servers are keyed by the whole environment of the command and the provider binary, so a command only
 *   reuses a server started with exactly its environment;
 * - a provider's configuration belongs to its process (SDKv2 and the plugin framework keep the configured client on
 *   the server), and reconfiguring one is not safe: with AWS_CA_BUNDLE set (as on this machine) the second
 *   ConfigureProvider fails ("unable to add custom RootCAs HTTPClient, has no WithTransportOptions"). So a server is
 *   configured by one command at most: each plan or apply takes a server no command has configured; validate and
 *   show, which only read schemas and never configure, take any. An apply configures its server twice (once per walk,
 *   as it configures Terraform's own providers): served only without AWS_CA_BUNDLE (see plainHttpOnly). One configuration also means one provider block:
 *   a plan or apply of a configuration with an aliased or second `aws` provider, modules, or files other than
 *   cdk.tf.json runs Terraform's own providers (validate and show, which configure nothing, are served for any).
 *   __tests__/terraform/provider-pool.test.ts proves that plans and validations of different stacks through the pool
 *   equal those of Terraform's own providers.
 * Measured on the offline stacks (plan + show -json + validate of dev, prod, dev): 38.8 s of CPU with Terraform's own
 * providers, 24.1 s with the pool (servers included).
 * Off unless ECS_COEXIST_PROVIDER_POOL=1 (set by the Jest global setup): users' commands run Terraform unchanged.
 */
export const PROVIDER_POOL_ENV = 'ECS_COEXIST_PROVIDER_POOL';

const PROVIDER = 'registry.terraform.io/hashicorp/aws';
/**
 * Commands served: plan configures the provider once (its plan walk); validate and show only read schemas; apply,
 * destroy and refresh configure it once per walk (plan, then apply), which a server whose environment has
 * AWS_CA_BUNDLE refuses (see below), so they are served only by servers without it. Never init: it installs the
 * provider and must see it as managed.
 */
const PROVIDER_COMMANDS = new Set(['validate', 'plan', 'show', 'apply', 'destroy', 'refresh']);
const CONFIGURING = new Set(['plan', 'apply', 'destroy', 'refresh']);
const CONFIGURING_TWICE = new Set(['apply', 'destroy', 'refresh']);
/** Idle servers kept per process beyond which the least recently used is stopped (each holds ~400 MB). */
const MAX_IDLE = 2;
const START_TIMEOUT_MS = 120_000;

interface Server {
  readonly key: string;
  readonly reattach: string;
  readonly providerPid: number;
  readonly child: ChildProcess;
  busy: boolean;
  /** A command has configured it: it serves no other configuring command. */
  configured: boolean;
  lastUsed: number;
}

export interface ProviderLease {
  /** Add to the Terraform command's environment. */
  readonly env: { TF_REATTACH_PROVIDERS: string };
  /** Gives the server back once the command has exited. */
  release(): void;
}

const servers: Server[] = [];
let outputDir: string | undefined;
let uses = 0;
const stats = { started: 0, leases: 0 };

/** How many servers this process started and how many commands they served (what the pool's test checks). */
export function providerPoolStats(): { readonly started: number; readonly leases: number } {
  return { ...stats };
}

/** A server for one Terraform command in `cwd` with `env`, or undefined when the command must start its own providers. */
export function leaseProvider(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): ProviderLease | undefined {
  if (process.env[PROVIDER_POOL_ENV] !== '1' || !PROVIDER_COMMANDS.has(args[0]) || env.TF_REATTACH_PROVIDERS) return undefined;
  const provider = singleAwsProvider(cwd, !CONFIGURING.has(args[0]));
  if (!provider) return undefined;
  const serverEnv = { ...env };
  if (serverEnv.AWS_CA_BUNDLE && plainHttpOnly(env, provider.block)) delete serverEnv.AWS_CA_BUNDLE;
  if (CONFIGURING_TWICE.has(args[0]) && serverEnv.AWS_CA_BUNDLE) return undefined;
  const binary = provider.binary;
  const key = createHash('sha256')
    .update(JSON.stringify([binary, Object.entries(serverEnv).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))]))
    .digest('hex');
  const configures = CONFIGURING.has(args[0]);
  let server = servers.find((s) => s.key === key && !s.busy && !(configures && s.configured) && alive(s));
  if (!server) {
    stopIdleBeyond(MAX_IDLE - 1);
    server = start(key, binary, serverEnv);
    if (!server) return undefined;
    servers.push(server);
    stats.started++;
  }
  stats.leases++;
  const leased = server;
  leased.busy = true;
  leased.configured ||= configures;
  return {
    env: { TF_REATTACH_PROVIDERS: leased.reattach },
    release() {
      leased.busy = false;
      leased.lastUsed = ++uses;
    },
  };
}

/** Stops every server of this process and waits for them to exit (Jest: after each test file, see __tests__/setup.ts). */
export async function closeProviderPool(): Promise<void> {
  const all = servers.splice(0);
  await Promise.all(all.map(stop));
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
  outputDir = undefined;
}

/**
 * The provider talks to nothing but a plain-HTTP endpoint (the emulator: AWS_ENDPOINT_URL=http://..., no per-service
 * endpoint, no CA bundle of its own), so a CA bundle cannot change what it does: its server may run without
 * AWS_CA_BUNDLE, and then apply is served too.
 */
function plainHttpOnly(env: NodeJS.ProcessEnv, block: Record<string, unknown>): boolean {
  const perService = Object.keys(env).some((k) => k.startsWith('AWS_ENDPOINT_URL_'));
  return /^http:\/\//.test(env.AWS_ENDPOINT_URL ?? '') && !perService && !('endpoints' in block) && !('custom_ca_bundle' in block);
}

/**
 * The installed AWS provider when `cwd` is a configuration the pool may serve (see above), else undefined. A command
 * that only reads schemas (`schemaOnly`: validate, show) never configures the provider, so any configuration is
 * served, HCL, aliases and modules included: only the installed binary matters, and its block is not read.
 */
function singleAwsProvider(cwd: string, schemaOnly: boolean): { binary: string; block: Record<string, unknown> } | undefined {
  const block = schemaOnly ? {} : onlyAwsBlock(cwd);
  const binary = block && installedAwsBinary(cwd);
  return binary ? { binary, block } : undefined;
}

/** The one `aws` provider block of a configuration that is cdk.tf.json alone, without modules or aliases, else undefined. */
function onlyAwsBlock(cwd: string): Record<string, unknown> | undefined {
  let names: string[];
  try {
    names = readdirSync(cwd).filter((n) => n.endsWith('.tf') || n.endsWith('.tf.json'));
  } catch {
    return undefined;
  }
  if (names.length !== 1 || names[0] !== 'cdk.tf.json') return undefined;
  const tf = JSON.parse(readFileSync(join(cwd, 'cdk.tf.json'), 'utf8')) as { provider?: Record<string, unknown>; module?: unknown };
  const aws = tf.provider?.aws;
  if (tf.module || !Array.isArray(aws) || aws.length !== 1 || (aws[0] as { alias?: string }).alias) return undefined;
  return aws[0] as Record<string, unknown>;
}

/** The AWS provider binary `terraform init` installed in `cwd` (one version only), resolved, else undefined. */
function installedAwsBinary(cwd: string): string | undefined {
  const root = join(cwd, '.terraform', 'providers', PROVIDER);
  const versions = existsSync(root) ? readdirSync(root) : [];
  if (versions.length !== 1) return undefined;
  const platform = join(root, versions[0], `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`);
  const exe = existsSync(platform) ? readdirSync(platform).find((n) => n.startsWith('terraform-provider-aws')) : undefined;
  return exe ? realpathSync(join(platform, exe)) : undefined;
}

/**
 * Starts `binary -debug` (it serves until interrupted and prints its reattach configuration) under a shell that
 * interrupts it when its stdin closes: when this process stops the pool, or exits or dies in any way, so a server
 * never outlives its user. Waits synchronously for the configuration (Terraform runs synchronously here too).
 */
function start(key: string, binary: string, env: NodeJS.ProcessEnv): Server | undefined {
  outputDir ??= mkdtempSync(join(tmpdir(), 'provider-pool-'));
  const out = join(outputDir, `${key.slice(0, 16)}-${servers.length}-${Date.now()}.out`);
  const fd = openSync(out, 'w');
  const child = spawn('/bin/sh', ['-c', '"$0" -debug >&3 2>&3 & p=$!; read _; kill -INT $p 2>/dev/null; wait $p', binary], {
    stdio: ['pipe', 'ignore', 'ignore', fd],
    env,
    cwd: outputDir,
  });
  closeSync(fd);
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  child.stdin!.on('error', () => undefined);
  const deadline = Date.now() + START_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    const match = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(readFileSync(out, 'utf8'));
    if (match) {
      const config = JSON.parse(match[1]) as Record<string, { Pid: number }>;
      const providerPid = config[PROVIDER]?.Pid;
      if (providerPid) return { key, reattach: match[1], providerPid, child, busy: false, configured: false, lastUsed: ++uses };
      break;
    }
    if (!pidAlive(child.pid)) break;
    Atomics.wait(pause, 0, 0, 25);
  }
  // Could not serve: Terraform starts its own providers, as without the pool.
  void stop({ child } as Server);
  return undefined;
}

function stopIdleBeyond(keep: number): void {
  const idle = servers.filter((s) => !s.busy).sort((a, b) => a.lastUsed - b.lastUsed);
  for (const s of idle.slice(0, Math.max(0, idle.length - keep))) {
    servers.splice(servers.indexOf(s), 1);
    void stop(s);
  }
}

function stop(server: Pick<Server, 'child'> & Partial<Pick<Server, 'providerPid'>>): Promise<void> {
  const { child, providerPid } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.ref();
  return new Promise((resolve) => {
    // A provider that ignores the interrupt is killed: the shell waits for it, and this for the shell.
    const timer = setTimeout(() => {
      if (providerPid && pidAlive(providerPid)) process.kill(providerPid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin!.end();
  });
}

function alive(server: Server): boolean {
  return pidAlive(server.providerPid);
}

/** A process that runs (not exited, and not a zombie its parent has yet to reap: this loop may block the reaping). */
function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}
