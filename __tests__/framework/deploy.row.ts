import type { Moto } from '../../scripts/lib/moto';
import { installedFramework } from '../../src/framework';
import { dev } from '../helpers/stacks';
import { applyStack, commitTag, deployRoleArn, plan, pushImage, releaseBin, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * One deploy of the framework matrix's terrain row (run by `npm run framework -- matrix` in its copy of the tree,
 * never by `npm test`, whose e2e tier covers the default row with many more): the dev stack synthesized by the
 * installed framework, applied into moto, one `ecs-release deploy` by the compiled CLI on this Node, then an empty plan.
 */
describe(`one deploy with ${installedFramework().name} ${installedFramework().version} on Node ${process.version}`, () => {
  let moto: Moto;
  let stack: AppliedStack;

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

  test('GIVEN the applied dev stack WHEN ecs-release deploys an image by tag THEN the service runs it by digest and the plan is empty', async () => {
    // GIVEN an image pushed under a commit tag
    const tag = commitTag();
    const { digest, uri } = await pushImage(moto, dev, tag);
    // WHEN the pipeline deploys it with the compiled CLI
    const r = releaseBin(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--commit', tag, '--role-arn', deployRoleArn(dev), '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    // THEN the service runs the new revision, the pointer holds the digest, and Terraform sees no change
    const state = await serviceState(moto, dev);
    expect(state.service.taskDefinition).toBe(r.json!.revision);
    expect(state.pointer).toBe(`${uri}@${digest}`);
    const p = plan(moto, stack);
    expect({ exitCode: p.code, changes: p.changes }).toEqual({ exitCode: 0, changes: [] });
  }, 600_000);
});
