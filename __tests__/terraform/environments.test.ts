import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planStack, scratchDir, synthMain, type PlanJson } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { requireBuild, requireTerraform } from '../helpers/terraform';

const EXPECTED_TYPES = [
  'aws_vpc', 'aws_subnet', 'aws_nat_gateway', 'aws_vpc_endpoint', 'aws_ecr_repository', 'aws_ecs_cluster', 'aws_lb',
  'aws_lb_listener', 'aws_lb_target_group', 'aws_ecs_task_definition', 'aws_ecs_service', 'aws_appautoscaling_target',
  'aws_appautoscaling_policy', 'aws_cloudwatch_log_group', 'aws_iam_role', 'aws_iam_openid_connect_provider',
  'aws_ssm_parameter', 'terraform_data',
];

describe.each(['dev', 'prod'])('%s with the real AWS provider', (env) => {
  const scratch = scratchDir(`tf-${env}`);
  let real: Record<string, string>;
  let offline: Record<string, string>;
  let plan: PlanJson;

  beforeAll(() => {
    requireTerraform();
    requireBuild();
    // GIVEN the stacks of main.ts, synthesized for the real accounts and for the offline target
    real = synthMain(join(scratch.dir, 'aws'), 'aws');
    offline = synthMain(join(scratch.dir, 'offline'), 'offline');
    plan = planStack(offline[env]).plan;
  });
  afterAll(() => scratch.remove());

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
    // `terraform show -json` omits lifecycle blocks; the rules are read from the very file that was planned.
    const tf = JSON.parse(readFileSync(join(offline[env], 'cdk.tf.json'), 'utf8'));
    const [taskId, task] = Object.entries(tf.resource.aws_ecs_task_definition)[0] as [string, { lifecycle: unknown }];
    const [serviceId, service] = Object.entries(tf.resource.aws_ecs_service)[0] as [string, { lifecycle: unknown }];
    const planned = new Set((plan.resource_changes ?? []).map((c) => c.address));
    expect(planned.has(`aws_ecs_task_definition.${taskId}`)).toBe(true);
    expect(planned.has(`aws_ecs_service.${serviceId}`)).toBe(true);
    expect(task.lifecycle).toEqual({ ignore_changes: ['container_definitions'], replace_triggered_by: [expect.stringMatching(/^terraform_data\./)] });
    // prod deploys blue/green: CodeDeploy also moves the service to the other target group.
    expect(service.lifecycle).toEqual({ ignore_changes: env === 'prod' ? ['task_definition', 'desired_count', 'load_balancer'] : ['task_definition', 'desired_count'] });
  });

  test('the planned task definition runs the bootstrap image read from the release pointer', () => {
    const task = (plan.resource_changes ?? []).find((c) => c.type === 'aws_ecs_task_definition')!;
    const defs = JSON.parse((task.change.after as { container_definitions: string }).container_definitions);
    expect(defs[0].image).toBe('public.ecr.aws/nginx/nginx:1.27-alpine');
  });
});
