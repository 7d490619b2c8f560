import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, DIGEST, REPO, TD, TERRAFORM_REVISION, cli, deployment, descriptor, dev, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';
import { isBootstrapImage, sameImage } from '../../src/release/commands/rollback';

const mocks = mockAws();
afterAll(() => mocks.restore());

const DEPLOYED = [{ key: 'ecs-coexist:owner', value: 'ecs-release' }, { key: 'ecs-release:deployed-at', value: '2026-01-01T00:00:00Z' }];

/**
 * GIVEN dev running revision 9; revisions 8 and 9 were two deploys of the same image (digest 8), 7 ran digest 7, and
 * Terraform's revision 5 (also revision 1's twin) runs the bootstrap image.
 */
function given(runningRev = 9): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/x` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  const images: Record<number, string> = { 1: dev.services.web.bootstrapImage, 5: dev.services.web.bootstrapImage, 7: `${REPO}@${DIGEST(7)}`, 8: `${REPO}@${DIGEST(8)}`, 9: `${REPO}@${DIGEST(8)}` };
  for (const [n, image] of Object.entries(images)) {
    const tags = Number(n) === TERRAFORM_REVISION || n === '1' ? [{ key: 'ecs-coexist:owner', value: 'terraform' }] : DEPLOYED;
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${names.family}:${n}` }).resolves({ taskDefinition: revision(Number(n), image), tags });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(Number(n)) }).resolves({ taskDefinition: revision(Number(n), image), tags });
  }
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD(9), TD(8), TD(7), TD(5), TD(1)] });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(runningRev, [deployment('ecs-svc/a', runningRev, 'COMPLETED')])] });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
}

describe('rollback after repeated deploys of one image, and to the bootstrap image', () => {
  test('rollback skips an earlier revision with the running digest, goes to the previous different image and says so', async () => {
    given();
    // WHEN rolling back (dry run: the choice is what is tested)
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--dry-run', '--json']);
    // THEN revision 7 (digest 7) is chosen, not 8 (same digest as 9), and the output names the skipped one
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ revision: TD(7), digest: DIGEST(7), skippedSameImage: [`${names.family}:8`], bootstrapImage: false, outcome: 'dry-run' });
    expect(r.stderr).toContain(`skipped ${names.family}:8: same image as the running revision; rolling back to the previous different image`);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollback ships the previous different image (a real run, not a dry run)', async () => {
    given();
    mocks.ecs.on(UpdateServiceCommand).resolves({ service: service(7, [deployment('ecs-svc/b', 7, 'IN_PROGRESS')]) });
    mocks.ecs.on(DescribeServicesCommand).resolvesOnce({ services: [service(9, [deployment('ecs-svc/a', 9, 'COMPLETED')])] }).resolves({ services: [service(7, [deployment('ecs-svc/b', 7, 'COMPLETED')])] });
    mocks.ecs.on(TagResourceCommand).resolves({});
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)[0].args[0].input).toMatchObject({ taskDefinition: TD(7) });
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  test('rollback refuses when every deployed earlier revision runs the same image, naming them, and writes nothing', async () => {
    given(8);
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD(8), TD(5)] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${names.family}:5` }).resolves({ taskDefinition: revision(5, `${REPO}@${DIGEST(8)}`), tags: DEPLOYED });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${names.family}:5 run the same image as now; name one with --to`);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollback --to a revision with the bootstrap image is refused without --allow-bootstrap, writing nothing', async () => {
    given();
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--to', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(
      `ecs-release: --to: received "1"; allowed: a revision running an image of ${REPO}: ${names.family}:1 runs the bootstrap image ${dev.services.web.bootstrapImage}, a placeholder, not the application (--allow-bootstrap to ship it anyway)`,
    );
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollback --to 1 --allow-bootstrap proceeds with a warning', async () => {
    given();
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--to', '1', '--allow-bootstrap', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ revision: TD(1), bootstrapImage: true, outcome: 'dry-run' });
    expect(r.stderr).toContain(`warning: ${names.family}:1 runs the bootstrap image ${dev.services.web.bootstrapImage}`);
  });

  test('same image means same digest; bootstrap means the configured image or any image outside the repository', () => {
    expect(sameImage(`${REPO}@${DIGEST(1)}`, `${REPO}:abc@${DIGEST(1)}`)).toBe(true);
    expect(sameImage(`${REPO}@${DIGEST(1)}`, `${REPO}@${DIGEST(2)}`)).toBe(false);
    expect(sameImage(undefined, `${REPO}@${DIGEST(2)}`)).toBe(false);
    expect(isBootstrapImage('public.ecr.aws/nginx/nginx:1.27-alpine', REPO, 'public.ecr.aws/nginx/nginx:1.27-alpine')).toBe(true);
    expect(isBootstrapImage('docker.io/library/busybox:1', REPO, undefined)).toBe(true);
    expect(isBootstrapImage(`${REPO}-evil@${DIGEST(1)}`, REPO, undefined)).toBe(true);
    expect(isBootstrapImage(`${REPO}@${DIGEST(1)}`, REPO, 'public.ecr.aws/nginx/nginx:1.27-alpine')).toBe(false);
  });
});
