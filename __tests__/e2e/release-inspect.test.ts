import ts from 'typescript';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { serviceNames } from '../../environments/names';
import * as schema from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { dev } from '../helpers/stacks';
import { accountClients, applyStack, commitTag, deployRoleArn, plan, pushImage, release, serviceState, startEmulator, webService, type AppliedStack } from '../helpers/emulator';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * revisions, revisions prune, diff and verify against moto with the dev stack applied, run as dev's deploy role:
 * every call the commands make is one moto answers (IAM, SSM, ECR, ECS, CloudWatch Logs).
 */
describe('ecs-release revisions, prune, diff and verify against moto (dev stack)', () => {
  let moto: Moto;
  let stack: AppliedStack;
  const role = deployRoleArn(dev);

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

  async function deploy(): Promise<string> {
    const tag = commitTag();
    const { uri } = await pushImage(moto, dev, tag);
    const r = await release(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--commit', tag, '--role-arn', role, '--json']);
    expect(r.code).toBe(0);
    return r.json!.revision as string;
  }

  test('verify fails on the secret nobody created, then passes once it exists; diff is in sync', async () => {
    const tag = commitTag();
    const { uri } = await pushImage(moto, dev, tag);
    // GIVEN the stack applied, but the configuration's secret parameter not created (bootstrap step)
    const before = await release(moto, ['verify', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--role-arn', role, '--json']);
    expect(before.code).toBe(1);
    const failed = (before.json!.checks as { check: string; status: string; subject: string }[]).filter((c) => c.status === 'fail');
    expect(failed).toEqual([expect.objectContaining({ check: 'secret', subject: 'secret DATABASE_URL' })]);
    // WHEN the parameter is created as docs/bootstrap.md says
    const { ssm } = await accountClients(moto, dev.accountId, dev.region);
    await ssm.send(new PutParameterCommand({ Name: '/webapp/dev/database-url', Type: 'SecureString', Value: 'postgres://e2e' }));
    const after = await release(moto, ['verify', '--env', 'dev', '--service', 'web', '--image', `${uri}:${tag}`, '--role-arn', role]);
    expect(after.stdout).not.toMatch(/^FAIL/m);
    expect(after.code).toBe(0);
    const diff = await release(moto, ['diff', '--env', 'dev', '--service', 'web', '--exit-code', '--role-arn', role, '--json']);
    expect(diff.code).toBe(0);
    expect(diff.json).toMatchObject({ iacInSync: true, fields: [] });
  }, 300_000);

  test('revisions lists owners and deployments; prune --keep 1 deregisters only old ecs-release revisions; the plan stays empty', async () => {
    const first = await deploy();
    const second = await deploy();
    const third = await deploy();
    const list = await release(moto, ['revisions', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    expect(list.code).toBe(0);
    const revisions = list.json!.revisions as { arn: string; owner: string; deployedAt?: string; inUse: string[] }[];
    const terraform = revisions.find((r) => r.inUse.includes('terraform'))!.arn;
    expect(revisions.find((r) => r.arn === terraform)).toMatchObject({ owner: 'terraform' });
    expect(revisions.find((r) => r.arn === third)).toMatchObject({ owner: 'ecs-release', inUse: expect.arrayContaining(['service']) });
    expect(revisions.find((r) => r.arn === first)!.deployedAt).toMatch(/^\d{4}-/);
    // WHEN pruning with one rollback candidate kept (the second deploy; dry run first: nothing changes)
    const dry = await release(moto, ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '1', '--dry-run', '--role-arn', role, '--json']);
    expect(dry.code).toBe(0);
    expect(dry.json!.deregister).toEqual(expect.arrayContaining([first]));
    expect(dry.json!.deregister).not.toContain(second);
    expect((await serviceState(moto, dev)).revisions).toContain(first);
    const r = await release(moto, ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '1', '--role-arn', role, '--json']);
    expect(r.code).toBe(0);
    // THEN the older revisions are INACTIVE; the running one, the rollback candidate and Terraform's stay ACTIVE
    const { ecs } = await accountClients(moto, dev.accountId, dev.region);
    const status = async (arn: string) => (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status;
    expect(await status(first)).toBe('INACTIVE');
    expect(await status(second)).toBe('ACTIVE');
    expect(await status(third)).toBe('ACTIVE');
    expect(await status(terraform)).toBe('ACTIVE');
    expect(r.json!.deregistered).not.toContain(terraform);
    // AND Terraform sees nothing to change
    expect(plan(moto, stack).code).toBe(0);
  }, 600_000);

  test('init reads the applied dev service and prints an environment file the schema accepts and an import block per stack resource', async () => {
    const names = serviceNames(dev, 'web');
    const r = await release(moto, ['init', '--cluster', names.cluster, '--service', names.service, '--region', dev.region, '--role-arn', `arn:aws:iam::${dev.accountId}:role/e2e-inspector`, '--json']);
    expect(r.code).toBe(0);
    const js = ts.transpileModule(r.json!.environmentFile as string, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
    const module = { exports: {} as Record<string, unknown> };
    new Function('require', 'module', 'exports', js)(() => ({ defineEnvironment: schema.defineEnvironment }), module, module.exports);
    const config = module.exports.default as schema.EnvironmentConfig;
    // THEN the names the stack derives from it are the running ones: every resource can be imported, none replaced
    expect(serviceNames(config, 'web')).toMatchObject({ cluster: names.cluster, service: names.service, family: names.family, executionRole: names.executionRole, taskRole: names.taskRole, logGroup: names.logGroup });
    expect((r.json!.imports as { what: string }[]).map((i) => i.what)).toEqual(['ECS cluster', 'ECS service', 'target group', 'log group', 'execution role', 'task role', 'ECR repository']);
    expect(r.json!.created).toEqual([]);
    expect(config.services.web.secrets).toEqual(webService(dev).secrets);
  }, 120_000);

  test('rollback after two deploys of the same image goes back to the previous different image, and says so', async () => {
    // GIVEN image A deployed, then image B deployed twice (two revisions, one digest)
    const a = await pushImage(moto, dev, commitTag());
    const bTag = commitTag();
    const b = await pushImage(moto, dev, bTag);
    const deployImage = async (image: string) => {
      const r = await release(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', image, '--role-arn', role, '--json']);
      expect(r.code).toBe(0);
      return r.json!.revision as string;
    };
    const revA = await deployImage(`${a.uri}@${a.digest}`);
    const revB1 = await deployImage(`${b.uri}:${bTag}`);
    await deployImage(`${b.uri}:${bTag}`);
    // WHEN rolling back
    const r = await release(moto, ['rollback', '--env', 'dev', '--service', 'web', '--role-arn', role, '--json']);
    // THEN the service runs A again, B's first revision was skipped by name, and the plan stays empty
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ revision: revA, digest: a.digest, skippedSameImage: [revB1.split('/').pop()] });
    expect((await serviceState(moto, dev)).service.taskDefinition).toBe(revA);
    expect(plan(moto, stack).code).toBe(0);
  }, 300_000);
});
