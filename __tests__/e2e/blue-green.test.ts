import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServicePrimaryTaskSetCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { CODEDEPLOY_OWNED_LISTENER_PATHS } from '../../modules/load-balancer';
import { startMoto, type Moto } from '../../scripts/lib/moto';
import { scratchDir, synthEnvironments, type PlanJson } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { deployRoleArn, pushImage, release, webService } from '../helpers/emulator';
import { plannedChanges, type PlannedChange } from '../helpers/plan';
import { gap, toleratedFields } from './moto-gaps';
import { prod, variant } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/**
 * What this file tolerates of moto, from the one list (__tests__/e2e/moto-gaps.ts): attributes Terraform reads back
 * wrong, each of which must appear in the first plan after apply, so the list cannot go stale.
 */
const FIELD_GAPS = toleratedFields('create-service-fields', 'codedeploy-alarm-configuration');

/** Changes (as `address: path`) the moto gaps do not explain. */
function unexplained(changes: PlannedChange[], alsoExpected: (c: PlannedChange, path: string) => boolean = () => false): string[] {
  return changes.flatMap((c) =>
    c.paths
      .filter((path) => {
        const field = FIELD_GAPS.find((g) => g.field === `${c.type}.${path.split('.')[0]}`);
        const tolerated = field !== undefined && c.actions === 'update' && (field.onlyWhen === undefined || c.after[field.onlyWhen] != null);
        return !tolerated && !alsoExpected(c, path);
      })
      .map((path) => `${c.address} (${c.actions}): ${path}`),
  );
}

/** The moto gaps a plan shows, as `type.attribute`. */
const gapsShown = (changes: PlannedChange[]) =>
  [...new Set(changes.flatMap((c) => c.paths.map((p) => `${c.type}.${p.split('.')[0]}`)).filter((f) => FIELD_GAPS.some((g) => g.field === f)))].sort();

type Clients = { ecs: ECSClient; elb: ElasticLoadBalancingV2Client; codedeploy: CodeDeployClient; ssm: SSMClient };

describe('prod blue/green against moto with real Terraform: CodeDeploy moves traffic, Terraform keeps to its side', () => {
  const scratch = scratchDir('e2e-blue-green');
  const outdir = join(scratch.dir, 'out');
  let moto: Moto;
  let env: EnvironmentConfig;
  let dir: string;
  let aws: Clients;
  const names = serviceNames(prod, 'web');
  const ids: { blue: string; green: string; production: string; test: string; originalTaskSet?: string; replacementTaskSet?: string } = { blue: '', green: '', production: '', test: '' };

  const tf = (args: string[], okCodes = [0]) => terraform(args, dir, { env: moto.env, okCodes });
  const plan = (): { plan: PlanJson; exitCode: number; changes: PlannedChange[] } => {
    const { code } = tf(['plan', '-input=false', '-detailed-exitcode', '-out=tfplan'], [0, 2]);
    const shown = JSON.parse(tf(['show', '-json', 'tfplan']).stdout) as PlanJson;
    return { plan: shown, exitCode: code, changes: plannedChanges(shown) };
  };
  const forward = (weights: [string, number][]): Action[] => [
    { Type: 'forward', ForwardConfig: { TargetGroups: weights.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } },
  ];
  const service = async (): Promise<Service> => (await aws.ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }))).services![0];
  const listenerTargets = async (arn: string) =>
    (await aws.elb.send(new DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners![0].DefaultActions!.map((a) =>
      a.ForwardConfig ? a.ForwardConfig.TargetGroups!.map((t) => `${t.TargetGroupArn}=${t.Weight}`).join(',') : `${a.TargetGroupArn}`,
    );

  /**
   * One ECS blue/green deployment exactly as CodeDeploy performs it, through the same APIs: register the revision (as
   * the release CLI does, release pointer included), create the deployment, start the replacement task set on the
   * idle target group, point the test listener at it, shift production (canary step, then all), make the replacement
   * the primary task set, delete the original. `between` runs while 10 % of production traffic is shifted.
   */
  async function codeDeploySwap(from: 'blue' | 'green', image: string, between?: () => Promise<void>): Promise<void> {
    const to = from === 'blue' ? 'green' : 'blue';
    const current = await service();
    let revision: { taskDefinitionArn?: string };
    let deploymentId: string;
    if (image.startsWith('ecs-release:')) {
      // The release CLI registers the revision, writes the release pointer and creates the CodeDeploy deployment;
      // moto records the deployment but never runs it (gap codedeploy-static-deployment), so it starts with --no-wait
      // and this test performs what CodeDeploy would do next.
      gap('codedeploy-static-deployment');
      const tag = image.slice('ecs-release:'.length);
      const pushed = await pushImage(moto, env, tag);
      const r = await release(moto, ['deploy', '--env', 'prod', '--service', 'web', '--image', `${pushed.uri}:${tag}`, '--role-arn', deployRoleArn(env), '--no-wait', '--json'], () => env);
      expect(r.stderr).not.toMatch(/ecs-release: /);
      expect(r.json).toMatchObject({ command: 'deploy', outcome: 'started', exitCode: 0 });
      revision = { taskDefinitionArn: r.json!.revision as string };
      deploymentId = r.json!.deploymentId as string;
      const p = await aws.ssm.send(new GetParameterCommand({ Name: names.releaseParameter }));
      expect(p.Parameter!.Value).toBe(`${pushed.uri}@${pushed.digest}`);
    } else {
      const { taskDefinition: td } = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current.taskDefinition! }));
      revision = (
        await aws.ecs.send(
          new RegisterTaskDefinitionCommand({
            family: td!.family!,
            taskRoleArn: td!.taskRoleArn,
            executionRoleArn: td!.executionRoleArn,
            networkMode: td!.networkMode,
            requiresCompatibilities: td!.requiresCompatibilities,
            cpu: td!.cpu,
            memory: td!.memory,
            runtimePlatform: td!.runtimePlatform,
            containerDefinitions: td!.containerDefinitions!.map((c) => ({ ...c, image })),
          }),
        )
      ).taskDefinition!;
      await aws.ssm.send(new PutParameterCommand({ Name: names.releaseParameter, Value: image, Overwrite: true, Type: 'String' }));
      const appSpec = { version: 0.0, Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: revision.taskDefinitionArn, LoadBalancerInfo: { ContainerName: names.container, ContainerPort: webService(env).containerPort } } } }] };
      deploymentId = (
        await aws.codedeploy.send(
          new CreateDeploymentCommand({ applicationName: names.codedeployApplication, deploymentGroupName: names.codedeployGroup, revision: { revisionType: 'AppSpecContent', appSpecContent: { content: JSON.stringify(appSpec) } } }),
        )
      ).deploymentId!;
    }
    expect((await aws.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo).toMatchObject({ deploymentGroupName: names.codedeployGroup });

    // Install: the replacement task set on the idle target group (scale left out).
    gap('codedeploy-task-set-scale');
    const replacement = await aws.ecs.send(
      new CreateTaskSetCommand({
        cluster: names.cluster,
        service: names.service,
        externalId: deploymentId,
        taskDefinition: revision.taskDefinitionArn,
        loadBalancers: [{ targetGroupArn: ids[to], containerName: names.container, containerPort: webService(env).containerPort }],
        networkConfiguration: current.networkConfiguration,
        launchType: 'FARGATE',
      }),
    );
    // AllowTestTraffic, then AllowTraffic in two canary steps.
    await aws.elb.send(new ModifyListenerCommand({ ListenerArn: ids.test, DefaultActions: forward([[ids[to], 100], [ids[from], 0]]) }));
    await aws.elb.send(new ModifyListenerCommand({ ListenerArn: ids.production, DefaultActions: forward([[ids[from], 90], [ids[to], 10]]) }));
    await between?.();
    await aws.elb.send(new ModifyListenerCommand({ ListenerArn: ids.production, DefaultActions: forward([[ids[to], 100], [ids[from], 0]]) }));
    await aws.ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: names.cluster, service: names.service, primaryTaskSet: replacement.taskSet!.taskSetArn }));
    // After the termination wait: the original task set goes.
    await aws.ecs.send(new DeleteTaskSetCommand({ cluster: names.cluster, service: names.service, taskSet: ids.replacementTaskSet ?? ids.originalTaskSet! }));
    ids.replacementTaskSet = replacement.taskSet!.taskSetArn;
  }

  beforeAll(async () => {
    requireTerraform();
    moto = await startMoto({ region: prod.region });
    // prod lives in account 222222222222, not moto's default 123456789012. moto switches accounts on AssumeRole: the
    // temporary credentials of a role ARN act in that role's account. Terraform gets there through the provider's
    // assume_role (kept by the emulator target); the SDK clients here do the same AssumeRole.
    const sts = new STSClient({ endpoint: moto.endpoint, region: prod.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: prod.terraformRoleArn, RoleSessionName: 'e2e-blue-green' }));
    const config = { endpoint: moto.endpoint, region: prod.region, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken } };
    aws = { ecs: new ECSClient(config), elb: new ElasticLoadBalancingV2Client(config), codedeploy: new CodeDeployClient(config), ssm: new SSMClient(config) };
    // moto checks that a listener's certificate exists in the account: prod's configured one cannot, so one is issued.
    const { CertificateArn } = await new ACMClient(config).send(new RequestCertificateCommand({ DomainName: prod.loadBalancer.domainName! }));
    env = variant(prod, { loadBalancer: { certificateArn: CertificateArn } });

    dir = synthEnvironments([env], outdir, 'emulator').prod;
    tf(['init', '-input=false']);
    tf(['apply', '-auto-approve', '-input=false']);

    const tgs = (await aws.elb.send(new DescribeTargetGroupsCommand({ Names: [names.targetGroup, names.greenTargetGroup] }))).TargetGroups!;
    ids.blue = tgs.find((t) => t.TargetGroupName === names.targetGroup)!.TargetGroupArn!;
    ids.green = tgs.find((t) => t.TargetGroupName === names.greenTargetGroup)!.TargetGroupArn!;
    const { Listeners } = await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: tgs[0].LoadBalancerArns![0] }));
    ids.production = Listeners!.find((l) => l.Port === 443)!.ListenerArn!;
    ids.test = Listeners!.find((l) => l.Port === env.loadBalancer.testListenerPort)!.ListenerArn!;

    // What ECS does itself when it creates a CODE_DEPLOY service (moto does not): the original task set, on blue.
    const current = await service();
    const original = await aws.ecs.send(
      new CreateTaskSetCommand({ cluster: names.cluster, service: names.service, taskDefinition: current.taskDefinition!, loadBalancers: current.loadBalancers, networkConfiguration: current.networkConfiguration, launchType: 'FARGATE' }),
    );
    ids.originalTaskSet = original.taskSet!.taskSetArn;
    await aws.ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: names.cluster, service: names.service, primaryTaskSet: ids.originalTaskSet }));
  }, 900_000);

  afterAll(async () => {
    await moto?.stop();
    scratch.remove();
  });

  test('the applied stack is a CodeDeploy blue/green service: controller, group, both target groups, listeners on blue', async () => {
    const svc = await service();
    expect(svc.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    expect(svc.loadBalancers).toEqual([{ targetGroupArn: ids.blue, containerName: 'app', containerPort: 8080 }]);
    const group = (await aws.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: names.codedeployApplication, deploymentGroupName: names.codedeployGroup }))).deploymentGroupInfo!;
    expect(group).toMatchObject({
      computePlatform: 'ECS',
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: names.cluster, serviceName: names.service }],
      loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: names.targetGroup }, { name: names.greenTargetGroup }], prodTrafficRoute: { listenerArns: [ids.production] }, testTrafficRoute: { listenerArns: [ids.test] } }] },
    });
    expect(await listenerTargets(ids.production)).toEqual([ids.blue]);
    expect(await listenerTargets(ids.test)).toEqual([ids.blue]);
  });

  test('right after apply the plan shows every listed moto gap and nothing else', () => {
    const { changes, exitCode } = plan();
    expect(unexplained(changes)).toEqual([]);
    expect(gapsShown(changes)).toEqual(FIELD_GAPS.map((g) => g.field).sort());
    expect(exitCode).toBe(2);
    process.stdout.write(`plan after apply: exit ${exitCode}, changes only from moto gaps: ${gapsShown(changes).join(', ')}\n`);
  });

  test('mid-deployment (10 % shifted) and after CodeDeploy’s swap to green, Terraform plans nothing of its own', async () => {
    let midShift: string[] = ['not planned'];
    await codeDeploySwap('blue', 'ecs-release:1a2b3c4', async () => {
      expect(await listenerTargets(ids.production)).toEqual([`${ids.blue}=90,${ids.green}=10`]);
      midShift = unexplained(plan().changes);
    });
    expect(midShift).toEqual([]);
    // THEN AWS really is in CodeDeploy's state: the service on green with the new revision, both listeners on green
    const svc = await service();
    expect(svc.loadBalancers![0].targetGroupArn).toBe(ids.green);
    expect(svc.taskDefinition).toMatch(/:2$/);
    expect(await listenerTargets(ids.production)).toEqual([`${ids.green}=100,${ids.blue}=0`]);
    expect(await listenerTargets(ids.test)).toEqual([`${ids.green}=100,${ids.blue}=0`]);
    // AND Terraform plans nothing beyond the moto gaps: no listener, service or target group change
    const { changes, exitCode } = plan();
    expect(unexplained(changes)).toEqual([]);
    expect(gapsShown(changes)).toEqual(FIELD_GAPS.map((g) => g.field).sort());
    process.stdout.write(`plan after the swap to green: exit ${exitCode}, changes only from moto gaps\n`);
  });

  test('ecs-release refuses a second deployment while CodeDeploy\'s is in flight, and changes nothing', async () => {
    // GIVEN the deployment ecs-release started, still in flight in moto (its deployments never end)
    const before = { service: await service(), pointer: (await aws.ssm.send(new GetParameterCommand({ Name: names.releaseParameter }))).Parameter };
    const pushed = await pushImage(moto, env, '5d6e7f8');
    // WHEN another deploy is asked for
    const r = await release(moto, ['deploy', '--env', 'prod', '--service', 'web', '--image', `${pushed.uri}:5d6e7f8`, '--role-arn', deployRoleArn(env)], () => env);
    // THEN it is refused in one line, and neither the service nor the pointer changed
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^ecs-release: deployment in progress: CodeDeploy \S+ of webapp-prod-web; allowed: start when it has finished/)]);
    const after = { service: await service(), pointer: (await aws.ssm.send(new GetParameterCommand({ Name: names.releaseParameter }))).Parameter };
    expect(after.service.taskDefinition).toBe(before.service.taskDefinition);
    expect(after.pointer?.Version).toBe(before.pointer?.Version);
  });

  test('ecs-release status names the live target group, the test listener and the deployment in flight', async () => {
    const r = await release(moto, ['status', '--env', 'prod', '--service', 'web', '--role-arn', deployRoleArn(env), '--json'], () => env);
    expect(r.code === 0 ? 'exit 0' : r.stderr).toBe('exit 0');
    expect(r.json!.blueGreen).toMatchObject({ liveTargetGroup: names.greenTargetGroup, testTargetGroup: names.greenTargetGroup, deployment: { status: 'Created' } });
  });

  test('control: without the CodeDeploy ignores the same plan would move traffic back to blue', () => {
    // GIVEN the synthesized configuration with the CodeDeploy-owned ignore_changes removed
    const file = join(dir, 'cdk.tf.json');
    const original = readFileSync(file, 'utf8');
    const config = JSON.parse(original);
    const owned: string[] = [...CODEDEPLOY_OWNED_LISTENER_PATHS];
    for (const listener of Object.values(config.resource.aws_lb_listener) as { lifecycle?: { ignore_changes: string[] } }[]) {
      if (listener.lifecycle) listener.lifecycle.ignore_changes = listener.lifecycle.ignore_changes.filter((p) => !owned.includes(p));
    }
    for (const svc of Object.values(config.resource.aws_ecs_service) as { lifecycle: { ignore_changes: string[] } }[]) {
      svc.lifecycle.ignore_changes = svc.lifecycle.ignore_changes.filter((p) => p !== 'load_balancer');
    }
    writeFileSync(file, JSON.stringify(config));
    try {
      // WHEN planned / THEN both listeners and the service would be reverted
      const reverted = unexplained(plan().changes).map((c) => c.replace(/_[0-9A-F]{8}\b/, '').replace(/ \(.*\)/, ''));
      expect(reverted).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws_lb_listener\.load-balancer_production: default_action\.0\.target_group_arn$/),
          expect.stringMatching(/^aws_lb_listener\.load-balancer_test: default_action\.0\.target_group_arn$/),
          expect.stringMatching(/^aws_ecs_service\.services_web_service: load_balancer\.0\.target_group_arn$/),
        ]),
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  test('a second deployment swaps back to blue, and Terraform still plans nothing of its own', async () => {
    await codeDeploySwap('green', 'public.ecr.aws/nginx/nginx:1.29-alpine');
    expect((await service()).loadBalancers![0].targetGroupArn).toBe(ids.blue);
    expect(await listenerTargets(ids.production)).toEqual([`${ids.blue}=100,${ids.green}=0`]);
    expect(unexplained(plan().changes)).toEqual([]);
    // Leave production on green for the next test: one more swap.
    await codeDeploySwap('blue', 'public.ecr.aws/nginx/nginx:1.29.1-alpine');
    expect(await listenerTargets(ids.production)).toEqual([`${ids.green}=100,${ids.blue}=0`]);
  });

  // One change of each kind in one plan and one apply: a change CodeDeploy has no part in (the target groups' health
  // check) and one on the listeners whose forward target CodeDeploy owns (their TLS policy). Each plan of this stack
  // costs several seconds of CPU, and the two changes touch different resources, so one round proves both.
  test('a health-check and a TLS-policy change plan as exactly those attributes, apply, and keep CodeDeploy’s forward target', async () => {
    // GIVEN production on green (CodeDeploy's last swap), and the configuration changed: health-check path, TLS policy
    const changed = variant(env, { services: { web: { healthCheck: { path: '/healthz' } } }, loadBalancer: { sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' } });
    synthEnvironments([changed], outdir, 'emulator');
    // WHEN planned
    const { changes } = plan();
    // THEN both target groups change their health-check path in place, both HTTPS listeners (production and test) their
    // ssl_policy in place, and nothing else beyond the moto gaps: nothing of CodeDeploy's routing
    const healthCheck = (c: PlannedChange, path: string) => c.type === 'aws_lb_target_group' && c.actions === 'update' && path === 'health_check.0.path';
    const tls = (c: PlannedChange, path: string) => c.type === 'aws_lb_listener' && c.actions === 'update' && path === 'ssl_policy';
    expect(unexplained(changes, (c, path) => healthCheck(c, path) || tls(c, path))).toEqual([]);
    const targetGroups = changes.filter((c) => c.type === 'aws_lb_target_group');
    const listeners = changes.filter((c) => c.type === 'aws_lb_listener');
    expect(targetGroups.map((c) => [c.actions, c.paths])).toEqual([
      ['update', ['health_check.0.path']],
      ['update', ['health_check.0.path']],
    ]);
    expect(listeners.map((c) => [c.actions, c.paths])).toEqual([
      ['update', ['ssl_policy']],
      ['update', ['ssl_policy']],
    ]);
    // AND applying it changes AWS, and the listeners get their current forward target (green, from the state) sent
    // back, not the configuration's blue (-target: a full apply would also re-send the attributes moto never reads
    // back, listed in moto-gaps.ts)
    tf(['apply', '-auto-approve', '-input=false', ...[...targetGroups, ...listeners].map((c) => `-target=${c.address}`)]);
    const tgs = (await aws.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [ids.blue, ids.green] }))).TargetGroups!;
    expect(tgs.map((t) => t.HealthCheckPath)).toEqual(['/healthz', '/healthz']);
    const described = (await aws.elb.send(new DescribeListenersCommand({ ListenerArns: [ids.production, ids.test] }))).Listeners!;
    expect(described.map((l) => l.SslPolicy)).toEqual(['ELBSecurityPolicy-TLS13-1-3-2021-06', 'ELBSecurityPolicy-TLS13-1-3-2021-06']);
    expect(await listenerTargets(ids.production)).toEqual([`${ids.green}=100,${ids.blue}=0`]);
    expect(await listenerTargets(ids.test)).toEqual([`${ids.green}=100,${ids.blue}=0`]);
    expect((await service()).loadBalancers![0].targetGroupArn).toBe(ids.green);
    // AND afterwards only the moto gaps remain
    const after = plan().changes;
    expect(unexplained(after)).toEqual([]);
    expect(after.some((c) => c.type === 'aws_lb_target_group' || c.type === 'aws_lb_listener')).toBe(false);
  });
});
