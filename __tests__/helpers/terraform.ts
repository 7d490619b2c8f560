import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';
import { terraformSetup } from '../../scripts/lib/terraform';

/**
 * Tiers that need Terraform call this in beforeAll: it throws (failing the suite loudly, never skipping it) when
 * terraform is missing or when dist/ was not built (npm test builds first).
 */
export function requireTerraform(): void {
  const setup = terraformSetup();
  process.stdout.write(`terraform ${setup.version}, providers from ${setup.providerSource}\n`);
}

export function requireBuild(): void {
  if (!existsSync(join(repoRoot(), 'dist', 'main.js'))) {
    throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  }
}
