import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths';
import { leaseProvider } from './provider-pool';
import { logTerraformCommand } from './terraform-log';

/** Thrown when Terraform cannot run here; the message is one line saying what to install or set. */
export class TerraformUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerraformUnavailable';
  }
}

export interface TerraformSetup {
  /** Environment for every terraform child process. */
  readonly env: NodeJS.ProcessEnv;
  /** How providers are installed, in words (printed by preview and the tests). */
  readonly providerSource: string;
  readonly version: string;
}

/**
 * Folders where air-gapped machines commonly ship a provider mirror, tried after `TF_PROVIDER_MIRROR`. Terraform's
 * own implied mirror folders come first: Terraform would use them by itself, we only make it explicit.
 */
const MIRROR_CANDIDATES = [
  join(homedir(), '.terraform.d', 'plugins'),
  join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
  '/opt/tf-plugins',
  '/opt/terraform/plugins',
];

/** Providers (`host/namespace/type`) present in a filesystem mirror laid out as Terraform documents it. */
export function mirrorProviders(mirror: string): string[] {
  const out: string[] = [];
  for (const host of safeReaddir(mirror)) {
    for (const ns of safeReaddir(join(mirror, host))) {
      for (const type of safeReaddir(join(mirror, host, ns))) out.push(`${host}/${ns}/${type}`);
    }
  }
  return out.filter((p) => /^[\w.-]+\/[\w-]+\/[\w-]+$/.test(p));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The mirror to use: `TF_PROVIDER_MIRROR` when set (it must exist), else the first candidate holding the AWS provider. */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.TF_PROVIDER_MIRROR;
  if (explicit) {
    if (mirrorProviders(explicit).length === 0) {
      throw new TerraformUnavailable(`TF_PROVIDER_MIRROR: received "${explicit}"; allowed: a folder laid out as <host>/<namespace>/<type>/... (a Terraform filesystem mirror)`);
    }
    return explicit;
  }
  return MIRROR_CANDIDATES.find((dir) => mirrorProviders(dir).includes('registry.terraform.io/hashicorp/aws'));
}

/**
 * Links an unpacked mirror's provider folders into the plugin cache, so `terraform init` only ever reads the cache
 * (Terraform's cache is not safe for concurrent writers, and parallel test workers init at the same time).
 */
function seedPluginCache(mirror: string, providers: string[], cache: string): void {
  for (const provider of providers) {
    for (const version of safeReaddir(join(mirror, provider))) {
      for (const platform of safeReaddir(join(mirror, provider, version))) {
        const source = join(mirror, provider, version, platform);
        const target = join(cache, provider, version, platform);
        if (existsSync(target) || !statSync(source).isDirectory()) continue;
        mkdirSync(dirname(target), { recursive: true });
        const temp = `${target}.${process.pid}.tmp`;
        symlinkSync(source, temp, 'dir');
        try {
          renameSync(temp, target);
        } catch {
          rmSync(temp, { force: true });
        }
      }
    }
  }
}

/**
 * Every process that runs Terraform (each test file, the sandbox's child, preview) writes this CLI configuration, while
 * the others' `terraform init` may be reading it: written in place, a reader could see it truncated and fall back to
 * the public registry (the sandbox failed to start beside another e2e file that way). An unchanged file is left alone;
 * a changed one is replaced in one rename, so a reader sees the old file or the new one, never a part.
 */
function writeIfChanged(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: written below
  }
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

let cached: TerraformSetup | undefined;

/**
 * How to run Terraform here, honouring a provider mirror:
 * 1. `TF_CLI_CONFIG_FILE` naming an existing file: the user's own CLI configuration, used as is;
 * 2. else a filesystem mirror (`TF_PROVIDER_MIRROR`, or a well-known folder holding the AWS provider): a generated CLI
 *    configuration installs the mirrored providers from it and everything else from the registry;
 * 3. else the normal registry download.
 * A shared plugin cache (`.terraform-cache/plugins`) keeps the ~700 MB AWS provider from being copied per directory.
 */
export function terraformSetup(): TerraformSetup {
  if (cached) return cached;
  const probe = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new TerraformUnavailable('terraform not found on PATH: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) and retry');
  }
  const version = (JSON.parse(probe.stdout) as { terraform_version: string }).terraform_version;
  const [major, minor] = version.split('.').map(Number);
  if (major < 1 || (major === 1 && minor < 10)) {
    throw new TerraformUnavailable(`terraform ${version} found; allowed: >= 1.10 (S3 native state locking): upgrade Terraform`);
  }

  const root = repoRoot();
  const cacheRoot = join(root, '.terraform-cache');
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  // Terraform and the providers it starts are short-lived Go processes that spend a fifth of their CPU collecting
  // garbage while loading the AWS provider's schema: collecting at 4x the live heap instead of 2x took a plan of a stack
  // here from 7.4 s to 5.9 s of CPU, for 620 MB instead of 460 MB at peak. A GOGC of the caller's own is kept.
  env.GOGC ??= '400';
  let providerSource: string;
  const userConfig = process.env.TF_CLI_CONFIG_FILE;
  if (userConfig && existsSync(userConfig)) {
    providerSource = `your CLI configuration ${userConfig}`;
  } else {
    const mirror = findProviderMirror();
    if (mirror) {
      const providers = mirrorProviders(mirror);
      mkdirSync(cacheRoot, { recursive: true });
      const rc = join(cacheRoot, 'terraformrc');
      const list = JSON.stringify(providers);
      writeIfChanged(
        rc,
        `# Generated by scripts/lib/terraform.ts: providers found in ${mirror} come from there, the rest from the registry.\n` +
          `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ${list}\n  }\n` +
          `  direct {\n    exclude = ${list}\n  }\n}\n`,
      );
      env.TF_CLI_CONFIG_FILE = rc;
      providerSource = `filesystem mirror ${mirror}`;
      if (!env.TF_PLUGIN_CACHE_DIR) seedPluginCache(mirror, providers, join(cacheRoot, 'plugins'));
    } else {
      // A TF_CLI_CONFIG_FILE naming a missing file only produces warnings: drop it and use the registry.
      delete env.TF_CLI_CONFIG_FILE;
      providerSource = 'registry.terraform.io';
    }
  }
  if (!env.TF_PLUGIN_CACHE_DIR) {
    env.TF_PLUGIN_CACHE_DIR = join(cacheRoot, 'plugins');
    mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
    // Since Terraform 1.4 a lock file without this platform's checksum (a fresh working directory, or one seeded by
    // linkImpliedMirror) makes `init` ignore the cache and reinstall into it: it removes the seeded entry and copies
    // the ~700 MB provider, racing every other init of the parallel test workers ("failed to create directory …: file
    // exists"). The cache entries are links to the mirror itself, so trusting them cannot install other bytes.
    env.TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE ??= 'true';
  }
  cached = { env, providerSource, version };
  return cached;
}

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs terraform in `cwd`; throws with the tail of stderr unless the exit code is in `okCodes` (default [0]). */
export function terraform(args: string[], cwd: string, options: { okCodes?: number[]; env?: NodeJS.ProcessEnv } = {}): TerraformResult {
  const setup = terraformSetup();
  const env = { ...setup.env, ...options.env };
  const lease = leaseProvider(args, cwd, env);
  let r: SpawnSyncReturns<string>;
  let code: number;
  try {
    const log = logTerraformCommand(args, cwd, lease?.env.TF_REATTACH_PROVIDERS);
    r = spawnSync(log?.command ?? 'terraform', log?.args ?? [...args, '-no-color'], { cwd, env: { ...env, ...lease?.env }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    code = log ? log.finish(r.status ?? -1) : (r.status ?? -1);
  } finally {
    lease?.release();
  }
  const result = { code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (!(options.okCodes ?? [0]).includes(result.code)) {
    const detail = (result.stderr || result.stdout).trim().split('\n').filter((l) => l.trim()).slice(-12).join('\n');
    throw new Error(`terraform ${args[0]} failed in ${cwd} (exit ${result.code}):\n${detail}`);
  }
  return result;
}

/** `terraform init` for a synthesized stack directory (local or no backend). */
export function terraformInit(cwd: string, options: { backend?: boolean } = {}): void {
  const args = ['init', '-input=false'];
  if (options.backend === false) args.push('-backend=false');
  terraform(args, cwd);
}

/**
 * Makes the provider mirror (when one is configured or found, see findProviderMirror) serve Terraform run by anything
 * in `stackDir`, including the cdktf CLI (`cdktf diff/plan/deploy` run `terraform init` there with the user's plain
 * environment):
 * - `terraform.d/plugins` in the working directory is one of Terraform's implied local mirror folders, so a link there
 *   installs the mirrored providers without the registry (a user's own CLI configuration with a
 *   `provider_installation` block still wins, as Terraform documents);
 * - without a dependency lock file, cdktf runs `terraform providers lock`, which ignores every mirror and asks the
 *   registry. A lock file naming the mirrored versions (no checksums yet: `terraform init` records them from the
 *   mirror, as a first init always does) stops that. An existing lock file is left as it is.
 * Returns the mirror linked, if any.
 */
export function linkImpliedMirror(stackDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const mirror = findProviderMirror(env);
  if (!mirror) return undefined;
  const plugins = join(stackDir, 'terraform.d', 'plugins');
  rmSync(plugins, { recursive: true, force: true });
  mkdirSync(dirname(plugins), { recursive: true });
  symlinkSync(mirror, plugins, 'dir');
  const lockFile = join(stackDir, '.terraform.lock.hcl');
  if (!existsSync(lockFile)) {
    const locks = mirroredRequirements(stackDir, mirror).map(
      (p) => `provider ${JSON.stringify(p.address)} {\n  version     = ${JSON.stringify(p.version)}\n  constraints = ${JSON.stringify(p.version)}\n}\n`,
    );
    if (locks.length) writeFileSync(lockFile, `# Seeded by scripts/lib/terraform.ts from ${mirror}; terraform init adds the checksums.\n${locks.join('\n')}`);
  }
  return mirror;
}

/** The stack's required providers pinned to one exact version that the mirror holds. */
function mirroredRequirements(stackDir: string, mirror: string): { address: string; version: string }[] {
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as { terraform?: { required_providers?: Record<string, { source?: string; version?: string }> } };
  const out: { address: string; version: string }[] = [];
  for (const [name, req] of Object.entries(tf.terraform?.required_providers ?? {})) {
    const parts = (req.source ?? name).split('/');
    const address = parts.length === 3 ? parts.join('/') : `registry.terraform.io/${parts.length === 2 ? parts.join('/') : `hashicorp/${parts[0]}`}`;
    const version = req.version?.trim().replace(/^=\s*/, '');
    if (version && /^\d+\.\d+\.\d+$/.test(version) && existsSync(join(mirror, address, version))) out.push({ address: address.toLowerCase(), version });
  }
  return out;
}
