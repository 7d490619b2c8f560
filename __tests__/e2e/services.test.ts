import { DescribeServicesCommand, DescribeTasksCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Service } from '@aws-sdk/client-ecs';
import { registerable } from '../../src/release/revision';
import { DescribeListenersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { resourceNames, serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { dev, variant } from '../helpers/stacks';
import { accountClients, apply, applyStack, commitTag, deployRoleArn, describeRevision, plan, pushImage, release, releaseBin, resynth, startEmulator, type AppliedStack } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/**
 * Issue 11's proofs on moto, with real Terraform and the compiled CLI: one environment (dev as shipped: web, a worker
 * from the same image, a nightly scheduled task, all in release group "app") where one release reaches every service,
 * Terraform never sees a release as drift, and configuration changes to one service (a worker variable, a sidecar, a
 * port) reach it with the released digest and leave the others alone.
 */
describe('several services of one environment (dev applied into moto)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  let config: EnvironmentConfig = dev;
  const role = deployRoleArn(dev);
  const GROUP = 'app';
  const grouped = Object.entries(dev.services).filter(([, s]) => s.releaseGroup === GROUP).map(([name]) => name);
  const longRunning = grouped.filter((name) => dev.services[name].kind !== 'scheduled');
  const scheduled = grouped.find((name) => dev.services[name].kind === 'scheduled')!;
  const released: { image: string; digest: string }[] = [];

  /** What AWS holds for one service: its ECS service (none for a scheduled one) and its release pointer. */
  async function serviceState(name: string): Promise<{ service?: Service; pointer: string }> {
    const { ecs, ssm } = await accountClients(moto, config.accountId, config.region);
    const n = serviceNames(config, name);
    const found = (await ecs.send(new DescribeServicesCommand({ cluster: n.cluster, services: [n.service] }))).services ?? [];
    const pointer = (await ssm.send(new GetParameterCommand({ Name: n.releaseParameter }))).Parameter!.Value!;
    return { service: found.find((s) => s.status === 'ACTIVE'), pointer };
  }

  /** The application container of a revision (the one releases change), and every other container by name. */
  async function containers(name: string, revision: string) {
    const r = await describeRevision(moto, config, revision);
    const app = serviceNames(config, name).container;
    const all = r.definition.containerDefinitions ?? [];
    return { app: all.find((c) => c.name === app)!, others: all.filter((c) => c.name !== app), tags: r.tags, definition: r.definition };
  }

  /** The schedule of a scheduled service, as EventBridge Scheduler returns it. */
  async function schedule(name: string) {
    const { scheduler } = await accountClients(moto, config.accountId, config.region);
    return scheduler.send(new GetScheduleCommand({ Name: serviceNames(config, name).scheduleName, GroupName: resourceNames(config).scheduleGroup }));
  }

  /** Which task-definition resources a plan replaces, by the service they belong to. */
  const replacedFamilies = (p: ReturnType<typeof plan>) =>
    p.changes.filter((c) => c.address.startsWith('aws_ecs_task_definition.') || c.address.includes('.aws_ecs_task_definition.')).map((c) => ({ address: c.address, actions: c.actions.join('+') }));

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    stack = await applyStack(moto, dev);
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    stack?.remove();
  });

  test('after apply: web and worker run as ECS services, the nightly job only as a schedule, and the plan is empty', async () => {
    expect(grouped.length).toBeGreaterThanOrEqual(3);
    expect(plan(moto, stack).code).toBe(0);
    for (const name of longRunning) {
      const s = await serviceState(name);
      expect([name, s.service?.serviceName]).toEqual([name, name]);
      expect(s.pointer).toBe(dev.services[name].bootstrapImage);
    }
    expect((await serviceState(scheduled)).service).toBeUndefined();
    const target = (await schedule(scheduled)).Target!;
    expect(target.Arn).toBe(`arn:aws:ecs:${dev.region}:${dev.accountId}:cluster/${resourceNames(dev).cluster}`);
    expect(target.EcsParameters!.TaskDefinitionArn).toMatch(new RegExp(`:task-definition/${serviceNames(dev, scheduled).family}(:\\d+)?$`));
  }, 120_000);

  test('one `deploy --group app` releases the image to every service of the group; the plan exits 0 after each of three releases', async () => {
    for (let i = 0; i < 3; i += 1) {
      // GIVEN a new image
      const tag = commitTag();
      const { digest, uri } = await pushImage(moto, dev, tag);
      const image = `${uri}@${digest}`;
      // WHEN the pipeline releases it to the group with one command
      const r = releaseBin(moto, ['deploy', '--env', 'dev', '--group', GROUP, '--image', `${uri}:${tag}`, '--commit', tag, '--role-arn', role, '--json']);
      expect({ release: i + 1, code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ release: i + 1, code: 0, errors: [] });
      released.push({ image, digest });
      // THEN every service's pointer names the digest and every long-running service runs it in its app container
      for (const name of grouped) expect([name, (await serviceState(name)).pointer]).toEqual([name, image]);
      for (const name of longRunning) {
        const running = await containers(name, (await serviceState(name)).service!.taskDefinition!);
        expect([name, running.app.image, running.tags['ecs-release:image-digest']]).toEqual([name, image, digest]);
      }
      // AND Terraform sees no change at all
      const p = plan(moto, stack);
      expect({ release: i + 1, exitCode: p.code, changes: p.changes }).toEqual({ release: i + 1, exitCode: 0, changes: [] });
    }
  }, 900_000);

  test('the scheduled task\'s next run (its schedule\'s target, run exactly as the scheduler would) uses the released digest', async () => {
    gap('scheduler-never-runs');
    const last = released[released.length - 1];
    const family = serviceNames(dev, scheduled).family;
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    // GIVEN the schedule's target as AWS holds it: the family, no revision, so a release never changes the schedule
    const target = (await schedule(scheduled)).Target!;
    const ecsTarget = target.EcsParameters!;
    expect(ecsTarget.TaskDefinitionArn).toBe(`arn:aws:ecs:${dev.region}:${dev.accountId}:task-definition/${family}`);
    // THEN it resolves to the family's newest revision, the one the last release registered, with the released image
    const resolved = await containers(scheduled, ecsTarget.TaskDefinitionArn!);
    // (by revision number: moto lists in registration order whatever `sort` says)
    const revisions = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns!;
    const newest = revisions.reduce((a, b) => (Number(b.split(':').pop()) > Number(a.split(':').pop()) ? b : a));
    expect(resolved.definition.taskDefinitionArn).toBe(newest);
    expect(resolved.app.image).toBe(last.image);
    expect(resolved.tags['ecs-release:image-digest']).toBe(last.digest);
    expect(resolved.app.command).toEqual(dev.services[scheduled].command);
    // WHEN the target is run (moto cannot run a task without container-level memory: a copy of that revision with
    // memoryReservation becomes the newest, gap run-task-container-memory), exactly as the schedule names it
    gap('run-task-container-memory');
    const input = registerable(resolved.definition);
    for (const c of input.containerDefinitions!) c.memoryReservation ??= 64;
    const runnable = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
    const vpc = ecsTarget.NetworkConfiguration!.awsvpcConfiguration!;
    const run = await ecs.send(new RunTaskCommand({
      cluster: target.Arn,
      taskDefinition: ecsTarget.TaskDefinitionArn,
      count: ecsTarget.TaskCount,
      launchType: ecsTarget.LaunchType as 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: vpc.Subnets, securityGroups: vpc.SecurityGroups, assignPublicIp: vpc.AssignPublicIp as 'DISABLED' } },
    }));
    // THEN the run started the family's newest revision, with the released image, in the private subnets
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: target.Arn, tasks: [run.tasks![0].taskArn!] }))).tasks![0];
    expect(task.taskDefinitionArn).toBe(runnable);
    expect((await containers(scheduled, task.taskDefinitionArn!)).app.image).toBe(last.image);
    expect(vpc.AssignPublicIp).toBe('DISABLED');
  }, 120_000);

  test('a worker environment-variable change replaces only the worker\'s task definition; the worker then runs the released digest with it', async () => {
    const last = released[released.length - 1];
    const webBefore = (await serviceState('web')).service!.taskDefinition;
    // GIVEN the merged configuration change
    const worker = dev.services.worker;
    config = variant(config, { services: { worker: { environment: { ...worker.environment, BATCH_SIZE: '25' } } } });
    stack = resynth(stack, config);
    // WHEN planning
    const p = plan(moto, stack);
    // THEN exactly one task definition is replaced, the worker's, and no ECS service changes
    expect(p.code).toBe(2);
    const replaced = replacedFamilies(p);
    expect(replaced).toHaveLength(1);
    expect(replaced[0].address).toMatch(/worker/);
    expect(p.changes.filter((c) => c.address.includes('aws_ecs_service'))).toEqual([]);
    apply(moto, stack);
    // AND the worker's next revision (rollout) has the variable and the released digest; web is untouched
    const r = await release(moto, ['rollout', '--env', 'dev', '--service', 'worker', '--role-arn', role, '--json']);
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ code: 0, errors: [] });
    const running = await containers('worker', (await serviceState('worker')).service!.taskDefinition!);
    expect(running.app.image).toBe(last.image);
    expect(running.app.environment).toContainEqual({ name: 'BATCH_SIZE', value: '25' });
    expect((await serviceState('web')).service!.taskDefinition).toBe(webBefore);
    expect(plan(moto, stack).code).toBe(0);
  }, 300_000);

  test('a sidecar image change in configuration reaches the service with the app\'s deployed digest; a release never touches the sidecar', async () => {
    const last = released[released.length - 1];
    const sidecar = (n: number) => `public.ecr.aws/aws-observability/aws-for-fluent-bit@sha256:${String(n).repeat(64)}`;
    // GIVEN web with a non-essential sidecar, applied and rolled out, then its image changed in configuration
    for (const [n, step] of [[1, 'add'], [2, 'change']] as const) {
      config = variant(config, { services: { web: { sidecars: { agent: { image: sidecar(n), essential: false, memoryReservationMiB: 64 } } } } });
      stack = resynth(stack, config);
      const p = plan(moto, stack);
      expect([step, replacedFamilies(p).map((c) => /web/.test(c.address))]).toEqual([step, [true]]);
      apply(moto, stack);
      const r = await release(moto, ['rollout', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
      expect([step, r.code]).toEqual([step, 0]);
      // THEN the running revision has the configured sidecar image and the released app image
      const running = await containers('web', (await serviceState('web')).service!.taskDefinition!);
      expect([step, running.app.image, running.others.find((c) => c.name === 'agent')?.image]).toEqual([step, last.image, sidecar(n)]);
      expect(plan(moto, stack).code).toBe(0);
    }
    // AND the next release changes the app container only: the sidecar keeps its configured image
    const tag = commitTag();
    const { digest, uri } = await pushImage(moto, dev, tag);
    const r = releaseBin(moto, ['deploy', '--env', 'dev', '--group', GROUP, '--image', `${uri}@${digest}`, '--role-arn', role, '--json']);
    expect(r.code).toBe(0);
    released.push({ image: `${uri}@${digest}`, digest });
    const running = await containers('web', (await serviceState('web')).service!.taskDefinition!);
    expect([running.app.image, running.others.find((c) => c.name === 'agent')?.image]).toEqual([`${uri}@${digest}`, sidecar(2)]);
    expect(plan(moto, stack).code).toBe(0);
  }, 600_000);

  test('the port change 8080 -> 9090 applies, and traffic, target group, service and revision move together', async () => {
    const last = released[released.length - 1];
    expect(dev.services.web.kind === 'web' && dev.services.web.containerPort).toBe(8080);
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const n = serviceNames(config, 'web');
    const describe = async () => (await ecs.send(new DescribeServicesCommand({ cluster: n.cluster, services: [n.service] }))).services![0];
    const groupBefore = (await describe()).loadBalancers![0].targetGroupArn;
    // GIVEN web's port changed in configuration
    config = variant(config, { services: { web: { containerPort: 9090 } } });
    stack = resynth(stack, config);
    // WHEN planned and applied (this used to fail: the target group was replaced while a listener rule still used it)
    const p = plan(moto, stack);
    expect(p.changes.filter((c) => c.address.includes('aws_lb_target_group') || c.address.includes('aws_lb_listener_rule'))).toEqual([]);
    apply(moto, stack);
    // AND the release CLI ships the new revision (released image, port 9090) with the service's new port mapping
    const r = await release(moto, ['rollout', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ code: 0, errors: [] });
    // THEN the service's load-balancer mapping, its target group (the same one: never replaced), the listener rule
    // forwarding to it and the running revision all go with 9090, and the revision still runs the released image
    const svc = await describe();
    const lb = svc.loadBalancers![0];
    expect([lb.containerName, lb.containerPort, lb.targetGroupArn]).toEqual([n.container, 9090, groupBefore]);
    const elb = await elbClient(moto, dev);
    const group = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [lb.targetGroupArn!] }))).TargetGroups![0];
    expect(group.HealthCheckPort).toBe('traffic-port');
    const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: await listenerOf(elb, group.LoadBalancerArns![0]) }))).Rules ?? [];
    const forwards = rules.flatMap((rule) => (rule.Actions ?? []).flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)])).filter(Boolean);
    expect(forwards).toContain(lb.targetGroupArn);
    const running = await containers('web', svc.taskDefinition!);
    expect(running.app.portMappings?.map((m) => m.containerPort)).toEqual([9090]);
    expect(running.app.image).toBe(last.image);
    // AND Terraform is at rest afterwards
    expect(plan(moto, stack).code).toBe(0);
  }, 600_000);
});

async function elbClient(moto: Moto, env: EnvironmentConfig): Promise<ElasticLoadBalancingV2Client> {
  return (await accountClients(moto, env.accountId, env.region)).elb;
}

/** The production (HTTP or HTTPS) listener of a load balancer. */
async function listenerOf(elb: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<string> {
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }))).Listeners ?? [];
  return listeners.find((l) => l.Port === 443 || l.Port === 80)!.ListenerArn!;
}
