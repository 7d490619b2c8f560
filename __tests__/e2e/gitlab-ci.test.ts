import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { applyStack, commitTag, deployRoleArn, describeRevision, plan, pushImage, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { ensureGitlabCiLocal, runGitlabCiLocal, type GitlabCiLocal } from '../helpers/gitlab-ci-local';
import { installCli, rollingProd } from '../helpers/pipeline';
import { dev } from '../helpers/stacks';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

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
      '# No Docker daemon here: the test pushed the commit\'s image to the emulated ECR; this job hands it over as the',
      '# template\'s build job does (dotenv ECS_RELEASE_IMAGE).',
      'ecs-release:build:',
      '  services: []',
      '  script:',
      '    - echo "ECS_RELEASE_IMAGE=$TEST_BUILT_IMAGE" > build.env',
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

describe('the GitLab CI template, run by gitlab-ci-local in shell mode against moto (dev and prod stacks)', () => {
  const scratch = scratchDir('gitlab-ci');
  let moto: Moto;
  let gcl: GitlabCiLocal;
  let prodEnv: EnvironmentConfig;
  let devStack: AppliedStack;
  let prodStack: AppliedStack;
  let cli: string;
  const app = join(scratch.dir, 'app');

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
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    devStack?.remove();
    prodStack?.remove();
    scratch.remove();
  });

  /** The runner's environment: moto's endpoint, and static keys the template must refuse to use (they are moto's default account). */
  function runnerEnv(): Record<string, string> {
    return { PATH: process.env.PATH ?? '', HOME: scratch.dir, ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  }

  test('build, deploy to dev and the manual promotion run; prod runs dev\'s digest and both plans stay empty', async () => {
    // GIVEN the commit's image pushed (the build) and replicated into prod's registry
    const tag = commitTag();
    const built = await pushImage(moto, dev, tag);
    gap('ecr-replication');
    await pushImage(moto, prodEnv, tag);
    const token = idToken({ project_path: 'acme/webapp', ref: 'main', ref_type: 'branch', sub: 'project_path:acme/webapp:ref_type:branch:ref:main' });
    // WHEN the pipeline runs with the manual prod job triggered
    const vars = {
      TEST_BUILT_IMAGE: `${built.uri}:${tag}`,
      ECS_RELEASE_CLI: `${process.execPath} ${cli}`,
      ECS_RELEASE_DEV_ROLE_ARN: deployRoleArn(dev),
      ECS_RELEASE_PROD_ROLE_ARN: deployRoleArn(prodEnv),
      ECS_RELEASE_ID_TOKEN: token,
    };
    const r = await runGitlabCiLocal(
      gcl,
      app,
      ['--force-shell-executor', '--no-color', '--manual', 'ecs-release:promote-prod', ...Object.entries(vars).flatMap(([k, v]) => ['--variable', `${k}=${v}`])],
      runnerEnv(),
    );
    // THEN every job passed
    expect(r.output).toMatch(/ecs-release:promote-prod.*Promoted sha256:/);
    expect(r.code).toBe(0);
    expect(r.output).toContain(`Deployed ${built.digest} to dev.`);
    // AND dev and prod run the same digest, each from its own registry
    const devState = await serviceState(moto, dev);
    const prodState = await serviceState(moto, prodEnv);
    expect((await describeRevision(moto, dev, devState.service.taskDefinition!)).definition.containerDefinitions![0].image).toBe(`${built.uri}@${built.digest}`);
    const prodRunning = await describeRevision(moto, prodEnv, prodState.service.taskDefinition!);
    expect(prodRunning.definition.containerDefinitions![0].image).toMatch(new RegExp(`^${prodEnv.accountId}\\.dkr\\.ecr\\..*@${built.digest}$`));
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
    const status = JSON.parse(readFileSync(join(stateDir, artifact!), 'utf8')) as { digest: string };
    expect(status.digest).toBe(built.digest);
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
