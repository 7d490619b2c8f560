import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { readBuildspec, runBuildspec } from '../helpers/buildspec';
import { applyStack, deployRoleArn, describeRevision, plan, pushImage, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { ensureGitlabCiLocal, runGitlabCiLocal, type GitlabCiLocal } from '../helpers/gitlab-ci-local';
import { installCli, rollingProd } from '../helpers/pipeline';
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { evaluateTrust, type PolicyDocument } from '../helpers/iam-evaluator';
import { dev as shippedDev, variant } from '../helpers/stacks';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/**
 * Dev as applied here: with `ci.gitlab` for the emulated GitLab instance, so the jobs assume the role the stack made
 * trust GitLab (same name as the shipped dev's deploy role).
 */
const GITLAB_HOST = 'gitlab.example.com';
const dev = variant(shippedDev, { ci: { gitlab: { issuerUrl: `https://${GITLAB_HOST}`, projectPaths: ['acme/webapp'], refs: ['main'], environment: 'dev' } } });

/** The deploy role's trust policy and the account's OIDC providers, read back from the emulated IAM. */
async function appliedTrust(moto: Moto, env: typeof dev): Promise<{ trust: PolicyDocument; providers: string[] }> {
  const sts = new STSClient({ endpoint: moto.endpoint, region: env.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${env.accountId}:role/e2e-read`, RoleSessionName: 'e2e' }))).Credentials!;
  const iam = new IAMClient({ endpoint: moto.endpoint, region: env.region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
  const role = await iam.send(new GetRoleCommand({ RoleName: deployRoleArn(env).split('/').pop()! }));
  const providers = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.map((p) => p.Arn!).sort();
  return { trust: JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)) as PolicyDocument, providers };
}

/** A GitLab-shaped OIDC id_token (RS256, GitLab's claims); moto's AssumeRoleWithWebIdentity does not verify it. */
function idToken(claims: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${b64({ iss: 'https://gitlab.example.com', aud: 'sts.amazonaws.com', iat: now, nbf: now, exp: now + 300, ...claims })}`;
  return `${body}.${sign('sha256', Buffer.from(body), privateKey).toString('base64url')}`;
}

/** An application repository that includes the template, on main with an origin remote (what gitlab-ci-local reads). */
function appRepository(dir: string): void {
  mkdirSync(join(dir, 'ci'));
  copyFileSync(join(repoRoot(), 'ci', 'gitlab', 'ecs-release.gitlab-ci.yml'), join(dir, 'ci', 'ecs-release.gitlab-ci.yml'));
  writeFileSync(
    join(dir, '.gitlab-ci.yml'),
    [
      'include:',
      '  - local: ci/ecs-release.gitlab-ci.yml',
      '# The shell executor has no Docker-in-Docker service; docker, aws and apk are the test\'s stand-ins on PATH.',
      'ecs-release:build:',
      '  services: []',
      '',
    ].join('\n'),
  );
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://gitlab.example.com/acme/webapp.git');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'add', '-A');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-q', '-m', 'app');
}

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
      // Remembered for `docker inspect`, which reports the pushed digest (RepoDigests) like Docker does after a push.
      `const pushed = ${JSON.stringify(join(bin, 'pushed'))}; require('fs').mkdirSync(pushed, { recursive: true });`,
      'pushImage(process.env.AWS_ENDPOINT_URL, env, tag).then((r) => { require("fs").writeFileSync(require("path").join(pushed, Buffer.from(ref).toString("hex")), r.digest); console.log(`${tag}: digest: ${r.digest}`); }, (e) => { console.error(String(e)); process.exit(1); });',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'docker'),
    [
      '#!/bin/sh',
      `echo "docker $*" >> ${JSON.stringify(calls)}`,
      'case "$1" in',
      '  login) cat > /dev/null; echo "Login Succeeded" ;;',
      '  build) exit 0 ;;',
      `  push) exec node ${JSON.stringify(push)} "$2" ;;`,
      `  inspect) key=$(printf '%s' "$4" | od -An -tx1 | tr -d ' \\n'); printf '%s@%s\\n' "\${4%:*}" "$(cat ${JSON.stringify(join(bin, 'pushed'))}/$key)" ;;`,
      '  *) echo "docker shim: unexpected call: $*" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  writeFileSync(join(bin, 'apk'), `#!/bin/sh\necho "apk $*" >> ${JSON.stringify(calls)}\n`);
  chmodSync(join(bin, 'apk'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  chmodSync(join(bin, 'docker'), 0o755);
}

/** The digest of each member of a release group's status document (`ecs-release status --group --json`), in order. */
function groupDigests(file: string): (string | null)[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { services: { service?: string; digest: string | null }[] };
  return doc.services.map((s) => s.digest);
}

/**
 * The other pipeline systems, run, not only linted: GitLab CI's template by gitlab-ci-local (shell executor) and the
 * CodeBuild buildspecs' commands with CodeBuild's phase rules, both against one moto with the dev and prod stacks
 * applied (one apply of each stack for both systems), both calling the built ecs-release.
 */
describe('pipelines on other systems against moto (dev and prod stacks)', () => {
  const scratch = scratchDir('pipelines');
  let moto: Moto;
  let gcl: GitlabCiLocal;
  let prodEnv: EnvironmentConfig;
  let devStack: AppliedStack;
  let prodStack: AppliedStack;
  let cli: string;
  const app = join(scratch.dir, 'app');
  const calls = join(scratch.dir, 'calls.log');
  const bin = join(scratch.dir, 'bin');
  const source = join(scratch.dir, 'source');

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    gcl = ensureGitlabCiLocal();
    moto = await startEmulator();
    prodEnv = await rollingProd(moto);
    [devStack, prodStack] = await Promise.all([applyStack(moto, dev), applyStack(moto, prodEnv)]);
    mkdirSync(join(scratch.dir, 'cli'));
    cli = installCli(join(scratch.dir, 'cli'), prodEnv);
    mkdirSync(app);
    appRepository(app);
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

  describe('the GitLab CI template, run by gitlab-ci-local in shell mode', () => {
    /** The runner's environment: moto's endpoint, and static keys the template must refuse to use (they are moto's default account). */
    function runnerEnv(): Record<string, string> {
      return { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: scratch.dir, ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    }

    test('the template\'s build pushes the commit, dev deploys its digest, the manual promotion puts it in prod; both plans stay empty', async () => {
      // GIVEN the application commit; its image will reach prod's registry by replication (same tag, same digest)
      const sha = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: app, encoding: 'utf8' }).stdout.trim();
      const repository = `${dev.accountId}.dkr.ecr.${dev.region}.amazonaws.com/${dev.registry.repositoryName}`;
      gap('ecr-replication');
      const replicated = await pushImage(moto, prodEnv, sha);
      writeFileSync(calls, '');
      // One token for every job (gitlab-ci-local has no per-job id_tokens). moto's STS verifies nothing (gap
      // sts-web-identity-unverified): the token's claims are evaluated here against the trust policy the apply left on
      // dev's deploy role, the role the deploy job then assumes through the SDK's web-identity provider.
      const claims = { project_path: 'acme/webapp', ref: 'main', ref_type: 'branch', sub: 'project_path:acme/webapp:ref_type:branch:ref:main:environment:dev' };
      const token = idToken(claims);
      gap('sts-web-identity-unverified');
      const applied = await appliedTrust(moto, dev);
      const provider = `arn:aws:iam::${dev.accountId}:oidc-provider/${GITLAB_HOST}`;
      expect(applied.providers).toContain(provider);
      const accepts = (sub: string) =>
        evaluateTrust(applied.trust, { action: 'sts:AssumeRoleWithWebIdentity', principal: { Federated: provider }, context: { [`${GITLAB_HOST}:sub`]: sub, [`${GITLAB_HOST}:aud`]: 'sts.amazonaws.com' } }).allowed;
      expect(accepts(claims.sub)).toBe(true);
      expect(accepts(claims.sub.replace(':environment:dev', ':environment:prod'))).toBe(false);
      expect(accepts(claims.sub.replace('acme/webapp', 'acme/other'))).toBe(false);
      // WHEN the pipeline runs with the manual prod job triggered
      const vars = {
        ECS_RELEASE_IMAGE_REPOSITORY: repository,
        ECS_RELEASE_PUSH_ROLE_ARN: `arn:aws:iam::${dev.accountId}:role/webapp-dev-ci-push`,
        ECS_RELEASE_CLI: `${process.execPath} ${cli}`,
        ECS_RELEASE_DEV_ROLE_ARN: deployRoleArn(dev),
        ECS_RELEASE_PROD_ROLE_ARN: deployRoleArn(prodEnv),
        ECS_RELEASE_ID_TOKEN: token,
        // dev and prod run web, worker and nightly from one image: the release group ships it to all three.
        ECS_RELEASE_SELECT: '--group app',
      };
      const r = await runGitlabCiLocal(
        gcl,
        app,
        ['--force-shell-executor', '--no-color', '--manual', 'ecs-release:promote-prod', ...Object.entries(vars).flatMap(([k, v]) => ['--variable', `${k}=${v}`])],
        runnerEnv(),
      );
      // THEN every job passed, the build logged in to ECR and pushed the full commit id
      expect(r.output).toMatch(/ecs-release:promote-prod.*Promoted sha256:/);
      expect(r.code).toBe(0);
      const log = readFileSync(calls, 'utf8');
      expect(log).toContain(`aws ecr get-login-password --region ${dev.region}`);
      expect(log).toContain(`docker build --pull --tag ${repository}:${sha} .`);
      expect(log).toContain(`docker push ${repository}:${sha}`);
      const built = { uri: repository, digest: replicated.digest };
      expect(r.output).toContain(`Deployed ${built.digest} to dev.`);
      // AND dev and prod run the same digest, each from its own registry
      const devState = await serviceState(moto, dev);
      const prodState = await serviceState(moto, prodEnv);
      expect((await describeRevision(moto, dev, devState.service.taskDefinition!)).definition.containerDefinitions!.find((c) => c.image?.includes('.dkr.ecr.'))?.image).toBe(`${built.uri}@${built.digest}`);
      const prodRunning = await describeRevision(moto, prodEnv, prodState.service.taskDefinition!);
      expect(prodRunning.definition.containerDefinitions!.find((c) => c.image?.includes('.dkr.ecr.'))?.image).toMatch(new RegExp(`^${prodEnv.accountId}\\.dkr\\.ecr\\..*@${built.digest}$`));
      expect(prodRunning.tags).toMatchObject({ 'ecs-release:image-digest': built.digest });
      // AND the approval job was not run (nothing holds on a rolling prod)
      expect(r.output).not.toMatch(/ecs-release:approve-prod-traffic.*starting/);
      // AND Terraform sees no drift in either account
      expect(plan(moto, devStack).code).toBe(0);
      expect(plan(moto, prodStack).code).toBe(0);
      // AND the dev job's artifact is the status document prod promoted from
      const stateDir = join(app, '.gitlab-ci-local');
      const artifact = (readdirSync(stateDir, { recursive: true }) as string[]).find((f) => f.includes('deploy-dev') && f.endsWith('dev-status.json'));
      expect(artifact).toBeDefined();
      expect(groupDigests(join(stateDir, artifact!))).toEqual([built.digest, built.digest, built.digest]);
    }, 600_000);

    test('a job without an id_token or role fails in one line before anything changes in AWS', async () => {
      const before = await serviceState(moto, dev);
      const r = await runGitlabCiLocal(
        gcl,
        app,
        ['--force-shell-executor', '--no-color', 'ecs-release:deploy-dev', '--variable', `ECS_RELEASE_CLI=${process.execPath} ${cli}`, '--variable', `ECS_RELEASE_DEV_ROLE_ARN=${deployRoleArn(dev)}`, '--variable', 'ECS_RELEASE_IMAGE=x'],
        runnerEnv(),
      );
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('ECS_RELEASE_ID_TOKEN: received nothing; allowed: the job\'s id_token (aud sts.amazonaws.com)');
      const after = await serviceState(moto, dev);
      expect(after.pointerVersion).toBe(before.pointerVersion);
      expect(after.revisions).toEqual(before.revisions);
    }, 300_000);
  });

  describe('the CodeBuild buildspecs, their commands run in a shell with CodeBuild\'s phase rules', () => {
    /** The build container's environment: moto, the stand-in tools first on PATH, the release CLI installed. */
    const projectEnv = (extra: Record<string, string>) => ({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: scratch.dir,
      ...moto.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ECS_RELEASE_CLI: `${process.execPath} ${cli}`,
      // dev and prod run web, worker and nightly from one image: the release group ships it to all three.
      ECS_RELEASE_SELECT: '--group app',
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
      expect(devRunning.definition.containerDefinitions!.find((c) => c.image?.includes('.dkr.ecr.'))?.image).toBe(`${repository}@${digest}`);
      expect(devRunning.tags).toMatchObject({ 'ecs-release:commit': commit });
      expect(groupDigests(join(source, 'dev-status.json'))).toEqual([digest, digest, digest]);

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
      expect(prodRunning.definition.containerDefinitions!.find((c) => c.image?.includes('.dkr.ecr.'))?.image).toBe(`${prodEnv.accountId}.dkr.ecr.${prodEnv.region}.amazonaws.com/${prodEnv.registry.repositoryName}@${digest}`);
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
});

describe('the GitLab CI template against GitLab\'s CI schema (the copy gitlab-ci-local ships)', () => {
  const scratch = scratchDir('gitlab-schema');
  afterAll(() => scratch.remove());

  /** `gitlab-ci-local --list --json-schema-validation` in an application repository whose .gitlab-ci.yml is `extra` after the include. */
  async function list(name: string, extra: string): Promise<{ code: number; output: string }> {
    const dir = join(scratch.dir, name);
    mkdirSync(join(dir, 'ci'), { recursive: true });
    copyFileSync(join(repoRoot(), 'ci', 'gitlab', 'ecs-release.gitlab-ci.yml'), join(dir, 'ci', 'ecs-release.gitlab-ci.yml'));
    writeFileSync(join(dir, '.gitlab-ci.yml'), `include:\n  - local: ci/ecs-release.gitlab-ci.yml\n${extra}`);
    for (const args of [['init', '-q', '-b', 'main'], ['remote', 'add', 'origin', 'https://gitlab.example.com/acme/webapp.git'], ['add', '-A'], ['commit', '-q', '-m', 'app']]) {
      spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir });
    }
    return runGitlabCiLocal(ensureGitlabCiLocal(), dir, ['--list', '--json-schema-validation', '--no-color'], { PATH: process.env.PATH ?? '', HOME: scratch.dir });
  }

  test('the template validates and lists its four jobs, prod manual and blocking', async () => {
    const r = await list('valid', '');
    expect(r.output).toContain('json schema validated');
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/ecs-release:promote-prod\s+deploy-prod\s+manual\s+false\s+prod\s/);
    expect(r.output).toMatch(/ecs-release:approve-prod-traffic\s+deploy-prod\s+manual\s+true\s+prod-approve\s/);
  }, 120_000);

  test('the same check refuses an invalid override (so the validation above can fail)', async () => {
    const r = await list('invalid', 'ecs-release:build:\n  when: sometimes\n');
    expect(r.code).not.toBe(0);
    expect(r.output).not.toContain('json schema validated');
  }, 120_000);
});

describe('the GitLab approve job selects what the promotion shipped (gitlab-ci-local, a recording CLI, no AWS)', () => {
  const scratch = scratchDir('gitlab-approve');
  afterAll(() => scratch.remove());

  /** Runs only ecs-release:approve-prod-traffic after a promotion that left `promote` in promote.json; returns the CLI calls. */
  async function approveAfter(name: string, select: string, promote: unknown): Promise<{ code: number; output: string; calls: string[] }> {
    const dir = join(scratch.dir, name);
    mkdirSync(join(dir, 'ci'), { recursive: true });
    copyFileSync(join(repoRoot(), 'ci', 'gitlab', 'ecs-release.gitlab-ci.yml'), join(dir, 'ci', 'ecs-release.gitlab-ci.yml'));
    writeFileSync(join(dir, '.gitlab-ci.yml'), 'include:\n  - local: ci/ecs-release.gitlab-ci.yml\n');
    // The promote job's artifact, as the approve job finds it in its working directory.
    writeFileSync(join(dir, 'promote.json'), JSON.stringify(promote));
    for (const args of [['init', '-q', '-b', 'main'], ['remote', 'add', 'origin', 'https://gitlab.example.com/acme/webapp.git'], ['add', '-A'], ['commit', '-q', '-m', 'app']]) {
      spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir });
    }
    const calls = join(scratch.dir, `${name}.calls`);
    const cli = join(scratch.dir, `${name}-cli.sh`);
    writeFileSync(cli, `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\necho '{}'\n`);
    chmodSync(cli, 0o755);
    writeFileSync(calls, '');
    const vars = { ECS_RELEASE_CLI: cli, ECS_RELEASE_APPROVE_ROLE_ARN: 'arn:aws:iam::222222222222:role/webapp-prod-ci-approve', ECS_RELEASE_ID_TOKEN: 'token', ECS_RELEASE_HOLDING: 'true', ECS_RELEASE_SELECT: select };
    const r = await runGitlabCiLocal(
      ensureGitlabCiLocal(),
      dir,
      ['--force-shell-executor', '--no-color', '--manual', 'ecs-release:approve-prod-traffic', 'ecs-release:approve-prod-traffic', ...Object.entries(vars).flatMap(([k, v]) => ['--variable', `${k}=${v}`])],
      { PATH: process.env.PATH ?? '', HOME: scratch.dir },
    );
    return { ...r, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
  }

  test('--group app: approve names the group member the promotion left holding, and only it', async () => {
    // GIVEN a group promotion whose blue/green web holds while worker and nightly completed
    const promote = { command: 'promote', services: [{ service: 'web', outcome: 'holding', exitCode: 5 }, { service: 'worker', outcome: 'completed', exitCode: 0 }, { service: 'nightly', outcome: 'completed', exitCode: 0 }] };
    // WHEN the manual approve job runs with the deploy job's selection
    const r = await approveAfter('group', '--group app', promote);
    // THEN the CLI was asked to approve web in prod, nothing else
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['approve --env prod --service web --timeout 45m --json']);
  }, 180_000);

  test('--service web: approve gets the same selection', async () => {
    const r = await approveAfter('service', '--service web', { command: 'promote', outcome: 'holding', exitCode: 5 });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['approve --env prod --service web --timeout 45m --json']);
  }, 180_000);

  test('--group app with no holding member in promote.json: one line, the CLI is never called', async () => {
    const r = await approveAfter('none', '--group app', { command: 'promote', services: [{ service: 'web', outcome: 'completed', exitCode: 0 }] });
    // (the job is allow_failure: the pipeline passes, the job itself fails on this line)
    expect(r.output).toContain('promote.json names no holding member of app: nothing to approve');
    expect(r.calls).toEqual([]);
  }, 180_000);
});
