import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measurePlanCommentScale, writeSyntheticPlan } from '../../scripts/lib/bench/plan-comment-scale';
import { scratchDir } from '../../scripts/lib/synth';
import { parsePlan } from '../../src/plan-comment/plan';
import { summarize } from '../../src/plan-comment/summary';
import { requireBuild } from '../helpers/terraform';

/**
 * A correctness smoke test of the bench's plan-comment scale figures at tiny sizes: the generated plans are real plans
 * of every kind, and the measurement runs the compiled CLI and reports each figure. No timing is asserted: the times
 * and peak memory are bench figures (npm run bench), never test budgets.
 */
describe('plan-comment scale (bench module)', () => {
  const scratch = scratchDir('pc-scale');
  afterAll(() => scratch.remove());

  test('GIVEN a requested size WHEN a plan is generated THEN it is a valid plan of about that size with every kind of change and drift', () => {
    const file = join(scratch.dir, 'p.json');
    const { bytes, resources } = writeSyntheticPlan(file, 200_000);
    expect(bytes).toBeGreaterThan(150_000);
    expect(bytes).toBeLessThan(260_000);
    const plan = parsePlan(readFileSync(file));
    const s = summarize(plan);
    expect(plan.resource_changes).toHaveLength(resources);
    expect(new Set(s.entries.map((e) => e.kind))).toEqual(new Set(['create', 'update', 'replace', 'delete']));
    expect(s.drift.length).toBeGreaterThan(0);
  });

  test('GIVEN two tiny sizes WHEN measured THEN one row per size, from a CLI run that succeeded', async () => {
    requireBuild();
    const rows = await measurePlanCommentScale({ sizesMB: [0.05, 0.1], outDir: scratch.dir });
    expect(rows.map((r) => r.sizeMB)).toEqual([0.05, 0.1]);
    for (const r of rows) {
      expect(r.resources).toBeGreaterThan(0);
      expect(r.ms).toBeGreaterThan(0);
      expect(r.peakRssMiB).toBeGreaterThan(0);
      expect(r.cpuMs).toBeGreaterThan(0);
    }
    expect(rows[1].bytes).toBeGreaterThan(rows[0].bytes);
    // What the CLI wrote is a plan comment for the generated plan.
    expect(readFileSync(join(scratch.dir, 'comment.md'), 'utf8')).toMatch(/^<!-- ecs-coexist:plan-comment env=dev plan-sha256=[0-9a-f]{64} -->\n### ⚠️ Terraform plan for `dev`: destroys or replaces resources/);
  });
});
