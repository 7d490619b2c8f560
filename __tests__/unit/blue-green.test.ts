import { Testing, type TerraformResource } from 'cdktf';
import { serviceNames } from '../../environments/names';
import { CODEDEPLOY_OWNED_LISTENER_PATHS } from '../../modules/load-balancer';
import { predefinedDeploymentConfig } from '../../modules/blue-green';
import { AppService } from '../../modules/app-service';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { dev, policy, prod, resource, resources, synth, variant, web, type TerraformJson } from '../helpers/stacks';

const prodOut = synth(prod);
const devOut = synth(dev);

/** A resource's address as `depends_on` names it. */
const address = (res: TerraformResource) => `${res.terraformResourceType}.${res.friendlyUniqueId}`;
/** How a reference to a resource attribute appears in the synthesized JSON, e.g. `${aws_lb_target_group.service_tg_1AC50AA5.arn}`. */
const r = (res: TerraformResource, attribute: string) => `\${${address(res)}.${attribute}}`;

const p = prodOut.stack;
const pw = p.services.get('web')!;
const bg = pw.blueGreen!;

describe('configuration', () => {
  test('prod deploys blue/green through CodeDeploy, dev stays rolling', () => {
    expect(web(prod).deployment).toMatchObject({
      strategy: 'blue-green',
      trafficShifting: { type: 'canary', percent: 10, intervalMinutes: 5 },
      approvalWaitMinutes: 60,
      terminationWaitMinutes: 15,
    });
    expect(web(dev).deployment.strategy).toBe('rolling');
  });

  test('rollback alarm thresholds have documented defaults', () => {
    expect(web(prod).deployment.rollbackAlarms).toEqual({
      targetErrorRatePercent: 5,
      minimumRequests: 20,
      unhealthyHosts: 1,
      periodSeconds: 60,
      evaluationPeriods: 2,
      additionalAlarmNames: [],
    });
  });
});

describe('rolling environments are unchanged by blue/green support', () => {
  test('dev has no CodeDeploy, no second target group, no test listener, and routes through its listener rule', () => {
    for (const type of ['aws_codedeploy_app', 'aws_codedeploy_deployment_group', 'aws_codedeploy_deployment_config', 'aws_cloudwatch_metric_alarm']) {
      expect(devOut.tf.resource[type]).toBeUndefined();
    }
    expect(Object.keys(resources(devOut.tf, 'aws_lb_target_group'))).toHaveLength(1);
    expect(Object.keys(resources(devOut.tf, 'aws_lb_listener'))).toHaveLength(1);
    expect(resource(devOut.tf, 'aws_lb_listener').lifecycle).toBeUndefined();
    expect(resource(devOut.tf, 'aws_lb_listener_rule')).toMatchObject({ action: [{ type: 'forward' }] });
    const svc = resource(devOut.tf, 'aws_ecs_service', 'services/web/service');
    expect(svc.deployment_controller).toBeUndefined();
    expect(svc.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(svc.availability_zone_rebalancing).toBe('ENABLED');
    const descriptor = JSON.parse(resource(devOut.tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value as string);
    expect(descriptor.codeDeploy).toBeUndefined();
    expect(descriptor.strategy).toBe('rolling');
  });
});

describe('two target groups', () => {
  test('green is blue with another name: same port, protocol, health check and deregistration delay', () => {
    const blue = resource(prodOut.tf, 'aws_lb_target_group', 'services/web/routing/tg');
    const green = resource(prodOut.tf, 'aws_lb_target_group', 'services/web/blue-green/green-tg');
    const withoutNames = (tg: Record<string, unknown>) => {
      const { name: _n, tags: _t, '//': _m, ...rest } = tg;
      return rest;
    };
    expect(blue.name).toBe('webapp-prod-web');
    expect(green.name).toBe('webapp-prod-web-g');
    expect(green.tags).toEqual({ Name: 'webapp-prod-web-g' });
    expect(withoutNames(green)).toEqual(withoutNames(blue));
    expect(blue.health_check).toMatchObject({ path: '/health', healthy_threshold: 3 });
  });

  test('target group names stay within AWS’s 32 characters for the longest project and environment names', () => {
    const names = serviceNames({ project: 'a'.repeat(32), name: 'b'.repeat(32), services: { ['c'.repeat(32)]: { containerName: 'app' } }, registry: prod.registry }, 'c'.repeat(32));
    expect(names.targetGroup.length).toBeLessThanOrEqual(32);
    expect(names.greenTargetGroup.length).toBeLessThanOrEqual(32);
    expect(names.greenTargetGroup).toMatch(/^[a-z0-9][a-z0-9-]*-g$/);
  });
});

describe('listeners handed to CodeDeploy', () => {
  test('production and test listeners forward to blue by their default action; Terraform ignores exactly its forward target', () => {
    const blueArn = r(pw.routing!.targetGroup, 'arn');
    for (const name of ['production', 'test']) {
      const listener = resource(prodOut.tf, 'aws_lb_listener', `load-balancer/${name}`);
      expect(listener.default_action).toEqual([{ type: 'forward', target_group_arn: blueArn }]);
      expect(listener.lifecycle).toEqual({ ignore_changes: ['default_action[0].target_group_arn', 'default_action[0].forward'] });
      expect(listener).toMatchObject({ protocol: 'HTTPS', certificate_arn: prod.loadBalancer.certificateArn, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    }
    expect(CODEDEPLOY_OWNED_LISTENER_PATHS).toEqual(['default_action[0].target_group_arn', 'default_action[0].forward']);
    expect(resource(prodOut.tf, 'aws_lb_listener', 'load-balancer/test').port).toBe(8443);
  });

  test('the HTTP redirect listener stays fully Terraform’s and no listener rule competes with the default actions', () => {
    expect(resource(prodOut.tf, 'aws_lb_listener', 'load-balancer/http-redirect').lifecycle).toBeUndefined();
    expect(prodOut.tf.resource.aws_lb_listener_rule).toBeUndefined();
  });
});

describe('the test listener is closed to everything but the test CIDRs', () => {
  /** Every ingress rule of the ALB's security group that admits traffic on `port`. */
  const ingressOn = (tf: TerraformJson, port: number) =>
    Object.values(resources(tf, 'aws_vpc_security_group_ingress_rule')).filter(
      (r) => String(r.security_group_id).includes('load-balancer_sg') && (r.ip_protocol === '-1' || ((r.from_port as number) <= port && port <= (r.to_port as number))),
    );

  test.each([
    ['prod', prod],
    ['prod with two test networks', variant(prod, { loadBalancer: { allowedTestCidrs: ['203.0.113.0/24', '198.51.100.7/32'] } })],
  ])('%s: ingress on the test port comes only from allowedTestCidrs', (_name, env) => {
    // GIVEN a blue/green environment / WHEN it is synthesized
    const tf = synth(env).tf;
    const port = env.loadBalancer.testListenerPort;
    const rules = ingressOn(tf, port);
    // THEN exactly one TCP rule per allowed CIDR opens the test port, no rule opens it to anything else
    expect(rules.map((r) => r.cidr_ipv4).sort()).toEqual([...env.loadBalancer.allowedTestCidrs].sort());
    expect(rules.every((r) => r.ip_protocol === 'tcp' && r.from_port === port && r.to_port === port)).toBe(true);
    expect(rules.some((r) => r.referenced_security_group_id || r.cidr_ipv6 || r.prefix_list_id)).toBe(false);
    // AND the security group itself carries no inline rules that would bypass this
    const sg = resource(tf, 'aws_security_group', 'load-balancer/sg');
    expect(sg.ingress).toBeUndefined();
  });

  test('the public listeners stay open to allowedIngressCidrs and do not include the test port', () => {
    const https = ingressOn(prodOut.tf, 443);
    expect(https.map((r) => r.cidr_ipv4)).toEqual(['0.0.0.0/0']);
    expect(https.every((r) => r.to_port === 443)).toBe(true);
  });

  test('a test rule that would admit 0.0.0.0/0 is refused before synthesis', () => {
    expect(() => variant(prod, { loadBalancer: { allowedTestCidrs: ['0.0.0.0/0'] } })).toThrow(
      'invalid environment "prod": loadBalancer.allowedTestCidrs.0: received "0.0.0.0/0"; allowed: a CIDR narrower than /0',
    );
  });
});

describe('service under the CodeDeploy controller', () => {
  test('CODE_DEPLOY controller, no circuit breaker (ECS controller only), AZ rebalancing off', () => {
    const svc = resource(prodOut.tf, 'aws_ecs_service', 'services/web/service');
    expect(svc.deployment_controller).toEqual({ type: 'CODE_DEPLOY' });
    expect(svc.deployment_circuit_breaker).toBeUndefined();
    expect(svc.availability_zone_rebalancing).toBe('DISABLED');
    expect(svc.load_balancer).toEqual([{ container_name: 'app', container_port: 8080, target_group_arn: r(pw.routing!.targetGroup, 'arn') }]);
    expect(svc.depends_on).toEqual([address(p.loadBalancer.productionListener), address(p.loadBalancer.testListener!)]);
  });

  test('the service ignores exactly what CodeDeploy and auto scaling own', () => {
    expect(resource(prodOut.tf, 'aws_ecs_service', 'services/web/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] });
    const fixed = synth(variant(prod, { services: { web: { autoScaling: undefined } } })).tf;
    expect(resource(fixed, 'aws_ecs_service', 'services/web/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'load_balancer'] });
  });

  test('target tracking keeps scaling the service (the scalable target is the service, not a task set)', () => {
    expect(resource(prodOut.tf, 'aws_appautoscaling_target', 'services/web/scaling/scaling-target')).toMatchObject({ resource_id: 'service/webapp-prod/web', scalable_dimension: 'ecs:service:DesiredCount', min_capacity: 3, max_capacity: 12 });
    expect(resource(prodOut.tf, 'aws_appautoscaling_policy', 'services/web/scaling/scaling-cpu')).toMatchObject({ policy_type: 'TargetTrackingScaling' });
  });

  test('a blue/green service refuses routing: CodeDeploy forwards whole listeners', () => {
    const app = Testing.app();
    const stack = new EnvironmentStack(app, prod);
    const config = { ...web(prod), routing: { hosts: [], paths: ['/api/*'] } };
    expect(
      () =>
        new AppService(stack, 'second', {
          environment: 'prod', accountId: prod.accountId, region: prod.region, partition: 'aws', names: serviceNames({ ...prod, services: { second: config } }, 'second'), config,
          cluster: stack.cluster, network: stack.network, loadBalancer: stack.loadBalancer, registry: stack.registry,
        }),
    ).toThrow('WebRouting routing: routing: received {"hosts":[],"paths":["/api/*"]}; allowed: unset when deployment.strategy is blue-green');
  });

  test('a blue/green service refuses a load balancer without a test listener', () => {
    const app = Testing.app();
    const stack = new EnvironmentStack(app, dev);
    const config = web(prod);
    expect(
      () =>
        new AppService(stack, 'second', {
          environment: 'dev', accountId: dev.accountId, region: dev.region, partition: 'aws', names: serviceNames({ ...dev, services: { second: config } }, 'second'), config,
          cluster: stack.cluster, network: stack.network, loadBalancer: stack.loadBalancer, registry: stack.registry,
        }),
    ).toThrow('WebRouting routing: loadBalancer.testListener: received nothing; allowed: a load balancer with a test listener');
  });
});

describe('CodeDeploy application and deployment group', () => {
  const group = resource(prodOut.tf, 'aws_codedeploy_deployment_group');

  test('an ECS application and a blue/green group on the service with traffic control', () => {
    expect(resource(prodOut.tf, 'aws_codedeploy_app')).toMatchObject({ name: 'webapp-prod-web', compute_platform: 'ECS' });
    expect(group).toMatchObject({
      app_name: r(bg.application, 'name'),
      deployment_group_name: 'webapp-prod-web',
      deployment_style: { deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' },
      ecs_service: { cluster_name: r(p.cluster.cluster, 'name'), service_name: r(pw.service!, 'name') },
      service_role_arn: r(bg.serviceRole.role, 'arn'),
    });
  });

  test('the target group pair, the production route and the test route', () => {
    expect(group.load_balancer_info).toEqual({
      target_group_pair_info: {
        prod_traffic_route: { listener_arns: [r(p.loadBalancer.productionListener, 'arn')] },
        test_traffic_route: { listener_arns: [r(p.loadBalancer.testListener!, 'arn')] },
        target_group: [{ name: r(pw.routing!.targetGroup, 'name') }, { name: r(bg.greenTargetGroup, 'name') }],
      },
    });
  });

  test('prod holds for approval for 60 minutes, then stops; old tasks stay 15 minutes after the shift', () => {
    expect(group.blue_green_deployment_config).toEqual({
      deployment_ready_option: { action_on_timeout: 'STOP_DEPLOYMENT', wait_time_in_minutes: 60 },
      terminate_blue_instances_on_deployment_success: { action: 'TERMINATE', termination_wait_time_in_minutes: 15 },
    });
  });

  test('without an approval wait production traffic moves as soon as the replacement is ready', () => {
    const tf = synth(variant(prod, { services: { web: { deployment: { approvalWaitMinutes: 0, terminationWaitMinutes: 0 } } } })).tf;
    expect(resource(tf, 'aws_codedeploy_deployment_group').blue_green_deployment_config).toEqual({
      deployment_ready_option: { action_on_timeout: 'CONTINUE_DEPLOYMENT' },
      terminate_blue_instances_on_deployment_success: { action: 'TERMINATE', termination_wait_time_in_minutes: 0 },
    });
  });

  test('automatic rollback on failure and on alarm, watching the four built-in alarms; unreadable alarms stop deployments', () => {
    expect(group.auto_rollback_configuration).toEqual({ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] });
    expect(group.alarm_configuration).toEqual({
      enabled: true,
      ignore_poll_alarm_failure: false,
      alarms: bg.alarms.map((a) => r(a, 'alarm_name')),
    });
  });

  test('additional alarms from configuration join the built-in ones', () => {
    const tf = synth(variant(prod, { services: { web: { deployment: { rollbackAlarms: { additionalAlarmNames: ['webapp-prod-latency-p99'] } } } } })).tf;
    const alarms = (resource(tf, 'aws_codedeploy_deployment_group').alarm_configuration as { alarms: string[] }).alarms;
    expect(alarms).toHaveLength(5);
    expect(alarms[4]).toBe('webapp-prod-latency-p99');
    const role = policy(resource(tf, 'aws_iam_role_policy', 'blue-green/codedeploy/policy').policy);
    expect(role.Statement.find((s) => s.Sid === 'ReadRollbackAlarms')!.Resource).toContain('arn:aws:cloudwatch:eu-west-1:222222222222:alarm:webapp-prod-latency-p99');
  });
});

describe('traffic shifting', () => {
  /** prod with its traffic shifting replaced (variant() merges objects, so drop the old one first). */
  const withShifting = (shift: Record<string, unknown>) => variant(variant(prod, { services: { web: { deployment: { trafficShifting: undefined } } } }), { services: { web: { deployment: { trafficShifting: shift } } } });

  test.each([
    [{ type: 'all-at-once' }, 'CodeDeployDefault.ECSAllAtOnce'],
    [{ type: 'canary', percent: 10, intervalMinutes: 5 }, 'CodeDeployDefault.ECSCanary10Percent5Minutes'],
    [{ type: 'canary', percent: 10, intervalMinutes: 15 }, 'CodeDeployDefault.ECSCanary10Percent15Minutes'],
    [{ type: 'linear', percent: 10, intervalMinutes: 1 }, 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes'],
    [{ type: 'linear', percent: 10, intervalMinutes: 3 }, 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes'],
  ] as const)('%j uses the predefined %s and creates no custom configuration', (shift, name) => {
    expect(predefinedDeploymentConfig(shift)).toBe(name);
    const tf = synth(withShifting(shift)).tf;
    expect(resource(tf, 'aws_codedeploy_deployment_group').deployment_config_name).toBe(name);
    expect(tf.resource.aws_codedeploy_deployment_config).toBeUndefined();
  });

  test.each([
    [{ type: 'canary', percent: 20, intervalMinutes: 10 }, 'TimeBasedCanary', 'time_based_canary', 'webapp-prod-web-canary-20pct-10min'],
    [{ type: 'linear', percent: 25, intervalMinutes: 2 }, 'TimeBasedLinear', 'time_based_linear', 'webapp-prod-web-linear-25pct-2min'],
  ] as const)('%j gets a custom ECS deployment configuration', (shift, type, block, name) => {
    // GIVEN a shifting CodeDeploy does not predefine / WHEN synthesized
    const out = synth(withShifting(shift));
    const tf = out.tf;
    // THEN a custom configuration holds it, replaced before destroyed, and the group uses it by reference
    const config = resource(tf, 'aws_codedeploy_deployment_config');
    expect(config).toMatchObject({
      deployment_config_name: name,
      compute_platform: 'ECS',
      traffic_routing_config: { type, [block]: { percentage: shift.percent, interval: shift.intervalMinutes } },
      lifecycle: { create_before_destroy: true },
    });
    expect(resource(tf, 'aws_codedeploy_deployment_group').deployment_config_name).toBe(r(out.stack.services.get('web')!.blueGreen!.deploymentConfig!, 'deployment_config_name'));
  });
});

describe('rollback alarms', () => {
  test.each(['blue', 'green'])('%s target group: 5xx rate by metric math, counted only with enough requests', (color) => {
    const alarm = resource(prodOut.tf, 'aws_cloudwatch_metric_alarm', `blue-green/${color}-5xx-rate`);
    const tg = color === 'blue' ? pw.routing!.targetGroup : bg.greenTargetGroup;
    const dimensions = { TargetGroup: r(tg, 'arn_suffix'), LoadBalancer: r(p.loadBalancer.alb, 'arn_suffix') };
    expect(alarm).toMatchObject({
      alarm_name: `webapp-prod-web-${color}-5xx-rate`,
      comparison_operator: 'GreaterThanThreshold',
      threshold: 5,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
      treat_missing_data: 'notBreaching',
    });
    expect(alarm.alarm_actions).toBeUndefined();
    expect(alarm.metric_query).toEqual([
      { id: 'errors', return_data: false, metric: { namespace: 'AWS/ApplicationELB', metric_name: 'HTTPCode_Target_5XX_Count', period: 60, stat: 'Sum', dimensions } },
      { id: 'requests', return_data: false, metric: { namespace: 'AWS/ApplicationELB', metric_name: 'RequestCount', period: 60, stat: 'Sum', dimensions } },
      { id: 'rate', return_data: true, label: '5xx % of requests', expression: 'IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)' },
    ]);
  });

  test.each(['blue', 'green'])('%s target group: unhealthy hosts', (color) => {
    expect(resource(prodOut.tf, 'aws_cloudwatch_metric_alarm', `blue-green/${color}-unhealthy-hosts`)).toMatchObject({
      alarm_name: `webapp-prod-web-${color}-unhealthy-hosts`,
      namespace: 'AWS/ApplicationELB',
      metric_name: 'UnHealthyHostCount',
      statistic: 'Maximum',
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      period: 60,
      treat_missing_data: 'notBreaching',
    });
  });

  test('thresholds come from configuration', () => {
    const tf = synth(variant(prod, { services: { web: { deployment: { rollbackAlarms: { targetErrorRatePercent: 2, minimumRequests: 100, unhealthyHosts: 2, periodSeconds: 300, evaluationPeriods: 3 } } } } })).tf;
    const rate = resource(tf, 'aws_cloudwatch_metric_alarm', 'blue-green/green-5xx-rate');
    expect(rate).toMatchObject({ threshold: 2, evaluation_periods: 3, datapoints_to_alarm: 3 });
    expect((rate.metric_query as { expression?: string; metric?: { period: number } }[]).map((q) => q.expression ?? q.metric!.period)).toEqual([300, 300, 'IF(requests >= 100, 100 * FILL(errors, 0) / requests, 0)']);
    expect(resource(tf, 'aws_cloudwatch_metric_alarm', 'blue-green/green-unhealthy-hosts')).toMatchObject({ threshold: 2, period: 300 });
  });
});

describe('CodeDeploy service role: least privilege instead of AWSCodeDeployRoleForECS', () => {
  const role = resource(prodOut.tf, 'aws_iam_role', 'blue-green/codedeploy/role');
  const doc = policy(resource(prodOut.tf, 'aws_iam_role_policy', 'blue-green/codedeploy/policy').policy);
  const statement = (sid: string) => doc.Statement.find((s) => s.Sid === sid)!;
  const listener = (name: string) => r(name === 'production' ? p.loadBalancer.productionListener : p.loadBalancer.testListener!, 'arn');

  test('trusted by CodeDeploy only, with no managed policy attached', () => {
    expect(policy(role.assume_role_policy).Statement).toEqual([{ Sid: 'Trust', Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const attachments = Object.values(resources(prodOut.tf, 'aws_iam_role_policy_attachment')).filter((a) => String(a.role).includes('blue-green_codedeploy'));
    expect(attachments).toEqual([]);
  });

  test('exactly the statements a blue/green ECS deployment needs', () => {
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['MoveTrafficOnTheseListeners', 'MoveTrafficOnRulesOfThisLoadBalancer', 'ManageTaskSetsOfThisService', 'ReadRollbackAlarms', 'PassOnlyThisServicesRoles', 'ReadLoadBalancing']);
    // Only the Describe calls, which have no resource-level permissions, use "*".
    expect(doc.Statement.filter((s) => s.Resource === '*').map((s) => s.Sid)).toEqual(['ReadLoadBalancing']);
    expect(statement('ReadLoadBalancing').Action).toEqual(['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups']);
  });

  test('listener changes are limited to the production and test listeners, rule changes to this load balancer', () => {
    expect(statement('MoveTrafficOnTheseListeners')).toMatchObject({ Action: ['elasticloadbalancing:ModifyListener'], Resource: [listener('production'), listener('test')] });
    expect(statement('MoveTrafficOnRulesOfThisLoadBalancer')).toMatchObject({
      Action: ['elasticloadbalancing:ModifyRule'],
      Resource: 'arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/webapp-prod/*',
    });
  });

  test('task sets of this service only, alarms of this deployment only, roles of this service only', () => {
    expect(statement('ManageTaskSetsOfThisService')).toMatchObject({
      Action: ['ecs:DescribeServices', 'ecs:CreateTaskSet', 'ecs:UpdateServicePrimaryTaskSet', 'ecs:DeleteTaskSet'],
      Resource: ['arn:aws:ecs:eu-west-1:222222222222:service/webapp-prod/web', 'arn:aws:ecs:eu-west-1:222222222222:task-set/webapp-prod/web/*'],
    });
    expect(statement('ReadRollbackAlarms')).toMatchObject({
      Action: ['cloudwatch:DescribeAlarms'],
      Resource: ['blue-5xx-rate', 'blue-unhealthy-hosts', 'green-5xx-rate', 'green-unhealthy-hosts'].map((a) => `arn:aws:cloudwatch:eu-west-1:222222222222:alarm:webapp-prod-web-${a}`),
    });
    expect(statement('PassOnlyThisServicesRoles')).toEqual({
      Sid: 'PassOnlyThisServicesRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [r(pw.task.executionRole.role, 'arn'), r(pw.task.taskRole.role, 'arn')],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  });

  test('the deployment group is created after the role and its policy (CodeDeploy checks the role)', () => {
    expect(resource(prodOut.tf, 'aws_codedeploy_deployment_group').depends_on).toEqual([
      address(bg.serviceRole.role),
      address(bg.serviceRole.node.findChild('policy') as TerraformResource),
    ]);
  });
});

describe('what the release CLI gets', () => {
  test('without a domain name the test URL uses the load balancer’s DNS name', () => {
    const out = synth(variant(prod, { loadBalancer: { domainName: undefined } }));
    const d = JSON.parse(resource(out.tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value as string);
    expect(d.codeDeploy.testListenerUrl).toBe(`https://${r(out.stack.loadBalancer.alb, 'dns_name')}:8443`);
  });

  test('the descriptor names the CodeDeploy application, group, target groups, listeners and test URL', () => {
    const d = JSON.parse(resource(prodOut.tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value as string);
    expect(d.strategy).toBe('blue-green');
    expect(d.codeDeploy).toEqual({
      application: 'webapp-prod-web',
      deploymentGroup: 'webapp-prod-web',
      deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      containerName: 'app',
      containerPort: 8080,
      targetGroups: {
        blue: { name: 'webapp-prod-web', arn: r(pw.routing!.targetGroup, 'arn') },
        green: { name: 'webapp-prod-web-g', arn: r(bg.greenTargetGroup, 'arn') },
      },
      productionListenerArn: r(p.loadBalancer.productionListener, 'arn'),
      testListenerArn: r(p.loadBalancer.testListener!, 'arn'),
      testListenerUrl: 'https://www.example.com:8443',
      approvalWaitMinutes: 60,
      terminationWaitMinutes: 15,
      rollbackAlarms: ['blue-5xx-rate', 'blue-unhealthy-hosts', 'green-5xx-rate', 'green-unhealthy-hosts'].map((a) => `webapp-prod-web-${a}`),
    });
  });

  test('the deploy role may create and follow deployments of this group only, and stop (never continue) the deployments it names', () => {
    const doc = policy(resource(prodOut.tf, 'aws_iam_role_policy', 'ci/deploy/policy').policy);
    const deploy = doc.Statement.find((s) => s.Sid === 'DeployThroughThisDeploymentGroup')!;
    expect(deploy.Resource).toBe('arn:aws:codedeploy:eu-west-1:222222222222:deploymentgroup:webapp-prod-web/webapp-prod-web');
    expect(deploy.Action).toEqual(expect.arrayContaining(['codedeploy:CreateDeployment', 'codedeploy:GetDeployment']));
    // Stop has no resource type in AWS: on "*", the only CodeDeploy grant that is. Continue (approve) is the approval
    // role's alone.
    const unscoped = doc.Statement.find((s) => s.Sid === 'StopAndFollowDeployments')!;
    expect([unscoped.Resource, unscoped.Action]).toEqual(['*', expect.arrayContaining(['codedeploy:StopDeployment'])]);
    expect(doc.Statement.some((s) => ([] as string[]).concat(s.Action).includes('codedeploy:ContinueDeployment'))).toBe(false);
    expect(doc.Statement.find((s) => s.Sid === 'ReadThisDeploymentConfig')!.Resource).toBe('arn:aws:codedeploy:eu-west-1:222222222222:deploymentconfig:CodeDeployDefault.ECSCanary10Percent5Minutes');
    const devDoc = policy(resource(devOut.tf, 'aws_iam_role_policy', 'ci/deploy/policy').policy);
    expect(devDoc.Statement.some((s) => String(s.Action).includes('codedeploy:'))).toBe(false);
  });
});
