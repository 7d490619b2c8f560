import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../environments/schema';
import { loadEnvironment } from '../../environments';
import type { Moto } from '../../scripts/lib/moto';
import type { RegistryAccess } from '../../src/release/private-source';
import { applyStack, deployRoleArn, describeRevision, plan, release as releaseOnMoto, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { ensureGitlabCiLocal, runGitlabCiLocal, type GitlabCiLocal } from '../helpers/gitlab-ci-local';
import { gitlabAppRepository, gitlabIdToken, installCliWithDev, registryDockerShim } from '../helpers/gitlab-registry';
import { buildOciLayout, startRegistry, type TestRegistry } from '../helpers/registry';
import { dev, variant } from '../helpers/stacks';
import { requireBuild, requireTerraform } from '../helpers/terraform';
import { gap } from './moto-gaps';

/**
 * Issue 16 end to end: dev's web service configured to pull from a real registry (CNCF Distribution with htpasswd on
 * 127.0.0.1, images pushed with skopeo), its pull secret in moto's Secrets Manager, the stack applied into moto with
 * real Terraform, and ecs-release shipping from that registry through the deploy role: deploy by digest with
 * repositoryCredentials, an empty plan after it, a tag moved mid-release refused, and promotion requiring the digest
 * in the registry the environment pulls from. One applied stack: promotion takes its source from a status document
 * (--from-status, the pipeline's path), so the applied environment is the destination. The GitLab template runs
 * against the same stack and registry, the registry standing in for GitLab's (CI_REGISTRY).
 */

const BASE = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe('a service pulling from a private registry (dev applied into moto, Distribution on 127.0.0.1)', () => {
  let moto: Moto;
  let registry: TestRegistry;
  let stack: AppliedStack;
  let config: EnvironmentConfig;
  let secretArn: string;
  const role = deployRoleArn(dev);
  const work = mkdtempSync(join(tmpdir(), 'registry-release-'));

  /** ecs-release in-process against moto (the deploy role assumed by --role-arn), with the registry reached as given. */
  async function release(args: string[], registryAccess: RegistryAccess = {}) {
    const r = await releaseOnMoto(moto, args, (name) => (name === 'dev' ? config : loadEnvironment(name)), registryAccess);
    return { ...r, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release:')) };
  }

  /** The web service's running revision: its application container. */
  async function running() {
    const state = await serviceState(moto, config);
    const r = await describeRevision(moto, config, state.service.taskDefinition!);
    return { state, app: r.definition.containerDefinitions!.find((c) => c.name === 'app')! };
  }

  beforeAll(async () => {
    requireTerraform();
    registry = await startRegistry();
    moto = await startEmulator();
    // The pull secret, created in dev's account before the configuration can name its complete ARN.
    const sts = new STSClient({ endpoint: moto.endpoint, region: dev.region, credentials: BASE });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${dev.accountId}:role/e2e-inspector`, RoleSessionName: 'e2e' }))).Credentials!;
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: dev.region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
    const secret = await sm.send(new CreateSecretCommand({ Name: 'webapp/dev/registry-pull', SecretString: JSON.stringify({ username: registry.username, password: registry.password }) }));
    secretArn = secret.ARN!;
    await registry.push('app', 'bootstrap', 'bootstrap');
    // Only the web service (dev's worker and nightly job share its group; one service keeps the apply cheap).
    config = variant(dev, {
      services: {
        web: { bootstrapImage: `${registry.host}/app:bootstrap`, imageSource: { registry: registry.host, pullCredentials: { secretArn } } },
        worker: undefined,
        nightly: undefined,
      },
    });
    stack = await applyStack(moto, config);
  }, 900_000);
  afterAll(async () => {
    await moto?.stop();
    await registry?.stop();
    stack?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  test('after apply: the task definition pulls with the secret by its complete ARN, and the plan is empty', async () => {
    expect(secretArn).toMatch(/:secret:webapp\/dev\/registry-pull-[A-Za-z0-9]{6}$/);
    const { app } = await running();
    expect(app.image).toBe(`${registry.host}/app:bootstrap`);
    expect(app.repositoryCredentials).toEqual({ credentialsParameter: secretArn });
    expect(plan(moto, stack).code).toBe(0);
  });

  test('deploy by tag: the service runs the digest skopeo pushed, with repositoryCredentials, and the plan stays empty', async () => {
    // GIVEN an image pushed to the registry by tag
    const digest = await registry.push('app', 'c0ffee1');
    // WHEN ecs-release deploys the tag through the deploy role (credentials from moto's Secrets Manager)
    const r = await release(['deploy', '--env', 'dev', '--service', 'web', '--image', `${registry.host}/app:c0ffee1`, '--role-arn', role, '--timeout', '2m', '--poll-interval', '1s']);
    // THEN it succeeded, and the running revision names the digest and keeps the pull credentials
    expect([r.code, r.errors]).toEqual([0, []]);
    const { state, app } = await running();
    expect(app.image).toBe(`${registry.host}/app@${digest}`);
    expect(app.repositoryCredentials).toEqual({ credentialsParameter: secretArn });
    expect(state.pointer).toBe(`${registry.host}/app@${digest}`);
    // AND Terraform sees no drift
    expect(plan(moto, stack).code).toBe(0);
  });

  test('a tag re-pushed while the release runs is refused in one line naming both digests (exit 3)', async () => {
    // GIVEN a tag, and a push of other content to the same tag once the release has pinned it (its second read)
    const first = await registry.push('app', 'feed123', 'first build');
    let reads = 0;
    let moved = '';
    const racing: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/v2/app/manifests/feed123') && new Headers(init?.headers).has('authorization') && ++reads === 2) moved = await registry.push('app', 'feed123', 'second build');
      return fetch(url, init);
    };
    // WHEN deployed
    const r = await release(['deploy', '--env', 'dev', '--service', 'web', '--image', `${registry.host}/app:feed123`, '--role-arn', role, '--timeout', '2m', '--poll-interval', '1s'], { fetch: racing });
    // THEN refused after the rollout, naming both digests; what runs is the digest pinned at the start
    expect(moved).not.toBe('');
    expect(moved).not.toBe(first);
    expect(r.code).toBe(3);
    expect(r.errors).toEqual([`ecs-release: image "${registry.host}/app:feed123": the tag moved during the release (${first} at the start, ${moved} now); the release deployed ${first}, use immutable tags`]);
    expect((await running()).app.image).toBe(`${registry.host}/app@${first}`);
  });

  test('promotion needs the digest in the registry this environment pulls from: refused without a write, then shipped', async () => {
    // GIVEN an upstream status naming a digest that is in the registry, but not in this environment's repository
    const digest = await registry.push('upstream/app', 'b1d2e3f', 'promoted build');
    const status = join(work, 'prod-status.json');
    writeFileSync(status, JSON.stringify({ command: 'status', environment: 'prod', service: 'web', runningRevision: 'arn:aws:ecs:eu-west-1:222222222222:task-definition/webapp-prod-web:3', image: `registry.upstream.test/app@${digest}`, digest, commit: 'b1d2e3f', deploymentsInFlight: [] }));
    const args = ['promote', '--from', 'prod', '--to', 'dev', '--service', 'web', '--from-status', status, '--to-role-arn', role, '--timeout', '2m', '--poll-interval', '1s'];
    const before = await serviceState(moto, config);
    // WHEN promoted / THEN refused in one line, nothing written
    const refused = await release(args);
    expect(refused.code).toBe(3);
    expect(refused.errors).toEqual([`ecs-release: registry ${registry.host}: digest ${digest} not found in repository "app"; copy the tested image there first (the same digest, never a rebuild)`]);
    const after = await serviceState(moto, config);
    expect([after.revisions, after.pointerVersion, after.service.taskDefinition]).toEqual([before.revisions, before.pointerVersion, before.service.taskDefinition]);
    // GIVEN the same image copied into the repository (same bytes, same digest) / WHEN promoted again / THEN shipped
    expect(await registry.push('app', 'b1d2e3f', 'promoted build')).toBe(digest);
    const shipped = await release(args);
    expect([shipped.code, shipped.errors]).toEqual([0, []]);
    const { app } = await running();
    expect(app.image).toBe(`${registry.host}/app@${digest}`);
    expect(app.repositoryCredentials).toEqual({ credentialsParameter: secretArn });
    expect(plan(moto, stack).code).toBe(0);
  });

  describe('the GitLab CI template with this registry as GitLab\'s, run by gitlab-ci-local in shell mode', () => {
    let gcl: GitlabCiLocal;
    let cli: string;
    let sha: string;
    let shim: ReturnType<typeof registryDockerShim>;
    let layout: ReturnType<typeof buildOciLayout>;
    const app = join(work, 'gitlab-app');
    const bin = join(work, 'gitlab-bin');
    const calls = join(work, 'gitlab-calls.log');

    /** GitLab's registry variables pointing at this registry and its htpasswd user; the CLI built from this checkout. */
    function gitlabVariables(extra: Record<string, string> = {}): string[] {
      const vars = {
        CI_REGISTRY: registry.host,
        CI_REGISTRY_IMAGE: `${registry.host}/acme/webapp`,
        CI_REGISTRY_USER: registry.username,
        CI_REGISTRY_PASSWORD: registry.password,
        ECS_RELEASE_CLI: `${process.execPath} ${cli}`,
        ECS_RELEASE_DEV_ROLE_ARN: role,
        ECS_RELEASE_ID_TOKEN: gitlabIdToken({ project_path: 'acme/webapp', ref: 'main', sub: 'project_path:acme/webapp:ref_type:branch:ref:main:environment:dev' }),
        ...extra,
      };
      return Object.entries(vars).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
    }
    const runnerEnv = () => ({ PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: work, ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

    beforeAll(() => {
      requireBuild();
      gcl = ensureGitlabCiLocal();
      cli = installCliWithDev(join(work, 'gitlab-cli'), config);
      sha = gitlabAppRepository(app);
      // Content no other push of this file has: the digest can only come from this build's push.
      layout = buildOciLayout(join(work, 'gitlab-layout'), `gitlab build ${sha} ${randomBytes(8).toString('hex')}`);
      shim = registryDockerShim(bin, calls, layout.dir);
    }, 600_000);

    test('build logs in to CI_REGISTRY and pushes the commit, deploy-dev resolves it with the pull secret: the service runs that digest with repositoryCredentials, plan empty', async () => {
      // GIVEN the template's default repository, $CI_REGISTRY_IMAGE, in this registry (moto's STS takes any token: the
      // deploy role's trust of GitLab's token is evaluated in pipelines.test.ts)
      gap('sts-web-identity-unverified');
      const image = `${registry.host}/acme/webapp:${sha}`;
      writeFileSync(calls, '');
      // WHEN the build job and the dev deploy it needs run
      const r = await runGitlabCiLocal(gcl, app, ['--force-shell-executor', '--no-color', '--needs', 'ecs-release:deploy-dev', ...gitlabVariables()], runnerEnv());
      // THEN the build logged in to the registry as its user and pushed the full commit id; skopeo's digest is the layout's
      expect(r.output).toMatch(/ecs-release:deploy-dev.*Deployed sha256:/);
      expect(r.code).toBe(0);
      const log = readFileSync(calls, 'utf8').trim().split('\n');
      expect(log).toEqual([`docker login --username ${registry.username} --password-stdin ${registry.host}`, `docker build --pull --tag ${image} .`, `docker push ${image}`, `docker inspect --format {{index .RepoDigests 0}} ${image}`]);
      const digest = readFileSync(shim.digestFile(image), 'utf8').trim();
      expect(digest).toBe(layout.manifestDigest);
      expect(r.output).toContain(`Deployed ${digest} to dev.`);
      // AND dev runs that digest from the registry, pulling with the secret the stack names
      const { state, app: container } = await running();
      expect(container.image).toBe(`${registry.host}/acme/webapp@${digest}`);
      expect(container.repositoryCredentials).toEqual({ credentialsParameter: secretArn });
      expect(state.pointer).toBe(`${registry.host}/acme/webapp@${digest}`);
      // AND the job's artifact (what a promotion starts from) names it, and Terraform sees no drift
      const stateDir = join(app, '.gitlab-ci-local');
      const artifact = (readdirSync(stateDir, { recursive: true }) as string[]).find((f) => f.includes('deploy-dev') && f.endsWith('dev-status.json'));
      expect(JSON.parse(readFileSync(join(stateDir, artifact!), 'utf8')).digest).toBe(digest);
      expect(plan(moto, stack).code).toBe(0);
    }, 600_000);

    test.each([
      ['a repository in a registry other than CI_REGISTRY', { ECS_RELEASE_IMAGE_REPOSITORY: 'registry.other.test/acme/webapp' }, 'registry.other.test/acme/webapp', (): string => registry.host],
      ['a project without a registry (CI_REGISTRY and CI_REGISTRY_IMAGE empty)', { CI_REGISTRY: '', CI_REGISTRY_IMAGE: '' }, '', (): string => 'CI_REGISTRY is not set'],
    ])('%s: the build stops in one line before any login or push', async (_case, vars, received, allowed) => {
      writeFileSync(calls, '');
      const r = await runGitlabCiLocal(gcl, app, ['--force-shell-executor', '--no-color', 'ecs-release:build', ...gitlabVariables(vars)], runnerEnv());
      expect(r.code).not.toBe(0);
      expect(r.output).toContain(`ECS_RELEASE_IMAGE_REPOSITORY: received "${received}"; allowed: a repository in GitLab's registry (${allowed()}) or in ECR (<account>.dkr.ecr.<region>.amazonaws.com/<name>)`);
      expect(readFileSync(calls, 'utf8')).toBe('');
    }, 300_000);
  });
});
