import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';

/**
 * Golden Markdown files under __tests__/golden/, reviewed by a person and committed. `UPDATE_GOLDEN=1 npm test`
 * rewrites them; review the diff before committing. Values that differ between two runs of the same plan are
 * replaced before comparing, and only those: object ids Terraform or the emulator generate (UUIDs), the plan
 * fingerprint (it covers those ids), Terraform's patch version.
 */
export function normalizeForGolden(markdown: string): string {
  return markdown
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/plan-sha256=[0-9a-f]{64}/g, 'plan-sha256=<sha256>')
    .replace(/plan fingerprint `[0-9a-f]{12}`/g, 'plan fingerprint `<fingerprint>`')
    .replace(/Terraform \d+\.\d+\.\d+/g, 'Terraform <version>');
}

export const GOLDEN_DIR = join(repoRoot(), '__tests__', 'golden');

export function expectGolden(name: string, markdown: string): void {
  const file = join(GOLDEN_DIR, `${name}.md`);
  const actual = normalizeForGolden(markdown);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 npm test, review it, commit it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
