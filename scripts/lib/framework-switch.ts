import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run framework -- terrain` / `-- cdktf`: moves this project between HashiCorp's CDKTF and its community fork
 * CDK Terrain by rewriting package.json and package-lock.json, nothing else. The sources keep importing `cdktf`: with
 * CDK Terrain that module name is an npm alias of `cdktn`, so no file but the two manifests changes.
 */
export type Row = 'cdktf' | 'terrain';
export const ROWS: readonly Row[] = ['cdktf', 'terrain'];

/** What each row pins. The `overrides` entry lets `@cdktf/provider-aws` (peer `cdktf ^0.21`) accept the alias. */
export const ROW_PINS = {
  cdktf: { library: '0.21.0', cli: { name: 'cdktf-cli', version: '0.21.0' }, nodeMinimum: '20.0.0' },
  terrain: { library: 'npm:cdktn@0.24.0', cli: { name: 'cdktn-cli', version: '0.24.0' }, nodeMinimum: '22.19.0' },
} as const;
const OVERRIDE = { key: 'cdktf', value: '$cdktf' } as const;

export class FrameworkSwitchError extends Error {}

type Manifest = Record<string, unknown> & {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
};

/** The row a package.json is on; throws one line when it is on neither (hand edits, other versions). */
export function detectRow(pkg: Manifest): Row {
  const lib = pkg.dependencies?.cdktf;
  const dev = pkg.devDependencies ?? {};
  for (const row of ROWS) {
    const pins = ROW_PINS[row];
    const other = ROW_PINS[row === 'cdktf' ? 'terrain' : 'cdktf'];
    const override = pkg.overrides?.[OVERRIDE.key];
    const overrideOk = row === 'terrain' ? override === OVERRIDE.value : override === undefined;
    if (lib === pins.library && dev[pins.cli.name] === pins.cli.version && !(other.cli.name in dev) && overrideOk) return row;
  }
  throw new FrameworkSwitchError(
    `package.json: received dependencies.cdktf ${JSON.stringify(lib ?? null)}, cdktf-cli ${JSON.stringify(dev['cdktf-cli'] ?? null)}, ` +
      `cdktn-cli ${JSON.stringify(dev['cdktn-cli'] ?? null)}, overrides.cdktf ${JSON.stringify(pkg.overrides?.[OVERRIDE.key] ?? null)}; ` +
      `allowed: cdktf ${ROW_PINS.cdktf.library} + cdktf-cli ${ROW_PINS.cdktf.cli.version}, or cdktf "${ROW_PINS.terrain.library}" + ` +
      `cdktn-cli ${ROW_PINS.terrain.cli.version} + overrides.cdktf "${OVERRIDE.value}"`,
  );
}

/** Replaces key `from` by `to` (value `value`) where `from` stood, keeping every other key's order. */
function renameKey(obj: Record<string, string>, from: string, to: string, value: string): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => (k === from ? [to, value] : [k, v])));
}

/**
 * Pure: package.json moved to `target`. Key order is kept (the CLI keeps its place: `cdktf-cli` and `cdktn-cli` sort
 * alike), so moving there and back gives the same text.
 */
export function rewriteManifest(pkg: Manifest, target: Row): Manifest {
  const from = detectRow(pkg);
  if (from === target) return pkg;
  const pins = ROW_PINS[target];
  const out: Manifest = { ...pkg };
  out.dependencies = { ...pkg.dependencies, cdktf: pins.library };
  out.devDependencies = renameKey(pkg.devDependencies ?? {}, ROW_PINS[from].cli.name, pins.cli.name, pins.cli.version);
  if (target === 'terrain') {
    out.overrides = { ...(pkg.overrides ?? {}), [OVERRIDE.key]: OVERRIDE.value };
  } else {
    const rest = Object.fromEntries(Object.entries(pkg.overrides ?? {}).filter(([k]) => k !== OVERRIDE.key));
    if (Object.keys(rest).length > 0) out.overrides = rest;
    else delete out.overrides;
  }
  return out;
}

/** package.json as npm writes it: two-space JSON and a final newline. */
export function formatManifest(pkg: Manifest): string {
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export interface SwitchResult {
  readonly from: Row;
  readonly to: Row;
  /** How the lock was produced: unchanged, restored from the stash of the last switch, or re-resolved by npm. */
  readonly lock: 'unchanged' | 'restored' | 'resolved';
}

/** Where a switch keeps the manifests it leaves, so switching back restores the exact lock (git-ignored). */
export function stashDir(root: string, row: Row): string {
  return join(root, '.work', 'framework', row);
}

/**
 * Moves the project in `root` to `target`: rewrites package.json; the lock is the one this row had before the last
 * switch when nothing else in package.json changed since (a round trip gives back both files byte for byte),
 * otherwise npm re-resolves it (`npm install --package-lock-only`: only the framework's packages move). node_modules
 * is not touched: run `npm ci` afterwards.
 */
export function switchFramework(root: string, target: Row, options: { npm?: string; env?: NodeJS.ProcessEnv } = {}): SwitchResult {
  const pkgPath = join(root, 'package.json');
  const lockPath = join(root, 'package-lock.json');
  const text = readFileSync(pkgPath, 'utf8');
  let pkg: Manifest;
  try {
    pkg = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new FrameworkSwitchError(`package.json: received text that is not JSON (${(e as Error).message}); allowed: a JSON object`);
  }
  const from = detectRow(pkg);
  if (from === target) return { from, to: target, lock: 'unchanged' };
  const next = formatManifest(rewriteManifest(pkg, target));

  // Keep what we leave, so that coming back is exact.
  const leaving = stashDir(root, from);
  mkdirSync(leaving, { recursive: true });
  writeFileSync(join(leaving, 'package.json'), text);
  if (existsSync(lockPath)) copyFileSync(lockPath, join(leaving, 'package-lock.json'));

  writeFileSync(pkgPath, next);
  const arriving = stashDir(root, target);
  const stashedPkg = join(arriving, 'package.json');
  const stashedLock = join(arriving, 'package-lock.json');
  if (existsSync(stashedPkg) && existsSync(stashedLock) && readFileSync(stashedPkg, 'utf8') === next) {
    copyFileSync(stashedLock, lockPath);
    return { from, to: target, lock: 'restored' };
  }
  const r = spawnSync(options.npm ?? 'npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: root,
    env: options.env ?? process.env,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    // Leave the project as it was: a half switch (new package.json, old lock) would make `npm ci` fail.
    writeFileSync(pkgPath, text);
    if (existsSync(join(leaving, 'package-lock.json'))) copyFileSync(join(leaving, 'package-lock.json'), lockPath);
    const detail = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').filter((l) => /\bERR|npm error/i.test(l)).slice(-3).join(' | ');
    throw new FrameworkSwitchError(`npm could not resolve the ${target} lock (exit ${r.status}): ${detail || 'no detail'}; package.json and the lock are unchanged`);
  }
  return { from, to: target, lock: 'resolved' };
}
