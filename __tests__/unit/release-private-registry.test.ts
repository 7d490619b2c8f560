import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { loadEnvironment } from '../../environments';
import type { EnvironmentConfig } from '../../environments/schema';
import { ACCOUNT, DIGEST, RUNNING_REVISION, TD, TERRAFORM_REVISION, allCalls, cli, deployment, descriptor, mockAws, names, permissionEnvironments, revision, service, writeCalls } from '../helpers/release-mocks';
import { variant } from '../helpers/stacks';
import { ReleaseError } from '../../src/release/errors';
import { privateImageOptions, promotedPrivateImage } from '../../src/release/private-source';
import { serviceResourceNames } from '../../src/release/services';

/**
 * ecs-release deploy of a service whose images live in a private registry (issue 16), with AWS client mocks and a
 * scripted OCI registry (fetch): the tag is resolved through the registry with the pull secret read from Secrets
 * Manager (or the Docker store), the revision names the digest, the tag is read again before success; refusals before
 * shipping write nothing. Every AWS call is evaluated against the deploy role of this configuration (release-mocks).
 */

const mocks = mockAws();
afterAll(() => mocks.restore());

const REGISTRY = 'registry.gitlab.com';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull-AbC123';
const USER = 'ci-puller';
const PASSWORD = 'pull-token-1';
const TAG = 'abc1234';
const NEW = 8;
const source = { registry: REGISTRY, pullCredentials: { secretArn: SECRET } };
const each = { bootstrapImage: `${REGISTRY}/team/app:bootstrap`, imageSource: source };
const privateDev: EnvironmentConfig = variant(loadEnvironment('dev'), { services: { web: each, worker: each, nightly: each } });
const privateDescriptor = { ...descriptor, imageSource: { registry: REGISTRY, credentialsSecretArn: SECRET } };
const runningImage = `${REGISTRY}/team/app@${DIGEST(2)}`;
const loadEnv = (name: string) => (name === 'dev' ? privateDev : loadEnvironment(name));

beforeAll(() => {
  permissionEnvironments.dev = privateDev;
});
afterAll(() => {
  delete permissionEnvironments.dev;
});

/** A registry answering HEAD for `team/app` manifests with Basic authentication; `digests` are what the tag gives, in turn. */
function fakeRegistry(digests: string[], known: string[] = []): { fetch: typeof fetch; requests: { method: string; url: string; auth?: string }[] } {
  const requests: { method: string; url: string; auth?: string }[] = [];
  let turn = 0;
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const fn = (async (url: string | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ method: init?.method ?? 'GET', url: String(url), auth: headers.get('authorization') ?? undefined });
    if (headers.get('authorization') !== expected) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="test"' } });
    const ref = decodeURIComponent(String(url).split('/manifests/')[1] ?? '');
    if (ref === TAG) {
      const digest = digests[Math.min(turn++, digests.length - 1)];
      return new Response(null, { status: 200, headers: { 'docker-content-digest': digest, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    }
    if (known.includes(ref)) return new Response(null, { status: 200, headers: { 'docker-content-digest': ref, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    return new Response(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }), { status: 404 });
  }) as typeof fetch;
  return { fetch: fn, requests };
}

/** GIVEN dev's web service on the private registry: Terraform's revision 5, running revision 7. */
function givenPrivateDev(): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/ecs-release-dev` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(privateDescriptor) } });
  mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: runningImage } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.secretsmanager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ username: USER, password: PASSWORD }) });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: revision(TERRAFORM_REVISION, runningImage), tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }] });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, runningImage), tags: [] });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD(NEW) } });
  mocks.ecs.on(UpdateServiceCommand).resolves({ service: service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS')]) });
  mocks.ecs.on(TagResourceCommand).resolves({});
  mocks.ecs
    .on(DescribeServicesCommand)
    .resolvesOnce({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')])] })
    .resolves({ services: [service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])] });
}

const deployArgs = (image: string, ...extra: string[]) => ['deploy', '--env', 'dev', '--service', 'web', '--image', image, ...extra];
const registered = () => mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input.containerDefinitions?.find((d) => d.name === names.container)?.image);
const oneLine = (text: string) => text.trim().split('\n').length === 1 && !/\n\s+at /.test(text);

describe('ecs-release deploy from a private registry (client mocks, scripted registry)', () => {
  test('resolves the tag with the pull secret, registers the revision by digest, reads the tag again, and reads no ECR', async () => {
    // GIVEN the tag abc1234 at digest 3 in the registry
    givenPrivateDev();
    const registry = fakeRegistry([DIGEST(3)]);
    // WHEN deployed by tag
    const r = await cli(deployArgs(`${REGISTRY}/team/app:${TAG}`), { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    // THEN the revision names the digest in the service's registry, and the run succeeded
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/completed/);
    expect(registered()).toEqual([`${REGISTRY}/team/app@${DIGEST(3)}`]);
    // AND the secret was read by its complete ARN, the tag asked for twice (pin, then confirm), never ECR
    expect(mocks.secretsmanager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([SECRET]);
    const tagReads = registry.requests.filter((q) => q.url === `https://${REGISTRY}/v2/team/app/manifests/${TAG}` && q.auth);
    expect(tagReads.map((q) => q.method)).toEqual(['HEAD', 'HEAD']);
    expect(allCalls(mocks).filter((c) => c === 'DescribeImages')).toEqual([]);
  });

  test('a tag that moved during the release fails with one line naming both digests, exit 3', async () => {
    // GIVEN the tag re-pushed between the pin and the end of the release
    givenPrivateDev();
    const registry = fakeRegistry([DIGEST(3), DIGEST(4)]);
    // WHEN deployed
    const r = await cli(deployArgs(`${REGISTRY}/team/app:${TAG}`), { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    // THEN refused in one line; what was deployed is the digest pinned at the start
    expect(r.code).toBe(3);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('ecs-release:'));
    expect(errors).toHaveLength(1);
    expect(r.stdout).not.toMatch(/completed|deployed to/i);
    expect(errors[0]).toContain(`the tag moved during the release (${DIGEST(3)} at the start, ${DIGEST(4)} now); the release deployed ${DIGEST(3)}`);
    expect(registered()).toEqual([`${REGISTRY}/team/app@${DIGEST(3)}`]);
  });

  test.each([
    ['an image of another registry', deployArgs(`ghcr.io/team/app:${TAG}`), /^ecs-release: --image: received "ghcr\.io\/team\/app:abc1234"; allowed: an image in registry\.gitlab\.com \(the service's imageSource\.registry/],
    ['an image of the environment\'s ECR repository', deployArgs(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/webapp:${TAG}`), /allowed: an image in registry\.gitlab\.com/],
    ['a moving tag', deployArgs(`${REGISTRY}/team/app:latest`), /allowed: an immutable reference/],
    ['an unknown --registry-credentials', deployArgs(`${REGISTRY}/team/app:${TAG}`, '--registry-credentials', 'vault'), /^ecs-release: --registry-credentials: received "vault"; allowed: secret or docker$/],
  ])('%s is refused in one line, exit 2, before any AWS call', async (_what, args, message) => {
    givenPrivateDev();
    const registry = fakeRegistry([DIGEST(3)]);
    const r = await cli(args, { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    expect([r.code, oneLine(r.stderr)]).toEqual([2, true]);
    expect(r.stderr.trim()).toMatch(message);
    expect(allCalls(mocks)).toEqual([]);
    expect(registry.requests).toEqual([]);
  });

  test.each([
    ['an unknown tag', fakeRegistry([]), `${REGISTRY}/team/app:fffffff`, 2, /tag "fffffff" not found in repository "team\/app"/],
    ['wrong credentials in the secret', fakeRegistry([DIGEST(3)]), `${REGISTRY}/team/app:${TAG}`, 3, /credentials of user "ci-puller" \(from Secrets Manager secret arn:aws:secretsmanager:.*registry-pull-AbC123\) refused/],
  ])('%s is refused in one line with zero AWS writes', async (what, registry, image, code, message) => {
    givenPrivateDev();
    if (what.startsWith('wrong')) mocks.secretsmanager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: USER, password: 'stale' }) });
    const r = await cli(deployArgs(image), { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    expect([r.code, oneLine(r.stderr)]).toEqual([code, true]);
    expect(r.stderr).toMatch(message);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('--registry-credentials docker takes the workstation\'s docker login instead of the secret', async () => {
    // GIVEN a Docker config holding the same user for the registry
    givenPrivateDev();
    const dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const registry = fakeRegistry([DIGEST(3)]);
    // WHEN deployed with the Docker store
    const r = await cli(deployArgs(`${REGISTRY}/team/app:${TAG}`, '--registry-credentials', 'docker'), { loadEnvironment: loadEnv, registry: { fetch: registry.fetch, dockerConfig: { configDir: dir } } });
    // THEN shipped by digest without reading the secret
    expect(r.code).toBe(0);
    expect(registered()).toEqual([`${REGISTRY}/team/app@${DIGEST(3)}`]);
    expect(mocks.secretsmanager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('the credentials rule and promotion into a private registry (src/release/private-source.ts)', () => {
  const sm = { send: jest.fn() };
  const target = { clients: { secretsmanager: sm }, descriptor: privateDescriptor } as unknown as Parameters<typeof privateImageOptions>[0];
  const anonymousSource = { registry: REGISTRY };

  test.each([
    ['no flag, a pull secret', privateDescriptor.imageSource, undefined, 'secret'],
    ['no flag, no pull secret', anonymousSource, undefined, 'docker'],
    ['docker, a pull secret', privateDescriptor.imageSource, 'docker', 'docker'],
    ['secret, a pull secret', privateDescriptor.imageSource, 'secret', 'secret'],
  ] as const)('%s: credentials from the %s', (_what, source, choice, expected) => {
    const o = privateImageOptions(target, source, choice);
    expect(o.source.credentialsSecretArn !== undefined ? 'secret' : 'docker').toBe(expected);
    expect(o.secretsmanager !== undefined).toBe(expected === 'secret');
  });

  test('--registry-credentials secret without a pull secret is a usage error naming the flag', () => {
    expect(() => privateImageOptions(target, anonymousSource, 'secret')).toThrow(/^--registry-credentials: received "secret"; allowed: docker \(service web configures no pull secret/);
  });

  test('promotion looks the digest up under the source image\'s repository path in this registry: refused when absent, the image when present', async () => {
    // GIVEN a registry where team/app holds digest 5 and not digest 6, and a secret with the pull credentials
    sm.send.mockResolvedValue({ SecretString: JSON.stringify({ username: USER, password: PASSWORD }) });
    const registry = fakeRegistry([], [DIGEST(5)]);
    // WHEN the digest 6 running upstream is promoted / THEN refused with exit 3, naming digest and repository
    const e = await promotedPrivateImage(target, `upstream.example/team/app@${DIGEST(6)}`, DIGEST(6), undefined, { fetch: registry.fetch }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ReleaseError);
    expect([(e as ReleaseError).exitCode, (e as ReleaseError).message]).toEqual([3, `registry ${REGISTRY}: digest ${DIGEST(6)} not found in repository "team/app"; copy the tested image there first (the same digest, never a rebuild)`]);
    // AND digest 5 gives the image to ship, in this environment's registry
    expect(await promotedPrivateImage(target, `upstream.example/team/app@${DIGEST(5)}`, DIGEST(5), undefined, { fetch: registry.fetch })).toBe(`${REGISTRY}/team/app@${DIGEST(5)}`);
    expect(registry.requests.filter((q) => q.auth).map((q) => `${q.method} ${q.url}`)).toEqual([
      `HEAD https://${REGISTRY}/v2/team/app/manifests/${DIGEST(6)}`,
      `HEAD https://${REGISTRY}/v2/team/app/manifests/${DIGEST(5)}`,
    ]);
  });
});

describe('ecs-release verify of a private-registry service (client mocks, scripted registry)', () => {
  const EXEC = `arn:aws:iam::${ACCOUNT}:role/${names.executionRole}`;
  const TASK = `arn:aws:iam::${ACCOUNT}:role/${names.taskRole}`;
  const trust = encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }));
  const grant = (resource: string) => encodeURIComponent(JSON.stringify({ Statement: [{ Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: resource }] }));

  /** GIVEN Terraform's revision pulling with the secret, the roles, the secret and the log group in place. */
  function givenVerify(executionGrant: string): void {
    givenPrivateDev();
    const base = revision(TERRAFORM_REVISION, runningImage);
    const def = { ...base, containerDefinitions: base.containerDefinitions!.map((c) => ({ ...c, repositoryCredentials: { credentialsParameter: SECRET }, logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/ecs/webapp-dev/web' } } })) };
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: def, tags: [] });
    mocks.iam.on(GetRoleCommand, { RoleName: names.executionRole }).resolves({ Role: { Arn: EXEC, AssumeRolePolicyDocument: trust } as never });
    mocks.iam.on(GetRoleCommand, { RoleName: names.taskRole }).resolves({ Role: { Arn: TASK, AssumeRolePolicyDocument: trust } as never });
    mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['policy'] });
    mocks.iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: executionGrant });
    mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    mocks.secretsmanager.on(DescribeSecretCommand).resolves({ ARN: SECRET });
    mocks.logs.on(FilterLogEventsCommand).resolves({ events: [] });
  }

  test('resolves the image in the private registry with the pull secret and checks the execution role reads that secret', async () => {
    givenVerify(grant(SECRET));
    const registry = fakeRegistry([DIGEST(3)]);
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--image', `${REGISTRY}/team/app:${TAG}`], { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`PASS  image     ${REGISTRY}/team/app:${TAG}: exists (${DIGEST(3)}), resolved with the service's pull credentials`);
    expect(r.stdout).toContain(`PASS  secret    secret repositoryCredentials of ${names.container}: exists; the execution role may read it (secretsmanager:GetSecretValue, inline policy policy)`);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('fails when the execution role may not read the pull secret (tasks could not pull), naming the check', async () => {
    givenVerify(grant('arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/other-XyZ789'));
    const registry = fakeRegistry([DIGEST(3)]);
    const r = await cli(['verify', '--env', 'dev', '--service', 'web', '--image', `${REGISTRY}/team/app:${TAG}`], { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL  secret    secret repositoryCredentials of app: exists, but the execution role may not read it/m);
  });
});

describe('ecs-release deploy of a scheduled service from a private registry (client mocks, scripted registry)', () => {
  const nightly = serviceResourceNames(privateDev, { name: 'nightly' });
  const ARN = (rev: number) => `arn:aws:ecs:${privateDev.region}:${ACCOUNT}:task-definition/${nightly.family}:${rev}`;
  const def = (rev: number) => {
    const base = revision(rev, runningImage);
    return { ...base, taskDefinitionArn: ARN(rev), family: nightly.family, containerDefinitions: base.containerDefinitions!.map((c) => ({ ...c, name: nightly.container, portMappings: [] })) };
  };

  /** GIVEN nightly on the private registry: Terraform's revision 5, the schedule's latest revision 7. */
  function givenNightly(): void {
    givenPrivateDev();
    const nightlyDescriptor = { ...privateDescriptor, service: nightly.service, container: nightly.container, family: nightly.family, taskDefinitionArn: ARN(TERRAFORM_REVISION), releaseParameter: nightly.releaseParameter, kind: 'scheduled', schedule: { name: nightly.scheduleName, groupName: 'webapp-dev' } };
    mocks.ssm.on(GetParameterCommand, { Name: nightly.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(nightlyDescriptor) } });
    mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => ({ taskDefinition: def(input.taskDefinition === ARN(TERRAFORM_REVISION) ? TERRAFORM_REVISION : RUNNING_REVISION), tags: [] }));
    mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ARN(NEW) } });
  }

  test('registers the revision by digest, and refuses (exit 3, no success line) when the tag moved meanwhile', async () => {
    givenNightly();
    const steady = await cli(['deploy', '--env', 'dev', '--service', 'nightly', '--image', `${REGISTRY}/team/app:${TAG}`], { loadEnvironment: loadEnv, registry: { fetch: fakeRegistry([DIGEST(3)]).fetch } });
    expect(steady.code).toBe(0);
    expect(steady.stdout).toMatch(/registered: the next run of .* starts registry\.gitlab\.com\/team\/app@sha256:3{64}/);
    givenNightly();
    const moved = await cli(['deploy', '--env', 'dev', '--service', 'nightly', '--image', `${REGISTRY}/team/app:${TAG}`], { loadEnvironment: loadEnv, registry: { fetch: fakeRegistry([DIGEST(3), DIGEST(4)]).fetch } });
    expect(moved.code).toBe(3);
    expect(moved.stderr).toMatch(/^ecs-release: image "registry\.gitlab\.com\/team\/app:abc1234": the tag moved during the release/m);
    expect(moved.stdout).not.toMatch(/registered: the next run/);
  });
});

describe('ecs-release deploy --group from a private registry (client mocks, scripted registry)', () => {
  const MEMBERS = ['web', 'worker', 'nightly'] as const;
  const n = (s: string) => serviceResourceNames(privateDev, { name: s });
  const ARN = (s: string, rev: number) => `arn:aws:ecs:${privateDev.region}:${ACCOUNT}:task-definition/${n(s).family}:${rev}`;
  const kind = (s: string) => privateDev.services[s].kind;
  const def = (s: string, rev: number) => {
    const base = revision(rev, runningImage);
    return { ...base, taskDefinitionArn: ARN(s, rev), family: n(s).family, containerDefinitions: base.containerDefinitions!.map((c) => ({ ...c, name: n(s).container, ...(kind(s) === 'web' ? {} : { portMappings: [] }) })) };
  };

  /** GIVEN web, worker and nightly of group app on the private registry, each on Terraform's revision 5, running 7. */
  function givenGroup(): void {
    givenPrivateDev();
    mocks.ssm.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
      const s = MEMBERS.find((m) => n(m).descriptorParameter === input.Name || n(m).releaseParameter === input.Name)!;
      if (input.Name === n(s).releaseParameter) return { Parameter: { Value: runningImage } };
      const d = { ...privateDescriptor, service: n(s).service, container: n(s).container, family: n(s).family, taskDefinitionArn: ARN(s, TERRAFORM_REVISION), releaseParameter: n(s).releaseParameter, kind: kind(s) };
      return { Parameter: { Value: JSON.stringify(s === 'nightly' ? { ...d, schedule: { name: n(s).scheduleName, groupName: 'webapp-dev' } } : d) } };
    });
    mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => {
      const s = MEMBERS.find((m) => input.taskDefinition.includes(n(m).family + ':') || input.taskDefinition === n(m).family)!;
      return { taskDefinition: def(s, input.taskDefinition.endsWith(`:${TERRAFORM_REVISION}`) ? TERRAFORM_REVISION : RUNNING_REVISION), tags: [] };
    });
    mocks.ecs.on(RegisterTaskDefinitionCommand).callsFake(async (input: { family: string }) => ({ taskDefinition: { taskDefinitionArn: ARN(MEMBERS.find((m) => n(m).family === input.family)!, NEW) } }));
    const seen: Record<string, number> = {};
    mocks.ecs.on(DescribeServicesCommand).callsFake(async (input: { services: string[] }) => {
      const s = input.services[0];
      seen[s] = (seen[s] ?? 0) + 1;
      return { services: [seen[s] === 1 ? { ...service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')]), serviceName: s, taskDefinition: ARN(s, RUNNING_REVISION) } : { ...service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')]), serviceName: s, taskDefinition: ARN(s, NEW) }] };
    });
  }

  test('the tag is pinned once for the whole group: every member ships the same digest, each confirms it before success', async () => {
    // GIVEN a tag that would give another digest on any later read than the first two
    givenGroup();
    const registry = fakeRegistry([DIGEST(3), DIGEST(3), DIGEST(3), DIGEST(3)]);
    // WHEN the group is deployed
    const r = await cli(['deploy', '--env', 'dev', '--group', 'app', '--image', `${REGISTRY}/team/app:${TAG}`], { loadEnvironment: loadEnv, registry: { fetch: registry.fetch } });
    // THEN one pin and one confirmation per member; the same digest registered for each
    expect(r.code).toBe(0);
    expect(registry.requests.filter((q) => q.auth && q.url.endsWith(`/manifests/${TAG}`))).toHaveLength(1 + MEMBERS.length);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).map((c) => [c.args[0].input.family, c.args[0].input.containerDefinitions![0].image])).toEqual(MEMBERS.map((m) => [n(m).family, `${REGISTRY}/team/app@${DIGEST(3)}`]));
  });
});
