import { evaluate, type PolicyDocument } from '../helpers/iam-evaluator';
import { dev, resource, resources, synth, variant } from '../helpers/stacks';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const ecs = 'arn:${data.aws_partition.partition.partition}:ecs:eu-west-1:111111111111';
const idOf = (tf: ReturnType<typeof synth>['tf'], type: string, prefix: string) => Object.keys(resources(tf, type)).find((id) => id.startsWith(prefix))!;

describe('scheduled service', () => {
  const { tf } = synth(dev);
  const schedule = resource(tf, 'aws_scheduler_schedule', 'services/nightly/schedule') as Record<string, any>;

  test('is never an ECS service: EventBridge Scheduler runs the family without a revision (its latest ACTIVE one) on the cluster, privately', () => {
    expect(Object.keys(resources(tf, 'aws_ecs_service')).some((id) => id.includes('nightly'))).toBe(false);
    expect(schedule).toMatchObject({
      name: 'webapp-dev-nightly',
      schedule_expression: 'cron(0 3 * * ? *)',
      schedule_expression_timezone: 'UTC',
      state: 'ENABLED',
      flexible_time_window: { mode: 'OFF' },
    });
    expect(schedule.target.arn).toBe(`\${aws_ecs_cluster.${idOf(tf, 'aws_ecs_cluster', 'cluster_')}.arn}`);
    expect(schedule.target.ecs_parameters).toMatchObject({
      task_definition_arn: `${ecs}:task-definition/webapp-dev-nightly`,
      launch_type: 'FARGATE',
      network_configuration: { assign_public_ip: false, security_groups: [`\${aws_security_group.${idOf(tf, 'aws_security_group', 'services_nightly_sg_')}.id}`] },
    });
    // A release never changes the schedule: its target names no revision, so nothing there is ignored or drifts.
    expect(schedule.lifecycle).toBeUndefined();
  });

  test('the role the scheduler assumes may only run that family in that cluster and pass those two roles', () => {
    const doc = JSON.parse(String(resource(tf, 'aws_iam_role_policy', 'services/nightly/schedule/scheduler-role/policy').policy)) as PolicyDocument;
    const cluster = `\${aws_ecs_cluster.${idOf(tf, 'aws_ecs_cluster', 'cluster_')}.arn}`;
    const can = (action: string, res: string, context: Record<string, string> = {}) => evaluate(doc, { action, resource: res, context }).allowed;
    const role = (service: string, which: string) => `\${aws_iam_role.${idOf(tf, 'aws_iam_role', `services_${service}_task-definition_${which}-role_`)}.arn}`;
    expect(can('ecs:RunTask', `${ecs}:task-definition/webapp-dev-nightly`, { 'ecs:cluster': cluster })).toBe(true);
    expect(can('ecs:RunTask', `${ecs}:task-definition/webapp-dev-nightly:4`, { 'ecs:cluster': cluster })).toBe(true);
    expect(can('ecs:RunTask', `${ecs}:task-definition/webapp-dev-web:4`, { 'ecs:cluster': cluster })).toBe(false);
    expect(can('ecs:RunTask', `${ecs}:task-definition/webapp-dev-nightly:4`, { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:111111111111:cluster/other' })).toBe(false);
    expect(can('iam:PassRole', role('nightly', 'task'), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(true);
    expect(can('iam:PassRole', role('nightly', 'execution'), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(true);
    expect(can('iam:PassRole', role('web', 'task'), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(false);
    expect(can('iam:PassRole', role('nightly', 'task'), { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(false);
    expect(can('ecs:StopTask', `${ecs}:task/webapp-dev/abc`)).toBe(false);
    const trust = JSON.parse(String(resource(tf, 'aws_iam_role', 'services/nightly/schedule/scheduler-role').assume_role_policy));
    expect(trust.Statement[0]).toMatchObject({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } });
  });
});

describe('worker service', () => {
  test('runs without a load balancer, a port or a target group, scaling on CPU and on its queue backlog per task', () => {
    const { tf } = synth(variant(dev, { services: { worker: { autoScaling: { minCapacity: 1, maxCapacity: 5, queue: { queueName: 'webapp-dev-jobs', targetMessagesPerTask: 50 } } } } }));
    const svc = resource(tf, 'aws_ecs_service', 'services/worker/service');
    expect(svc.load_balancer).toBeUndefined();
    expect(svc.health_check_grace_period_seconds).toBeUndefined();
    expect(Object.keys(resources(tf, 'aws_lb_target_group')).some((id) => id.includes('worker'))).toBe(false);
    const spec = resource(tf, 'terraform_data', 'services/worker/task-definition/container-spec').input as Record<string, unknown>;
    expect(spec.portMappings).toBeUndefined();
    expect(spec.command).toEqual(['node', 'worker.js']);
    const queue = resource(tf, 'aws_appautoscaling_policy', 'services/worker/scaling/scaling-queue') as Record<string, any>;
    expect(queue.target_tracking_scaling_policy_configuration.target_value).toBe(50);
    const metrics = queue.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics;
    expect(metrics.map((m: { id: string }) => m.id)).toEqual(['visible', 'tasks', 'backlog']);
    expect(metrics[0].metric_stat.metric.dimensions).toEqual([{ name: 'QueueName', value: 'webapp-dev-jobs' }]);
    expect(metrics[2]).toMatchObject({ expression: 'visible / MAX([tasks, 1])', return_data: true });
  });
});

describe('sidecars', () => {
  const router = { image: `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST}`, essential: false, firelens: { type: 'fluentbit' } };
  const env = variant(dev, {
    services: { web: { logging: { driver: 'firelens', options: { Name: 'cloudwatch_logs', region: 'eu-west-1' } }, dependsOn: [{ container: 'log-router', condition: 'START' }], sidecars: { 'log-router': router } } },
  });
  const { tf } = synth(env);
  const task = resource(tf, 'aws_ecs_task_definition', 'services/web/task-definition/task');

  test('join the task definition with their pinned image; the app logs through the router and starts after it', () => {
    const defs = String(task.container_definitions);
    expect(defs).toContain(`"image" = "${router.image}"`);
    expect(defs).toContain('"firelensConfiguration" = {');
    expect(defs).toContain('"logDriver" = "awsfirelens"');
    expect(defs).toContain('"containerName" = "log-router"');
    const app = resource(tf, 'terraform_data', 'services/web/task-definition/container-spec').input as Record<string, unknown>;
    expect(app.logConfiguration).toEqual({ logDriver: 'awsfirelens', options: { Name: 'cloudwatch_logs', region: 'eu-west-1' } });
    expect(app.dependsOn).toEqual([{ containerName: 'log-router', condition: 'START' }]);
  });

  test('a sidecar change replaces the task definition (its own trigger), which reads the app image from the release pointer again', () => {
    const sidecarSpec = idOf(tf, 'terraform_data', 'services_web_task-definition_sidecar-spec_');
    expect((task.lifecycle as { replace_triggered_by: string[] }).replace_triggered_by).toEqual([expect.stringMatching(/^terraform_data\.services_web_task-definition_container-spec_/), `terraform_data.${sidecarSpec}`]);
    expect(resources(tf, 'terraform_data')[sidecarSpec].input).toEqual([expect.objectContaining({ name: 'log-router', image: router.image, essential: false })]);
    expect(String(task.container_definitions)).toContain('"image" = aws_ssm_parameter.');
    // The release descriptor names the sidecars: a release never changes them.
    expect(JSON.parse(String(resource(tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value)).sidecars).toEqual(['log-router']);
  });

  test('without sidecars the trigger holds an empty list, so the first sidecar is an update of it (creation would trigger nothing)', () => {
    const shipped = synth(dev).tf;
    expect(resources(shipped, 'terraform_data')[idOf(shipped, 'terraform_data', 'services_web_task-definition_sidecar-spec_')].input).toEqual([]);
  });
});
