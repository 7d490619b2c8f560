import { cpSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, synthMain } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { PROVIDER_POOL_ENV, closeProviderPool, providerPoolStats } from '../../scripts/lib/provider-pool';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * The suite's Terraform commands reuse AWS provider servers (scripts/lib/provider-pool.ts). What a reused server answers
 * must be what Terraform's own providers answer, including after it served another stack: this compares the two on the
 * offline dev stack, with the pool's server for dev's validate and show configured by prod's plan first.
 */
const scratch = scratchDir('tf-provider-pool');
let dirs: Record<string, string>;
const switchBefore = process.env[PROVIDER_POOL_ENV];

beforeAll(() => {
  requireTerraform();
  requireBuild();
  dirs = synthMain(join(scratch.dir, 'offline'), 'offline');
  for (const d of Object.values(dirs)) terraformInit(d);
});
afterAll(async () => {
  process.env[PROVIDER_POOL_ENV] = switchBefore;
  await closeProviderPool();
  scratch.remove();
});

/** plan + show -json (the plan JSON, without its timestamp; relevant_attributes in Terraform's unordered order sorted). */
function planJson(dir: string, out: string): Record<string, unknown> {
  terraform(['plan', '-input=false', '-detailed-exitcode', `-out=${out}`], dir, { okCodes: [0, 2] });
  const plan = JSON.parse(terraform(['show', '-json', out], dir).stdout) as Record<string, unknown>;
  delete plan.timestamp;
  (plan.relevant_attributes as unknown[] | undefined)?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return plan;
}

const validate = (dir: string) => JSON.parse(terraform(['validate', '-json'], dir).stdout) as unknown;

test('plans and validations through reused provider servers equal those of Terraform\'s own providers, one configuration per server', async () => {
  // GIVEN dev planned and validated by Terraform's own providers
  process.env[PROVIDER_POOL_ENV] = '0';
  const ownPlan = planJson(dirs.dev, 'own.tfplan');
  const ownValidate = validate(dirs.dev);
  expect(providerPoolStats()).toEqual({ started: 0, leases: 0 });

  // WHEN prod is planned through the pool, then dev is validated, planned and shown through it
  process.env[PROVIDER_POOL_ENV] = '1';
  planJson(dirs.prod, 'pool.tfplan');
  const pooledValidate = validate(dirs.dev);
  const pooledPlan = planJson(dirs.dev, 'pool.tfplan');

  // THEN the answers are the same
  expect(pooledPlan).toEqual(ownPlan);
  expect(pooledValidate).toEqual(ownValidate);
  // AND five commands ran on two servers: each plan configured a server of its own (prod's, then dev's), while
  // validate and the shows reused a running one (dev's validate ran on the server prod's plan had configured)
  expect(providerPoolStats()).toEqual({ started: 2, leases: 5 });
});

test('validate and show are served in any configuration (HCL files beside the JSON), plans there run Terraform\'s own providers', async () => {
  // GIVEN dev's configuration as another file name, with an HCL file beside it: not a folder the pool plans in
  const hcl = join(scratch.dir, 'hcl-dev');
  cpSync(dirs.dev, hcl, { recursive: true, verbatimSymlinks: true });
  renameSync(join(hcl, 'cdk.tf.json'), join(hcl, 'main.tf.json'));
  writeFileSync(join(hcl, 'extra.tf'), 'output "marker" {\n  value = "hcl"\n}\n');
  process.env[PROVIDER_POOL_ENV] = '1';
  const before = providerPoolStats().leases;

  // WHEN planned, shown and validated with the pool on
  terraform(['plan', '-input=false', '-detailed-exitcode', '-out=hcl.tfplan'], hcl, { okCodes: [0, 2] });
  const leasesAfterPlan = providerPoolStats().leases;
  const pooledShow = terraform(['show', '-json', 'hcl.tfplan'], hcl).stdout;
  const pooledValidate = validate(hcl);

  // THEN the plan took no server, the show and the validation did
  expect(leasesAfterPlan).toBe(before);
  expect(providerPoolStats().leases).toBe(before + 2);
  // AND they answer what Terraform's own providers answer for the same plan file and folder
  process.env[PROVIDER_POOL_ENV] = '0';
  expect(JSON.parse(pooledShow)).toEqual(JSON.parse(terraform(['show', '-json', 'hcl.tfplan'], hcl).stdout));
  expect(JSON.parse(pooledShow).output_changes).toHaveProperty('marker');
  expect(pooledValidate).toEqual(validate(hcl));
});
