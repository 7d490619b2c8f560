import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EXIT, ReleaseError, show } from '../release/errors';

/** Username and password for a registry (for a token-based registry, the password is the token). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for messages (never the secret itself). */
  readonly source: string;
}

/**
 * Reads pull credentials from a Secrets Manager secret in the format ECS's `repositoryCredentials` reads
 * (`{"username": "...", "password": "..."}`): the release resolves the tag with exactly what the task will pull with.
 */
export async function credentialsFromSecret(sm: Pick<SecretsManagerClient, 'send'>, secretId: string): Promise<RegistryCredentials> {
  let text: string | undefined;
  try {
    const r = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = r.SecretString;
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new ReleaseError(EXIT.REFUSED, `registry credentials: secret ${show(secretId)} could not be read (${err.name ?? 'Error'}: ${show(err.message ?? '')})`);
  }
  const bad = (what: string) =>
    new ReleaseError(EXIT.REFUSED, `registry credentials: secret ${show(secretId)} ${what}; allowed: a SecretString {"username": "...", "password": "..."} (ECS repositoryCredentials format)`);
  if (text === undefined) throw bad('has no SecretString');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  const o = parsed as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || typeof o.username !== 'string' || typeof o.password !== 'string' || !o.username || !o.password) {
    throw bad('lacks a non-empty "username" and "password"');
  }
  return { username: o.username, password: o.password, source: `Secrets Manager secret ${secretId}` };
}

/** Runs `docker-credential-<helper> get` with the host on stdin (the credential helper protocol). */
export type HelperRunner = (helper: string, serverUrl: string) => { status: number | null; stdout: string; stderr: string; error?: Error };

const runHelper: HelperRunner = (helper, serverUrl) => {
  const r = spawnSync(`docker-credential-${helper}`, ['get'], { input: serverUrl, encoding: 'utf8', timeout: 30_000, env: process.env });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
};

export interface DockerConfigOptions {
  /** Folder holding config.json: @default $DOCKER_CONFIG, else ~/.docker */
  readonly configDir?: string;
  readonly runHelper?: HelperRunner;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The keys Docker may have stored a registry under (`docker login host` writes the bare host; old clients a URL). */
function keysFor(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/**
 * Credentials a workstation's `docker login` stored: `credHelpers[host]`, else the `auths` entry, else `credsStore`
 * (Docker's own order). Undefined when the registry has none (anonymous pull). A broken entry or a failing helper is
 * an error naming the file or the helper, never ignored.
 */
export function credentialsFromDockerConfig(registry: string, options: DockerConfigOptions = {}): RegistryCredentials | undefined {
  const dir = options.configDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  let config: DockerConfig;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch (e) {
    throw new ReleaseError(EXIT.USAGE, `${file}: received text that is not JSON (${show((e as Error).message)}); allowed: Docker's config.json`);
  }
  const keys = keysFor(registry);
  const helperName = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
  if (helperName) return fromHelper(helperName, registry, options.runHelper ?? runHelper);
  const key = keys.find((k) => config.auths?.[k]);
  const entry = key ? config.auths![key] : undefined;
  if (entry) {
    if (entry.identitytoken) {
      throw new ReleaseError(EXIT.USAGE, `${file}: auths.${registry}.identitytoken: received an OAuth identity token; allowed: username and password (docker login with a password or access token)`);
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, source: `${file} auths` };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep <= 0) throw new ReleaseError(EXIT.USAGE, `${file}: auths.${registry}.auth: received a value that is not base64 of "user:password"; allowed: what docker login writes`);
      return { username: decoded.slice(0, sep), password: decoded.slice(sep + 1), source: `${file} auths` };
    }
  }
  if (config.credsStore) return fromHelper(config.credsStore, registry, options.runHelper ?? runHelper, true);
  return undefined;
}

function fromHelper(helper: string, registry: string, run: HelperRunner, storeWide = false): RegistryCredentials | undefined {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(helper)) {
    throw new ReleaseError(EXIT.USAGE, `docker credential helper: received ${show(helper)}; allowed: a helper name (docker-credential-<name> on PATH)`);
  }
  const url = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  const r = run(helper, url);
  if (r.error) throw new ReleaseError(EXIT.REFUSED, `docker-credential-${helper}: could not run (${show(r.error.message)}); install it or remove it from ~/.docker/config.json`);
  if (r.status !== 0) {
    // The store as a whole (credsStore) simply may not know this registry: anonymous, like Docker.
    if (storeWide && /credentials not found/i.test(r.stdout + r.stderr)) return undefined;
    throw new ReleaseError(EXIT.REFUSED, `docker-credential-${helper} get ${registry}: exit ${r.status} (${show((r.stderr || r.stdout).trim())})`);
  }
  let o: { Username?: unknown; Secret?: unknown };
  try {
    o = JSON.parse(r.stdout) as typeof o;
  } catch {
    throw new ReleaseError(EXIT.REFUSED, `docker-credential-${helper} get ${registry}: printed text that is not JSON; allowed: {"Username","Secret"}`);
  }
  if (typeof o.Username !== 'string' || typeof o.Secret !== 'string' || !o.Secret) {
    throw new ReleaseError(EXIT.REFUSED, `docker-credential-${helper} get ${registry}: printed no Username and Secret`);
  }
  if (o.Username === '<token>') {
    throw new ReleaseError(EXIT.USAGE, `docker-credential-${helper} get ${registry}: received an OAuth identity token; allowed: username and password`);
  }
  return { username: o.Username, password: o.Secret, source: `docker-credential-${helper}` };
}
