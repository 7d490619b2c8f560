import { join } from 'node:path';
import { synthScaling } from '../../scripts/lib/bench/scaling-stack';
import { scratchDir } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { requireTerraform } from '../helpers/terraform';

/** The benchmark times synthesis of this stack; it must be a configuration Terraform accepts, not just any JSON. */
describe('benchmark stack with several services', () => {
  const scratch = scratchDir('tf-bench-stack');
  afterAll(() => scratch.remove());

  test('terraform validate passes with 3 services behind one load balancer', () => {
    requireTerraform();
    // GIVEN the dev stack with 3 services, synthesized as the benchmark does
    const run = synthScaling(3, scratch.dir);
    const dir = join(scratch.dir, 'stacks', 'dev');
    // WHEN validating it
    terraformInit(dir, { backend: false });
    const r = terraform(['validate', '-json'], dir);
    // THEN
    expect(run.resources).toBeGreaterThan(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, error_count: 0 });
  });
});
