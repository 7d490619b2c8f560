import { readFileSync } from 'node:fs';

/**
 * Which CDK framework this installation runs: HashiCorp's CDKTF (`cdktf`, deprecated on 2025-12-10) or its community
 * fork CDK Terrain (`cdktn`). The project always imports the module as `cdktf`; with CDK Terrain that name is an npm
 * alias of `cdktn` (`"cdktf": "npm:cdktn@…"`, see docs/framework.md), so the installed package's own name tells them
 * apart. Messages that tell a person which command to type use `frameworkCli()`, never a hard-coded `cdktf`.
 */
export type FrameworkName = 'cdktf' | 'cdktn';

export interface InstalledFramework {
  /** The package installed under the module name `cdktf`. */
  readonly name: FrameworkName;
  readonly version: string;
  /** The CLI's command (`cdktf` from cdktf-cli, `cdktn` from cdktn-cli). */
  readonly command: FrameworkName;
  /** The CLI's npm package, a devDependency. */
  readonly cliPackage: 'cdktf-cli' | 'cdktn-cli';
}

/** Pure: the framework a `cdktf/package.json` describes; throws one line for any other package. */
export function frameworkFromManifest(manifest: { name?: unknown; version?: unknown }): InstalledFramework {
  const name = manifest.name;
  if (name !== 'cdktf' && name !== 'cdktn') {
    throw new Error(`module cdktf: received package ${JSON.stringify(name)}; allowed: "cdktf" (CDKTF) or "cdktn" (CDK Terrain)`);
  }
  return { name, version: String(manifest.version), command: name, cliPackage: name === 'cdktf' ? 'cdktf-cli' : 'cdktn-cli' };
}

let cached: InstalledFramework | undefined;

/** The framework installed where this code runs (read once). */
export function installedFramework(): InstalledFramework {
  if (!cached) {
    // `cdktf` (either framework, the alias included); `cdktn` once the imports are renamed (docs/framework.md, AWS 6.x).
    let path: string;
    try {
      path = require.resolve('cdktf/package.json');
    } catch {
      path = require.resolve('cdktn/package.json');
    }
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
    cached = frameworkFromManifest(manifest);
  }
  return cached;
}

/** The command a person types for a stack command, e.g. `npx cdktf` or `npx cdktn`. */
export function frameworkCli(): string {
  return `npx ${installedFramework().command}`;
}
