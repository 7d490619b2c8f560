import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentNames } from '../../environments';
import { formatFindingLine, loadCheckovSkips, reviewedEnvironments, reviewScans, scanPlans, CHECKOV_SKIPS_FILE, type ReviewedScan } from '../../scripts/lib/checkov';
import { planStack, scratchDir, synthMain } from '../../scripts/lib/synth';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * The independent scan: checkov reads the offline plan of every environment. Zero findings may remain except the
 * ones in the reviewed list, and the list may hold nothing stale.
 */
describe('checkov on the offline plans', () => {
  const scratch = scratchDir('checkov');
  const environments = environmentNames();
  let reviewed: ReviewedScan[];
  let stale: string[];
  let version: string;

  beforeAll(() => {
    requireTerraform();
    requireBuild();
    // GIVEN every environment of main.ts, synthesized offline and planned
    const dirs = synthMain(join(scratch.dir, 'out'), 'offline');
    const plans: Record<string, string> = {};
    for (const env of environments) {
      const file = join(scratch.dir, `${env}.tfplan.json`);
      writeFileSync(file, JSON.stringify(planStack(dirs[env]).plan));
      plans[env] = file;
    }
    // WHEN checkov scans the plans and the reviewed list is applied
    const scan = scanPlans(plans);
    version = scan.version;
    ({ reviewed, stale } = reviewScans(scan.scans, loadCheckovSkips(undefined, reviewedEnvironments())));
    for (const r of reviewed) {
      process.stdout.write(`checkov ${version} ${r.environment}: passed ${r.passed}, failed ${r.failed.length}, skipped ${r.skipped.length} (reviewed in ${CHECKOV_SKIPS_FILE})\n`);
    }
  }, 300_000);
  afterAll(() => scratch.remove());

  test('every environment was scanned with real checks', () => {
    expect(reviewed.map((r) => r.environment)).toEqual(environments);
    // A scan that silently checked nothing would pass every other assertion.
    for (const r of reviewed) expect(r.passed).toBeGreaterThan(100);
  });

  test('no failed check remains outside the reviewed list', () => {
    expect(reviewed.flatMap((r) => r.failed.map(formatFindingLine))).toEqual([]);
  });

  test('every entry of the reviewed list still matches a finding in each environment it names', () => {
    expect(stale).toEqual([]);
  });
});
