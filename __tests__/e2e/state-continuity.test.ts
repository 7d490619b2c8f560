import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Moto } from '../../scripts/lib/moto';
import { applyIntoEmulator } from '../../scripts/lib/sandbox/apply';
import { dev } from '../helpers/stacks';
import { plan, resynth, startEmulator, synthStack, type AppliedStack, type PlanResult } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * State continuity of issue 11, with real Terraform against moto: the dev stack of the single-service layout (commit
 * bafc7d2, synthesized for the emulator: __tests__/fixtures/single-service-dev.emulator.tf.json) is applied, then the
 * services layout is planned against that state. Nothing may be destroyed or replaced: the running service, its load
 * balancer, target group, task-definition family and registry keep their state (moved blocks, same names).
 */
describe('from the single-service layout to the services layout (dev applied into moto)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  let result: PlanResult;

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    // GIVEN the previous layout applied: its configuration in the working directory, its state in moto
    stack = synthStack(dev);
    copyFileSync(join(__dirname, '..', 'fixtures', 'single-service-dev.emulator.tf.json'), join(stack.dir, 'cdk.tf.json'));
    await applyIntoEmulator(stack.dir, dev, moto.env);
    // WHEN the configuration becomes the services layout's and Terraform plans it against that state
    stack = resynth(stack, dev);
    result = plan(moto, stack);
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    stack?.remove();
  });

  test('nothing is destroyed or replaced; the old resources are moved, the new services created', () => {
    const destroyed = result.changes.filter((c) => c.actions.includes('delete'));
    process.stdout.write(`continuity plan: ${result.changes.map((c) => `${c.actions.join('+')} ${c.address}`).join('\n  ')}\n`);
    expect(destroyed).toEqual([]);
    expect(result.text).toMatch(/has moved to/);
    // the worker and the nightly job are new
    expect(result.changes.filter((c) => c.actions.join() === 'create').map((c) => c.address).some((a) => a.includes('services_worker_'))).toBe(true);
  });

  test('the running service, load balancer, target group, task definition and registry are not even updated in place', () => {
    const touched = result.changes.filter((c) => /^aws_(ecs_service|lb|lb_target_group|ecs_task_definition|ecr_repository|ecs_cluster)\.(services_web_|load-balancer_alb|registry_|cluster)/.test(c.address));
    expect(touched).toEqual([]);
    expect(JSON.parse(readFileSync(join(stack.dir, 'cdk.tf.json'), 'utf8')).moved.length).toBeGreaterThanOrEqual(15);
  });
});
