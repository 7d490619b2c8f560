import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planStack, scratchDir, synthMain, type PlanJson } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { loadEnvironment } from '../../environments';
import { ENVIRONMENTS } from '../../main';
import { web as webService } from '../helpers/stacks';
import { requireBuild, requireTerraform } from '../helpers/terraform';

const EXPECTED_TYPES = [
  'aws_vpc', 'aws_subnet', 'aws_nat_gateway', 'aws_vpc_endpoint', 'aws_ecr_repository', 'aws_ecs_cluster', 'aws_lb',
  'aws_lb_listener', 'aws_lb_target_group', 'aws_ecs_task_definition', 'aws_ecs_service', 'aws_appautoscaling_target',
  'aws_appautoscaling_policy', 'aws_cloudwatch_log_group', 'aws_iam_role', 'aws_iam_openid_connect_provider',
  'aws_ssm_parameter', 'terraform_data', 'aws_scheduler_schedule', 'aws_scheduler_schedule_group',
];

// GIVEN the stacks of main.ts, synthesized once per target for every environment (not once per environment)
const scratch = scratchDir('tf-environments');
let real: Record<string, string>;
let offline: Record<string, string>;
beforeAll(() => {
  requireTerraform();
  requireBuild();
  real = synthMain(join(scratch.dir, 'aws'), 'aws');
  offline = synthMain(join(scratch.dir, 'offline'), 'offline');
});
afterAll(() => scratch.remove());

test('main.ts synthesizes exactly the environments it lists', () => {
  expect(Object.keys(real)).toEqual([...ENVIRONMENTS]);
  expect(Object.keys(offline)).toEqual([...ENVIRONMENTS]);
});

/** What Terraform 1.10-1.11 reports per resource in the plan JSON's `configuration` section (no `lifecycle`). */
const KNOWN_CONFIGURATION_KEYS = new Set(['address', 'mode', 'type', 'name', 'provider_config_key', 'expressions', 'schema_version', 'count_expression', 'for_each_expression', 'depends_on']);

describe.each([...ENVIRONMENTS])('%s with the real AWS provider', (env) => {
  let plan: PlanJson;

  beforeAll(() => {
    plan = planStack(offline[env]).plan;
  });

  test('terraform validate passes on the configuration synthesized for the account', () => {
    terraformInit(real[env], { backend: false });
    const r = terraform(['validate', '-json'], real[env]);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, error_count: 0 });
  });

  test('an offline terraform plan succeeds and creates every expected resource type', () => {
    expect(plan.errored).toBe(false);
    const changes = plan.resource_changes ?? [];
    expect(changes.every((c) => c.change.actions.join() === 'create')).toBe(true);
    const types = new Set(changes.map((c) => c.type));
    expect([...EXPECTED_TYPES].filter((t) => !types.has(t))).toEqual([]);
  });

  test('the planned service and task definition are the ones carrying the lifecycle rules', () => {
    // `terraform show -json` has no lifecycle meta-arguments anywhere: not in resource_changes, and not in the
    // `configuration` section either, whose resources carry only address, mode, type, name, provider_config_key,
    // expressions, schema_version, count/for_each and depends_on (checked below, so a Terraform that starts
    // reporting them fails here and the rules can be asserted in the plan instead). So the rules are read from the
    // very file that was planned, and the plan proves that file's service and task definition are the planned ones.
    const tf = JSON.parse(readFileSync(join(offline[env], 'cdk.tf.json'), 'utf8'));
    const web = (type: string) => Object.entries(tf.resource[type]).find(([id]) => id.startsWith('services_web_'))! as [string, { lifecycle: unknown }];
    const [taskId, task] = web('aws_ecs_task_definition');
    const [serviceId, service] = web('aws_ecs_service');
    const planned = new Set((plan.resource_changes ?? []).map((c) => c.address));
    expect(planned.has(`aws_ecs_task_definition.${taskId}`)).toBe(true);
    expect(planned.has(`aws_ecs_service.${serviceId}`)).toBe(true);
    const configured = (plan.configuration as { root_module: { resources: Record<string, unknown>[] } }).root_module.resources
      .filter((r) => r.address === `aws_ecs_task_definition.${taskId}` || r.address === `aws_ecs_service.${serviceId}`);
    expect(configured).toHaveLength(2);
    for (const r of configured) expect(Object.keys(r).filter((k) => !KNOWN_CONFIGURATION_KEYS.has(k))).toEqual([]);
    expect(JSON.stringify(plan)).not.toMatch(/ignore_changes|replace_triggered_by/);
    expect(task.lifecycle).toEqual({ ignore_changes: ['container_definitions'], replace_triggered_by: [expect.stringMatching(/^terraform_data\./)] });
    // desired_count belongs to auto scaling where it is attached; under blue/green CodeDeploy also moves the service
    // to the other target group.
    const svc = webService(loadEnvironment(env));
    // A web service's load-balancer mapping is CodeDeploy's (blue/green) or moves with the revision (rolling, port change).
    const ignored = ['task_definition', ...(svc.autoScaling ? ['desired_count'] : []), 'load_balancer'];
    expect(service.lifecycle).toEqual({ ignore_changes: ignored });
  });

  test('the planned task definition runs the bootstrap image read from the release pointer', () => {
    // Every service's (web, worker, scheduled): each reads its own pointer, seeded with its bootstrap image.
    const tasks = (plan.resource_changes ?? []).filter((c) => c.type === 'aws_ecs_task_definition');
    const config = loadEnvironment(env);
    expect(tasks).toHaveLength(Object.keys(config.services).length);
    for (const task of tasks) {
      const defs = JSON.parse((task.change.after as { container_definitions: string }).container_definitions);
      const service = Object.keys(config.services).find((n) => task.address.includes(`services_${n}_`))!;
      expect(defs[0].image).toBe(config.services[service].bootstrapImage);
    }
  });
});
