import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { readBuildspec, runBuildspec } from '../helpers/buildspec';
import { applyStack, deployRoleArn, describeRevision, plan, pushImage, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { installCli, rollingProd } from '../helpers/pipeline';
import { dev } from '../helpers/stacks';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/**
 * Stand-ins for the build image's `aws` and `docker` (no Docker daemon here): `aws ecr get-login-password` prints a
 * token, `docker login/build` are recorded, `docker push <uri>:<tag>` puts an image with that tag into the emulated
 * ECR of the environment the URI belongs to. Everything else they are asked is an error, so an unexpected call fails
 * the build.
 */
function toolShims(bin: string, calls: string, cli: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'aws'),
    `#!/bin/sh\necho "aws $*" >> ${JSON.stringify(calls)}\nif [ "$1 $2" = "ecr get-login-password" ]; then echo emulated-ecr-token; exit 0; fi\necho "aws shim: unexpected call: $*" >&2; exit 1\n`,
  );
  const push = join(bin, 'push-to-emulator.js');
  writeFileSync(
    push,
    [
      `const { pushImage } = require(${JSON.stringify(join(cli, 'dist', 'scripts', 'lib', 'sandbox', 'aws.js'))});`,
      `const { loadEnvironment } = require(${JSON.stringify(join(cli, 'dist', 'environments'))});`,
      'const ref = process.argv[2]; const i = ref.lastIndexOf(":"); const uri = ref.slice(0, i); const tag = ref.slice(i + 1);',
      'const env = ["dev", "prod"].map(loadEnvironment).find((e) => uri === `${e.accountId}.dkr.ecr.${e.region}.amazonaws.com/${e.registry.repositoryName}`);',
      'if (!env) { console.error(`docker shim: ${uri} is no environment\'s repository`); process.exit(1); }',
      'pushImage(process.env.AWS_ENDPOINT_URL, env, tag).then((r) => console.log(`${tag}: digest: ${r.digest}`), (e) => { console.error(String(e)); process.exit(1); });',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\necho "docker $*" >> ${JSON.stringify(calls)}\ncase "$1" in\n  login) cat > /dev/null; echo "Login Succeeded" ;;\n  build) exit 0 ;;\n  push) exec node ${JSON.stringify(push)} "$2" ;;\n  *) echo "docker shim: unexpected call: $*" >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(join(bin, 'aws'), 0o755);
  chmodSync(join(bin, 'docker'), 0o755);
}

describe('the CodeBuild buildspecs, their commands run in a shell against moto (dev and prod stacks)', () => {
  const scratch = scratchDir('codebuild');
  let moto: Moto;
  let prodEnv: EnvironmentConfig;
  let devStack: AppliedStack;
  let prodStack: AppliedStack;
  let cli: string;
  const calls = join(scratch.dir, 'calls.log');
  const bin = join(scratch.dir, 'bin');
  const source = join(scratch.dir, 'source');

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    moto = await startEmulator();
    prodEnv = await rollingProd(moto);
    [devStack, prodStack] = await Promise.all([applyStack(moto, dev), applyStack(moto, prodEnv)]);
    mkdirSync(join(scratch.dir, 'cli'));
    cli = installCli(join(scratch.dir, 'cli'), prodEnv);
    toolShims(bin, calls, join(scratch.dir, 'cli'));
    mkdirSync(source);
    writeFileSync(join(source, 'Dockerfile'), 'FROM scratch\n');
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    devStack?.remove();
    prodStack?.remove();
    scratch.remove();
  });

  /** The build container's environment: moto, the stand-in tools first on PATH, the release CLI installed. */
  const projectEnv = (extra: Record<string, string>) => ({
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: scratch.dir,
    ...moto.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ECS_RELEASE_CLI: `${process.execPath} ${cli}`,
    ...extra,
  });

  test('build pushes the commit-id tag and deploys its digest to dev; after approval, promote puts that digest in prod; plans stay empty', async () => {
    // GIVEN a commit of the application (CodePipeline's source action resolves it)
    const commit = randomBytes(20).toString('hex');
    const repository = `${dev.accountId}.dkr.ecr.${dev.region}.amazonaws.com/${dev.registry.repositoryName}`;
    // WHEN the build-and-deploy buildspec runs
    const build = await runBuildspec(readBuildspec(join(repoRoot(), 'ci', 'codebuild', 'buildspec.yml')), source, projectEnv({
      CODEBUILD_RESOLVED_SOURCE_VERSION: commit,
      ECS_RELEASE_IMAGE_REPOSITORY: repository,
      ECS_RELEASE_ROLE_ARN: deployRoleArn(dev),
    }));
    // THEN every phase passed and the image went to ECR by its commit id, logged in with ECR's token
    expect(build.output).toContain('Deployed sha256:');
    expect(build.code).toBe(0);
    const log = readFileSync(calls, 'utf8');
    expect(log).toContain(`aws ecr get-login-password --region ${dev.region}`);
    expect(log).toContain(`docker login --username AWS --password-stdin ${dev.accountId}.dkr.ecr.${dev.region}.amazonaws.com`);
    expect(log).toContain(`docker build --tag ${repository}:${commit} .`);
    expect(log).toContain(`docker push ${repository}:${commit}`);
    // AND dev runs the pushed digest, the commit on the revision, the digest exported for the pipeline
    const digest = build.exported.ECS_RELEASE_DIGEST;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const devState = await serviceState(moto, dev);
    const devRunning = await describeRevision(moto, dev, devState.service.taskDefinition!);
    expect(devRunning.definition.containerDefinitions![0].image).toBe(`${repository}@${digest}`);
    expect(devRunning.tags).toMatchObject({ 'ecs-release:commit': commit });
    const status = JSON.parse(readFileSync(join(source, 'dev-status.json'), 'utf8')) as { digest: string };
    expect(status.digest).toBe(digest);

    // WHEN, after the approval stage, the promote buildspec runs on the build's output artifact
    gap('ecr-replication');
    await pushImage(moto, prodEnv, commit);
    const promote = await runBuildspec(readBuildspec(join(repoRoot(), 'ci', 'codebuild', 'promote.buildspec.yml')), source, projectEnv({ ECS_RELEASE_ROLE_ARN: deployRoleArn(prodEnv) }));
    // THEN prod runs the same digest from its own registry
    expect(promote.output).toContain('Promoted to prod');
    expect(promote.code).toBe(0);
    expect(promote.exported.ECS_RELEASE_HOLDING).toBe('false');
    const prodState = await serviceState(moto, prodEnv);
    const prodRunning = await describeRevision(moto, prodEnv, prodState.service.taskDefinition!);
    expect(prodRunning.definition.containerDefinitions![0].image).toBe(`${prodEnv.accountId}.dkr.ecr.${prodEnv.region}.amazonaws.com/${prodEnv.registry.repositoryName}@${digest}`);
    // AND Terraform sees no drift in either account
    expect(plan(moto, devStack).code).toBe(0);
    expect(plan(moto, prodStack).code).toBe(0);
  }, 600_000);

  test('a source without a commit id fails in pre_build in one line; nothing is pushed or deployed', async () => {
    const before = await serviceState(moto, dev);
    writeFileSync(calls, '');
    const r = await runBuildspec(readBuildspec(join(repoRoot(), 'ci', 'codebuild', 'buildspec.yml')), source, projectEnv({
      CODEBUILD_RESOLVED_SOURCE_VERSION: 'main',
      ECS_RELEASE_IMAGE_REPOSITORY: `${dev.accountId}.dkr.ecr.${dev.region}.amazonaws.com/${dev.registry.repositoryName}`,
      ECS_RELEASE_ROLE_ARN: deployRoleArn(dev),
    }));
    expect(r.failedPhase).toBe('pre_build');
    expect(r.code).toBe(2);
    expect(r.output).toContain('CODEBUILD_RESOLVED_SOURCE_VERSION: received "main"; allowed: a git commit id');
    expect(readFileSync(calls, 'utf8')).toBe('');
    const after = await serviceState(moto, dev);
    expect(after.revisions).toEqual(before.revisions);
    expect(after.pointerVersion).toBe(before.pointerVersion);
  }, 120_000);
});
