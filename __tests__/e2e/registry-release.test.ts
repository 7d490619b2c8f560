import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../environments/schema';
import { loadEnvironment } from '../../environments';
import type { Moto } from '../../scripts/lib/moto';
import { awsClientFactory } from '../../src/release/aws';
import { runCli } from '../../src/release/cli';
import type { RegistryAccess } from '../../src/release/private-source';
import { applyStack, deployRoleArn, describeRevision, plan, serviceState, startEmulator, type AppliedStack } from '../helpers/emulator';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { dev, variant } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/**
 * Issue 16 end to end: dev's web service configured to pull from a real registry (CNCF Distribution with htpasswd on
 * 127.0.0.1, images pushed with skopeo), its pull secret in moto's Secrets Manager, the stack applied into moto with
 * real Terraform, and ecs-release shipping from that registry through the deploy role: deploy by digest with
 * repositoryCredentials, an empty plan after it, a tag moved mid-release refused, and promotion requiring the digest
 * in the registry the environment pulls from. One applied stack: promotion takes its source from a status document
 * (--from-status, the pipeline's path), so the applied environment is the destination.
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
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      clients: awsClientFactory({ endpoint: moto.endpoint, credentials: BASE }),
      stdout: { write: (t) => void (stdout += t) },
      stderr: { write: (t) => void (stderr += t) },
      loadEnvironment: (name) => (name === 'dev' ? config : loadEnvironment(name)),
      registry: registryAccess,
    });
    return { code, stdout, stderr, errors: stderr.split('\n').filter((l) => l.startsWith('ecs-release:')) };
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
});
