import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments/schema';
import { planStack, scratchDir, synthEnvironments, type PlanJson, type ResourceChange } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { prod, variant } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/** prod with a traffic shifting CodeDeploy does not predefine, so a custom deployment configuration is created. */
const customCanary: EnvironmentConfig = variant(variant(prod, { services: { web: { deployment: { trafficShifting: undefined } } } }), {
  services: { web: { deployment: { trafficShifting: { type: 'canary', percent: 20, intervalMinutes: 10 } } } },
});

const ofType = (plan: PlanJson, type: string): ResourceChange[] => (plan.resource_changes ?? []).filter((c) => c.type === type);
const after = (c: ResourceChange) => c.change.after as Record<string, unknown>;

describe('prod blue/green with the real AWS provider', () => {
  const scratch = scratchDir('tf-blue-green');
  let plan: PlanJson;
  let customPlan: PlanJson;
  let offlineDir: string;

  beforeAll(() => {
    requireTerraform();
    // GIVEN prod and a custom-canary variant, synthesized for the account and for the offline target
    offlineDir = synthEnvironments([prod], join(scratch.dir, 'offline'), 'offline').prod;
    plan = planStack(offlineDir).plan;
    customPlan = planStack(synthEnvironments([customCanary], join(scratch.dir, 'custom'), 'offline').prod).plan;
  }, 600_000);
  afterAll(() => scratch.remove());

  test('terraform validate accepts the CodeDeploy resources as synthesized for the account (custom configuration included)', () => {
    const dir = synthEnvironments([customCanary], join(scratch.dir, 'aws'), 'aws').prod;
    terraformInit(dir, { backend: false });
    expect(JSON.parse(terraform(['validate', '-json'], dir).stdout)).toMatchObject({ valid: true, error_count: 0 });
  });

  test('the offline plan creates the CodeDeploy application and group, both target groups, the test listener and four alarms', () => {
    expect(plan.errored).toBe(false);
    expect(ofType(plan, 'aws_codedeploy_app').map((c) => after(c))).toEqual([expect.objectContaining({ name: 'webapp-prod-web', compute_platform: 'ECS' })]);
    expect(ofType(plan, 'aws_lb_target_group').map((c) => after(c).name).sort()).toEqual(['webapp-prod-web', 'webapp-prod-web-g']);
    expect(ofType(plan, 'aws_lb_listener').map((c) => after(c).port).sort()).toEqual([443, 80, 8443].sort());
    expect(ofType(plan, 'aws_cloudwatch_metric_alarm').map((c) => after(c).alarm_name).sort()).toEqual([
      'webapp-prod-web-blue-5xx-rate', 'webapp-prod-web-blue-unhealthy-hosts', 'webapp-prod-web-green-5xx-rate', 'webapp-prod-web-green-unhealthy-hosts',
    ]);
    expect(ofType(plan, 'aws_codedeploy_deployment_config')).toEqual([]);
    expect(ofType(plan, 'aws_lb_listener_rule')).toEqual([]);
  });

  test('the planned deployment group carries the configured shifting, approval hold, termination wait and rollback', () => {
    const [group] = ofType(plan, 'aws_codedeploy_deployment_group');
    expect(after(group)).toMatchObject({
      deployment_group_name: 'webapp-prod-web',
      deployment_config_name: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      deployment_style: [{ deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' }],
      blue_green_deployment_config: [
        expect.objectContaining({
          deployment_ready_option: [{ action_on_timeout: 'STOP_DEPLOYMENT', wait_time_in_minutes: 60 }],
          terminate_blue_instances_on_deployment_success: [{ action: 'TERMINATE', termination_wait_time_in_minutes: 15 }],
        }),
      ],
      auto_rollback_configuration: [{ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }],
      alarm_configuration: [{ enabled: true, ignore_poll_alarm_failure: false, alarms: ['webapp-prod-web-blue-5xx-rate', 'webapp-prod-web-blue-unhealthy-hosts', 'webapp-prod-web-green-5xx-rate', 'webapp-prod-web-green-unhealthy-hosts'] }],
      ecs_service: [{ cluster_name: 'webapp-prod', service_name: 'web' }],
    });
  });

  test('the planned service runs under CODE_DEPLOY without a circuit breaker, and the lifecycle rules are the ones planned', () => {
    const [service] = ofType(plan, 'aws_ecs_service');
    expect(after(service)).toMatchObject({ deployment_controller: [{ type: 'CODE_DEPLOY' }], deployment_circuit_breaker: [] });
    // `terraform show -json` omits lifecycle blocks: read them from the very file that was planned.
    const tf = JSON.parse(readFileSync(join(offlineDir, 'cdk.tf.json'), 'utf8'));
    const listeners = tf.resource.aws_lb_listener as Record<string, { port: number; lifecycle?: unknown }>;
    const byPort = Object.fromEntries(Object.values(listeners).map((l) => [l.port, l.lifecycle]));
    expect(byPort).toEqual({
      80: undefined,
      443: { ignore_changes: ['default_action[0].target_group_arn', 'default_action[0].forward'] },
      8443: { ignore_changes: ['default_action[0].target_group_arn', 'default_action[0].forward'] },
    });
    expect((Object.values(tf.resource.aws_ecs_service)[0] as { lifecycle: unknown }).lifecycle).toEqual({ ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] });
  });

  test('a shifting CodeDeploy does not predefine is planned as a custom ECS deployment configuration', () => {
    expect(customPlan.errored).toBe(false);
    expect(ofType(customPlan, 'aws_codedeploy_deployment_config').map((c) => after(c))).toEqual([
      expect.objectContaining({
        deployment_config_name: 'webapp-prod-web-canary-20pct-10min',
        compute_platform: 'ECS',
        traffic_routing_config: [expect.objectContaining({ type: 'TimeBasedCanary', time_based_canary: [{ percentage: 20, interval: 10 }] })],
      }),
    ]);
  });
});
