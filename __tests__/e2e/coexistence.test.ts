import type { Moto } from '../../scripts/lib/moto';
import { dev, variant } from '../helpers/stacks';
import {
  apply,
  applyStack,
  commitTag,
  copyStack,
  deployRoleArn,
  describeRevision,
  plan,
  pushImage,
  release,
  releaseBin,
  resynth,
  serviceState,
  startEmulator,
  webService,
  type AppliedStack,
} from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * The reason this project exists, proven with real Terraform, the real AWS SDK and the compiled CLI against moto:
 * deploys never show as Terraform drift, and IaC changes reach the service with the deployed image.
 */
describe('Terraform and ecs-release coexist (dev stack applied into moto)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  const role = deployRoleArn(dev);
  const deployed: { digest: string; image: string; tag: string; revision: string }[] = [];
  const apiCalls: number[] = [];
  const DEPLOYS = 3;

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    stack = await applyStack(moto, dev);
  }, 600_000);
  afterAll(async () => {
    await moto?.stop();
    stack?.remove();
  });

  test('after apply the plan is empty and the service runs the revision Terraform tracks', async () => {
    expect(plan(moto, stack).code).toBe(0);
    const state = await serviceState(moto, dev);
    expect(state.revisions).toHaveLength(1);
    expect(state.service.taskDefinition).toBe(state.revisions[0]);
    expect(state.pointer).toBe(webService(dev).bootstrapImage);
  }, 120_000);

  // Three deploys: the first starts from Terraform's bootstrap revision, the second from a released one, the third shows
  // that nothing accumulates. They were ten while this test also took the deploy's median CPU; that is a figure of
  // `npm run bench` now, and seven more rounds of the same path cost a minute of the suite's longest file.
  test('three deploys in a row, each by digest, each followed by an empty terraform plan (exit 0)', async () => {
    for (let i = 0; i < DEPLOYS; i += 1) {
      // GIVEN a new image pushed under a commit tag
      const tag = commitTag();
      const { digest, uri } = await pushImage(moto, dev, tag);
      expect(deployed.map((d) => d.digest)).not.toContain(digest);
      // WHEN the pipeline deploys it with the compiled CLI
      const r = releaseBin(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--commit', tag, '--role-arn', role, '--json']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const doc = r.json!;
      deployed.push({ digest, image: `${uri}@${digest}`, tag, revision: doc.revision });
      apiCalls.push(doc.metrics.apiCalls.excludingPolling);
      // THEN the service runs a new revision pinned by that digest, tagged with digest and commit
      const state = await serviceState(moto, dev);
      expect(state.service.taskDefinition).toBe(doc.revision);
      expect(state.pointer).toBe(`${uri}@${digest}`);
      const running = await describeRevision(moto, dev, doc.revision);
      expect(running.definition.containerDefinitions![0].image).toBe(`${uri}@${digest}`);
      expect(running.tags).toMatchObject({ 'ecs-release:image-digest': digest, 'ecs-release:commit': tag, 'ecs-coexist:owner': 'ecs-release' });
      // AND Terraform sees no change at all
      const p = plan(moto, stack);
      expect({ deploy: i + 1, exitCode: p.code, changes: p.changes }).toEqual({ deploy: i + 1, exitCode: 0, changes: [] });
    }
    // The API-call budget besides polling is behaviour (what a deploy asks AWS for), so every deploy is held to it.
    // Its CPU time is a figure of `npm run bench`, never asserted here: a busy machine must not fail this test.
    expect(Math.max(...apiCalls)).toBeLessThanOrEqual(15);
  }, 600_000);

  const changed = variant(dev, { services: { web: { memoryMiB: 1024, environment: { ...webService(dev).environment, FEATURE_FLAG: 'on' } } } });

  test('an IaC change to memory and an environment variable plans as the task definition change only', () => {
    // GIVEN the merged configuration change
    stack = resynth(stack, changed);
    // WHEN planning
    const p = plan(moto, stack);
    // THEN exit 2 with the task definition replaced (with its container-spec trigger) and the descriptor following its ARN
    expect(p.code).toBe(2);
    const byType = p.changes.map((c) => `${c.address.split('.')[0]} ${c.actions.join('+')}`).sort();
    // (skip_destroy: the "delete" half only drops the old revision from the state; it stays registered, see below.)
    expect(byType).toEqual(['aws_ecs_task_definition delete+create', 'aws_ssm_parameter update', 'terraform_data update']);
    expect(p.changes.find((c) => c.address.startsWith('aws_ssm_parameter'))!.address).toMatch(/web_descriptor/);
    expect(p.text).not.toMatch(/aws_ecs_service\.\S+ will be/);
    expect(p.text).toMatch(/memory\s+= "512" -> "1024" # forces replacement/);
  }, 120_000);

  test('apply registers Terraform\'s new revision with the deployed image, not the bootstrap one, and leaves the service alone', async () => {
    const last = deployed[deployed.length - 1];
    apply(moto, stack);
    const state = await serviceState(moto, dev);
    const status = await release(moto, ['status', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    const terraformRevision = await describeRevision(moto, dev, status.json!.terraformRevision);
    expect(terraformRevision.definition.memory).toBe('1024');
    expect(terraformRevision.definition.containerDefinitions![0].image).toBe(last.image);
    expect(terraformRevision.definition.containerDefinitions![0].environment).toContainEqual({ name: 'FEATURE_FLAG', value: 'on' });
    // The apply does not roll out (the service ignores task_definition): status says so in plain words.
    expect(state.service.taskDefinition).toBe(last.revision);
    expect(status.json).toMatchObject({ iacInSync: false, pointerMatchesRunning: true, image: last.image });
    expect(status.json!.summary).toContain('memory: Terraform declares "1024", the running revision has "512"');
    expect(status.json!.summary).toContain('ecs-release rollout --env dev');
  }, 120_000);

  test('rollout ships the new settings with the last deployed digest, and the plan is empty again', async () => {
    const last = deployed[deployed.length - 1];
    const r = await release(moto, ['rollout', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    expect(r.code).toBe(0);
    const running = await describeRevision(moto, dev, (await serviceState(moto, dev)).service.taskDefinition!);
    expect(running.definition.memory).toBe('1024');
    expect(running.definition.containerDefinitions![0].environment).toContainEqual({ name: 'FEATURE_FLAG', value: 'on' });
    expect(running.definition.containerDefinitions![0].image).toBe(last.image);
    expect(running.tags['ecs-release:image-digest']).toBe(last.digest);
    expect(plan(moto, stack).code).toBe(0);
    const status = await release(moto, ['status', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    expect(status.json).toMatchObject({ iacInSync: true, digest: last.digest });
    // A second rollout has nothing to do and writes nothing.
    const again = await release(moto, ['rollout', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    expect(again.json).toMatchObject({ outcome: 'unchanged', exitCode: 0 });
  }, 120_000);

  test('an environment-variable-only change reaches the service too (replace_triggered_by), and the next deploy carries it', async () => {
    const next = variant(changed, { services: { web: { environment: { ...webService(changed).environment, LOG_LEVEL: 'info' } } } });
    stack = resynth(stack, next);
    const p = plan(moto, stack);
    expect(p.code).toBe(2);
    expect(p.changes.find((c) => c.address.startsWith('aws_ecs_task_definition'))!.reason).toBe('replace_by_triggers');
    apply(moto, stack);
    // WHEN the next deploy ships a new image without any rollout step
    const tag = commitTag();
    const { digest, uri } = await pushImage(moto, dev, tag);
    const r = releaseBin(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}@${digest}`, '--role-arn', role, '--json']);
    expect(r.code).toBe(0);
    // THEN the running revision has the new image and every IaC setting so far
    const running = await describeRevision(moto, dev, (await serviceState(moto, dev)).service.taskDefinition!);
    expect(running.definition.memory).toBe('1024');
    expect(running.definition.containerDefinitions![0].environment).toEqual(expect.arrayContaining([{ name: 'LOG_LEVEL', value: 'info' }, { name: 'FEATURE_FLAG', value: 'on' }]));
    expect(running.definition.containerDefinitions![0].image).toBe(`${uri}@${digest}`);
    expect(plan(moto, stack).code).toBe(0);
  }, 180_000);

  test('negative control: the same stack without its lifecycle rules reports the deploys as drift (exit 2)', () => {
    // GIVEN the applied state and configuration with the coexistence rules removed
    const naive = copyStack(stack, (tf) => {
      for (const r of Object.values(tf.resource.aws_ecs_task_definition) as any[]) delete r.lifecycle;
      for (const r of Object.values(tf.resource.aws_ecs_service) as any[]) delete r.lifecycle;
      for (const r of Object.values(tf.resource.aws_ssm_parameter) as any[]) delete r.lifecycle;
    });
    try {
      // WHEN planning / THEN Terraform would revert the deploys
      const p = plan(moto, naive);
      expect(p.code).toBe(2);
      const types = new Set(p.changes.map((c) => c.address.split('.')[0]));
      expect(types).toEqual(new Set(['aws_ecs_service', 'aws_ecs_task_definition', 'aws_ssm_parameter']));
      expect(p.text).toContain('task_definition');
    } finally {
      naive.remove();
    }
  }, 120_000);

  test('nothing was ever deregistered: Terraform\'s revisions and every deployed one stay ACTIVE', async () => {
    const state = await serviceState(moto, dev);
    // 1 bootstrap + the deploys + Terraform's 2 replacements + rollout + last deploy
    expect(state.revisions).toHaveLength(1 + DEPLOYS + 2 + 1 + 1);
    for (const d of deployed) expect(state.revisions).toContain(d.revision);
  }, 60_000);
});
