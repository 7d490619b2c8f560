import { join } from 'node:path';
import { installedFramework, type InstalledFramework } from '../../src/framework';

/**
 * The TypeScript project template of the installed CLI (what `init --template=typescript` copies): cdktf-cli's or
 * cdktn-cli's. CDK Terrain's template imports `cdktn`, a module this project installs under the name `cdktf` (npm
 * alias), so `toInstalledModule` rewrites that import; CDKTF's template passes through unchanged. Used by the bench's
 * template baseline (scripts/lib/bench/template-app.ts).
 */
export function cliTemplate(root: string, framework: InstalledFramework = installedFramework()): { dir: string; toInstalledModule: (source: string) => string } {
  return {
    dir: join(root, 'node_modules', framework.cliPackage, 'bundle', 'templates', 'typescript'),
    toInstalledModule: (source) => source.replace(/(from\s+)(["'])cdktn\2/g, '$1$2cdktf$2'),
  };
}
