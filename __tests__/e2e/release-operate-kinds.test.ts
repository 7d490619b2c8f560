import { resourceNames, serviceNames } from '../../environments/names';
import type { Moto } from '../../scripts/lib/moto';
import { dev } from '../helpers/stacks';
import { accountClients, applyStack, commitTag, deployRoleArn, plan, pushImage, release, startEmulator, type AppliedStack } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { gap } from './moto-gaps';

/**
 * Issue 15's operator commands on the services issue 11 added (release-operate and release-inspect prove them on web):
 * dev as shipped, applied into moto, after `deploy --group app`. The worker (a service without load balancer) answers
 * tasks, logs, scale, restart, wait, diff, verify and revisions; the scheduled nightly job answers diff, verify,
 * revisions and logs, and refuses what it has no ECS service for, before any AWS call.
 */
describe('operator commands on a worker and a scheduled service (dev applied into moto)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  const deployRole = deployRoleArn(dev);
  const operatorRole = `arn:aws:iam::${dev.accountId}:role/${resourceNames(dev).operatorRole}`;
  const worker = serviceNames(dev, 'worker');
  const nightly = serviceNames(dev, 'nightly');
  let digest = '';
  const ok = (r: { code: number; stderr: string }) => ({ code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) });

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    stack = await applyStack(moto, dev);
    // GIVEN one image shipped to every service of group app
    const tag = commitTag();
    const pushed = await pushImage(moto, dev, tag);
    digest = pushed.digest;
    const r = await release(moto, ['deploy', '--env', 'dev', '--group', 'app', '--image', `${pushed.uri}@${pushed.digest}`, '--role-arn', deployRole, '--poll-interval', '1s', '--json']);
    expect(ok(r)).toEqual({ code: 0, errors: [] });
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    stack?.remove();
  });

  test('worker: tasks and logs read its own family and log group (moto launches no service tasks: none listed)', async () => {
    gap('ecs-service-launches-no-tasks');
    const tasks = await release(moto, ['tasks', '--env', 'dev', '--service', 'worker', '--role-arn', operatorRole, '--json']);
    expect(ok(tasks)).toEqual({ code: 0, errors: [] });
    expect(tasks.json).toMatchObject({ command: 'tasks' });
    const logs = await release(moto, ['logs', '--env', 'dev', '--service', 'worker', '--since', '1h', '--role-arn', operatorRole]);
    expect(ok(logs)).toEqual({ code: 0, errors: [] });
  }, 120_000);

  test('worker: scale within its bounds changes its desired count only; outside them it is refused with nothing written', async () => {
    gap('application-auto-scaling');
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const count = async (name: string) => (await ecs.send(new DescribeServicesCommand({ cluster: worker.cluster, services: [name] }))).services![0].desiredCount;
    const web = await count('web');
    const outside = await release(moto, ['scale', '4', '--env', 'dev', '--service', 'worker', '--role-arn', operatorRole]);
    expect(outside.code).toBe(2);
    const r = await release(moto, ['scale', '2', '--env', 'dev', '--service', 'worker', '--role-arn', operatorRole, '--json']);
    expect(ok(r)).toEqual({ code: 0, errors: [] });
    expect([await count('worker'), await count('web')]).toEqual([2, web]);
    await release(moto, ['scale', '1', '--env', 'dev', '--service', 'worker', '--role-arn', operatorRole]);
  }, 120_000);

  test('worker: restart ships its running (digest-pinned) revision again, and wait reports it ended', async () => {
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const before = (await ecs.send(new DescribeServicesCommand({ cluster: worker.cluster, services: ['worker'] }))).services![0].taskDefinition;
    const restarted = await release(moto, ['restart', '--env', 'dev', '--service', 'worker', '--role-arn', deployRole, '--poll-interval', '1s', '--json']);
    expect(ok(restarted)).toEqual({ code: 0, errors: [] });
    expect((await ecs.send(new DescribeServicesCommand({ cluster: worker.cluster, services: ['worker'] }))).services![0].taskDefinition).toBe(before);
    const waited = await release(moto, ['wait', '--env', 'dev', '--service', 'worker', '--role-arn', deployRole, '--poll-interval', '1s', '--json']);
    expect(ok(waited)).toEqual({ code: 0, errors: [] });
    expect(waited.json).toMatchObject({ command: 'wait' });
  }, 180_000);

  test.each(['worker', 'nightly'])('%s: diff is in sync after the group deploy, revisions lists its family with the released digest', async (name) => {
    const family = serviceNames(dev, name).family;
    const d = await release(moto, ['diff', '--env', 'dev', '--service', name, '--exit-code', '--role-arn', deployRole, '--json']);
    expect(ok(d)).toEqual({ code: 0, errors: [] });
    expect(d.json).toMatchObject({ command: 'diff', iacInSync: true });
    expect(String(d.json!.runningRevision)).toContain(`:task-definition/${family}:`);
    const list = await release(moto, ['revisions', '--env', 'dev', '--service', name, '--role-arn', deployRole, '--json']);
    expect(ok(list)).toEqual({ code: 0, errors: [] });
    expect(JSON.stringify(list.json)).toContain(digest);
    expect(JSON.stringify(list.json)).not.toContain(`${serviceNames(dev, 'web').family}:`);
  }, 120_000);

  test.each(['worker', 'nightly'])('%s: verify checks its own revision\'s image, roles, secret and log group; only the secret nobody created fails', async (name) => {
    // GIVEN the stack applied and the configuration's secret parameter not created (the bootstrap step)
    const v = await release(moto, ['verify', '--env', 'dev', '--service', name, '--role-arn', deployRole, '--json']);
    const checks = v.json!.checks as { check: string; status: string; subject: string }[];
    // THEN exit 1, the revision is the service's own, the log group its own, and the one failure is the secret
    expect(v.code).toBe(1);
    expect(String(v.json!.revision)).toContain(`:task-definition/${serviceNames(dev, name).family}:`);
    expect(checks.filter((c) => c.status === 'fail')).toEqual([expect.objectContaining({ check: 'secret', subject: 'secret DATABASE_URL' })]);
    expect(JSON.stringify(checks)).toContain(serviceNames(dev, name).logGroup);
  }, 120_000);

  test('nightly: logs reads its log group; exec, tasks, scale, restart and wait are refused in one line before any call', async () => {
    const logs = await release(moto, ['logs', '--env', 'dev', '--service', 'nightly', '--since', '1h', '--role-arn', operatorRole]);
    expect(ok(logs)).toEqual({ code: 0, errors: [] });
    for (const args of [['exec'], ['tasks'], ['scale', '2'], ['restart'], ['wait']]) {
      const r = await release(moto, [...args, '--env', 'dev', '--service', 'nightly', '--role-arn', operatorRole]);
      expect([args[0], r.code, r.stderr.trim().split('\n').length]).toEqual([args[0], 2, 1]);
      expect(r.stderr).toContain(`--service: received "nightly"`);
    }
    expect(nightly.logGroup).toBe('/ecs/webapp-dev/nightly');
  }, 120_000);

  test('after all of it the plan is still empty', () => {
    expect(plan(moto, stack).code).toBe(0);
  }, 300_000);
});
