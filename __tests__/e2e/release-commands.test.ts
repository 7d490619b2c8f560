import { CreateServiceCommand, DeleteServiceCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { registerable } from '../../src/release/revision';
import { rollingProd } from '../helpers/pipeline';
import { dev, prod } from '../helpers/stacks';
import {
  accountClients,
  applyStack,
  commitTag,
  deployRoleArn,
  describeRevision,
  plan,
  pushImage,
  release,
  releaseBin,
  serviceState,
  startEmulator,
  webService,
  type AppliedStack,
} from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/** rollback, promote, run and the refusals, each against moto with the dev and prod stacks applied (two accounts). */
describe('ecs-release commands against moto (dev and prod stacks, two accounts)', () => {
  let moto: Moto;
  let devStack: AppliedStack;
  let prodStack: AppliedStack;
  let prodEnv: EnvironmentConfig;
  const devRole = deployRoleArn(dev);
  const prodRole = deployRoleArn(prod);

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    // Prod with the rolling controller: promote and the refusals are the same for both controllers; the CodeDeploy path
    // of prod's blue/green configuration is proven in blue-green.test.ts.
    prodEnv = await rollingProd(moto);
    [devStack, prodStack] = await Promise.all([applyStack(moto, dev), applyStack(moto, prodEnv)]);
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    devStack?.remove();
    prodStack?.remove();
  });

  async function deployDev(): Promise<{ digest: string; image: string; tag: string; revision: string }> {
    const tag = commitTag();
    const { digest, uri } = await pushImage(moto, dev, tag);
    const r = await release(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--commit', tag, '--role-arn', devRole, '--json']);
    expect(r.stderr).not.toMatch(/^ecs-release: /m);
    expect(r.code).toBe(0);
    return { digest, image: `${uri}@${digest}`, tag, revision: r.json!.revision };
  }

  test('promote deploys to prod exactly the digest that runs in dev, and prod\'s plan stays empty', async () => {
    // GIVEN dev runs a deployed image, replicated into prod's registry
    const shipped = await deployDev();
    gap('ecr-replication');
    await pushImage(moto, prodEnv, shipped.tag);
    // WHEN promoting with one role per account
    const r = releaseBin(moto, ['promote', '--from', 'dev', '--to', 'prod', '--service', 'web', '--from-role-arn', devRole, '--to-role-arn', prodRole, '--json']);
    expect(r.stderr).not.toMatch(/^ecs-release: /m);
    expect(r.code).toBe(0);
    // THEN prod runs the same digest from its own registry, with the commit carried along
    const prodState = await serviceState(moto, prod);
    const running = await describeRevision(moto, prod, prodState.service.taskDefinition!);
    const prodRepo = `${prod.accountId}.dkr.ecr.${prod.region}.amazonaws.com/${prod.registry.repositoryName}`;
    expect(running.definition.containerDefinitions![0].image).toBe(`${prodRepo}@${shipped.digest}`);
    expect(running.tags).toMatchObject({ 'ecs-release:image-digest': shipped.digest, 'ecs-release:commit': shipped.tag });
    expect(r.json).toMatchObject({ command: 'promote', from: 'dev', environment: 'prod', digest: shipped.digest, outcome: 'completed' });
    // AND prod keeps prod's settings (Terraform's prod revision), not dev's
    expect(running.definition.memory).toBe(String(webService(prod).memoryMiB));
    expect(plan(moto, prodStack).code).toBe(0);
  }, 300_000);

  test('rollback returns to the previous completed revision, or the one named; the pointer and plan follow', async () => {
    const a = await deployDev();
    const b = await deployDev();
    // WHEN rolling back without naming a revision
    const r = await release(moto, ['rollback', '--env', 'dev', '--service', 'web', '--role-arn', devRole, '--json']);
    expect(r.code).toBe(0);
    let state = await serviceState(moto, dev);
    // THEN the service runs the revision of the deploy before, and Terraform would build on its image
    expect(state.service.taskDefinition).toBe(a.revision);
    expect(state.pointer).toBe(a.image);
    expect(plan(moto, devStack).code).toBe(0);
    // WHEN naming a revision
    const to = await release(moto, ['rollback', '--env', 'dev', '--service', 'web', '--to', b.revision.split(':').pop()!, '--role-arn', devRole]);
    expect(to.code).toBe(0);
    state = await serviceState(moto, dev);
    expect(state.service.taskDefinition).toBe(b.revision);
    expect(state.pointer).toBe(b.image);
  }, 300_000);

  test('run starts a one-off task from the service\'s revision in its subnets and security groups and passes the exit code through', async () => {
    // GIVEN the service on a revision moto can run (gap: container-level memory)
    gap('run-task-container-memory');
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const names = serviceNames(dev, 'web');
    const before = await serviceState(moto, dev);
    const current = await describeRevision(moto, dev, before.service.taskDefinition!);
    const input = registerable(current.definition);
    input.containerDefinitions![0].memoryReservation = webService(dev).memoryMiB;
    const runnable = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
    await ecs.send(new UpdateServiceCommand({ cluster: names.cluster, service: names.service, taskDefinition: runnable }));
    // Tasks step through their states one DescribeTasks at a time, so the waiter really polls.
    await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1 } }) });
    // WHEN running a migration
    const r = await release(moto, ['run', '--env', 'dev', '--service', 'web', '--role-arn', devRole, '--poll-interval', '1s', '--json', '--', './manage.py', 'migrate', '--noinput']);
    // THEN it exits with the container's code (moto: always 0, see gap task-exit-code)
    gap('task-exit-code');
    expect(r.stderr).not.toMatch(/^ecs-release: /m);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'completed', containerExitCode: 0, revision: runnable });
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: names.cluster, tasks: [r.json!.taskArn] }))).tasks![0];
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.taskDefinitionArn).toBe(runnable);
    expect(task.overrides?.containerOverrides).toEqual([{ name: names.container, command: ['./manage.py', 'migrate', '--noinput'] }]);
    const subnet = task.attachments![0].details!.find((d) => d.name === 'subnetId')!.value;
    expect(before.service.networkConfiguration!.awsvpcConfiguration!.subnets).toContain(subnet);
    expect(r.json!.securityGroups).toEqual(before.service.networkConfiguration!.awsvpcConfiguration!.securityGroups);
    expect(r.json!.subnets).toEqual(before.service.networkConfiguration!.awsvpcConfiguration!.subnets);
  }, 120_000);

  describe('refusals: non-zero exit, one line, and moto\'s state unchanged', () => {
    let image: { uri: string; tag: string };
    beforeAll(async () => {
      const tag = commitTag();
      const { uri } = await pushImage(moto, dev, tag);
      image = { uri, tag };
    });

    async function expectRefusal(env: EnvironmentConfig, args: string[], code: number, message: RegExp): Promise<void> {
      const before = await serviceState(moto, env);
      const r = await release(moto, args);
      const after = await serviceState(moto, env);
      const lines = r.stderr.trim().split('\n');
      expect({ code: r.code, lines: lines.length }).toEqual({ code, lines: 1 });
      expect(lines[0]).toMatch(message);
      expect(after.revisions).toEqual(before.revisions);
      expect(after.service.taskDefinition).toBe(before.service.taskDefinition);
      expect(after.service.deployments!.map((d) => d.id)).toEqual(before.service.deployments!.map((d) => d.id));
      expect(after.service.status).toBe(before.service.status);
      expect({ pointer: after.pointer, version: after.pointerVersion }).toEqual({ pointer: before.pointer, version: before.pointerVersion });
    }

    test('deploy refuses the wrong account (ambient credentials of another account)', async () => {
      await expectRefusal(dev, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${image.uri}:${image.tag}`], 3, /^ecs-release: account: received "123456789012"; allowed: 111111111111/);
    });

    test('deploy refuses the wrong account (a role of the prod account for dev), from configuration alone', async () => {
      await expectRefusal(dev, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${image.uri}:${image.tag}`, '--role-arn', prodRole], 2, /^ecs-release: --role-arn: received "arn:aws:iam::222222222222:role\/[^"]+"; allowed: a role in account 111111111111 \(environment "dev"\)$/);
    });

    test('deploy refuses an unknown tag', async () => {
      await expectRefusal(dev, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${image.uri}:deadbee`, '--role-arn', devRole], 2, /^ecs-release: --image: received ".*:deadbee"; allowed: an image that exists in/);
    });

    test('deploy refuses latest', async () => {
      await pushImage(moto, dev, 'latest');
      await expectRefusal(dev, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${image.uri}:latest`, '--role-arn', devRole], 2, /^ecs-release: --image: received ".*:latest"; allowed: an immutable reference/);
    });

    test('deploy refuses an unknown service, listing the environment\'s services', async () => {
      await expectRefusal(dev, ['deploy', '--env', 'dev', '--service', 'api', '--image', `${image.uri}:${image.tag}`, '--role-arn', devRole], 2, /^ecs-release: --service: received "api"; allowed: one of the services of environment "dev": web \(web\), worker \(worker\), nightly \(scheduled\)$/);
    });

    test('deploy refuses while another deployment is in progress', async () => {
      // GIVEN prod's service replaced by one still rolling out (gap: moto's deployments never progress)
      gap('ecs-deployment-model');
      const { ecs } = await accountClients(moto, prod.accountId, prod.region);
      const names = serviceNames(prod, 'web');
      const current = (await serviceState(moto, prod)).service;
      await ecs.send(new DeleteServiceCommand({ cluster: names.cluster, service: names.service, force: true }));
      await ecs.send(
        new CreateServiceCommand({
          cluster: names.cluster,
          serviceName: names.service,
          taskDefinition: current.taskDefinition,
          desiredCount: 5,
          launchType: 'FARGATE',
          networkConfiguration: current.networkConfiguration,
        }),
      );
      const tag = commitTag();
      const { uri } = await pushImage(moto, prod, tag);
      await expectRefusal(prod, ['deploy', '--env', 'prod', '--service', 'web', '--image', `${uri}:${tag}`, '--role-arn', prodRole], 3, /^ecs-release: deployment in progress: ecs-svc\/\d+ \(IN_PROGRESS/);
      // promote refuses the same way, for the same reason
      await expectRefusal(prod, ['promote', '--from', 'dev', '--to', 'prod', '--service', 'web', '--from-role-arn', devRole, '--to-role-arn', prodRole], 3, /^ecs-release: deployment in progress/);
    });

    test('deploy refuses a missing service', async () => {
      const { ecs } = await accountClients(moto, prod.accountId, prod.region);
      const names = serviceNames(prod, 'web');
      await ecs.send(new DeleteServiceCommand({ cluster: names.cluster, service: names.service, force: true }));
      const tag = commitTag();
      const { uri } = await pushImage(moto, prod, tag);
      await expectRefusal(prod, ['deploy', '--env', 'prod', '--service', 'web', '--image', `${uri}:${tag}`, '--role-arn', prodRole], 3, /^ecs-release: service: received "webapp-prod\/web"; allowed: an ACTIVE ECS service \(found INACTIVE/);
    });
  });
});
