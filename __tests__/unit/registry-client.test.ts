import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseError } from '../../src/release/errors';
import {
  credentialsFromDockerConfig,
  credentialsFromSecret,
  parseChallenges,
  parseRegistryReference,
  RegistryClient,
  type HelperRunner,
} from '../../src/registry';

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] });
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const CREDS = { username: 'deployer', password: 's3cret', source: 'test' };

function thrown(fn: () => unknown): ReleaseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReleaseError);
    return e as ReleaseError;
  }
  throw new Error('expected a ReleaseError');
}

async function rejected(p: Promise<unknown>): Promise<ReleaseError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ReleaseError);
  expect((e as Error).message).not.toContain('\n');
  return e as ReleaseError;
}

/** A registry that wants a Bearer token from a token service, like GitLab's, Docker Hub's or Harbor's. */
function tokenRegistry(options: { realm?: string; manifest?: string; contentType?: string; digestHeader?: string } = {}) {
  const calls: { url: string; method: string; authorization?: string }[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ url, method: init?.method ?? 'GET', authorization: headers.authorization });
    if (url.startsWith('https://auth.example.com/token')) {
      const ok = headers.authorization === `Basic ${Buffer.from('deployer:s3cret').toString('base64')}`;
      return ok ? Response.json({ token: 'tok-123' }) : new Response('{}', { status: 401 });
    }
    if (headers.authorization !== 'Bearer tok-123') {
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${options.realm ?? 'https://auth.example.com/token'}",service="registry.example.com",scope="repository:team/web:pull,push"` },
      });
    }
    if (url.includes('/nothing/')) return Response.json({ errors: [{ code: 'NAME_UNKNOWN' }] }, { status: 404 });
    const body = options.manifest ?? MANIFEST;
    const h = { 'content-type': options.contentType ?? 'application/vnd.oci.image.manifest.v1+json', ...(options.digestHeader ? { 'docker-content-digest': options.digestHeader } : {}) };
    return new Response(init?.method === 'HEAD' ? null : body, { status: 200, headers: h });
  }) as typeof fetch;
  return { fetchFn, calls };
}

describe('image references for any OCI registry', () => {
  test.each([
    ['registry.gitlab.com/group/project/app:1a2b3c4', { registry: 'registry.gitlab.com', repository: 'group/project/app', tag: '1a2b3c4' }],
    ['127.0.0.1:5000/team/web@sha256:' + 'a'.repeat(64), { registry: '127.0.0.1:5000', repository: 'team/web', digest: 'sha256:' + 'a'.repeat(64) }],
    ['localhost/web:v1.2.3', { registry: 'localhost', repository: 'web', tag: 'v1.2.3' }],
    ['nginx:1.27.1', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27.1' }],
    ['bitnami/redis:7.4.0', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.4.0' }],
  ])('%s parses to its registry, repository and tag or digest', (text, expected) => {
    expect(parseRegistryReference(text)).toEqual({ tag: undefined, digest: undefined, ...expected });
  });

  test.each(['registry.example.com/Team/web:1', 'registry.example.com/web', 'registry.example.com/web@sha256:abc', 'ghcr.io/a/b:\u001b[31m', 'x y/z:1'])(
    '%j is refused in one line naming the option',
    (text) => {
      const err = thrown(() => parseRegistryReference(text, '--image'));
      expect(err.message).toMatch(/^--image: received ".*"; allowed: host\[:port\]\/repository:tag or /);
      expect(err.message).not.toContain('\u001b');
      expect(err.exitCode).toBe(2);
    },
  );
});

describe('WWW-Authenticate challenges', () => {
  test('a Bearer challenge keeps commas inside quoted values', () => {
    expect(parseChallenges('Bearer realm="https://gitlab.com/jwt/auth",service="container_registry",scope="repository:g/p:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://gitlab.com/jwt/auth', service: 'container_registry', scope: 'repository:g/p:pull,push' } },
    ]);
  });
  test('several challenges in one header are read in order', () => {
    expect(parseChallenges('Basic realm="r", Bearer realm="https://t/x"')).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
      { scheme: 'bearer', params: { realm: 'https://t/x' } },
    ]);
  });
});

describe('the token flow and verification', () => {
  test('GIVEN a Bearer challenge WHEN resolving THEN the token is fetched with Basic credentials for pull only and reused', async () => {
    const { fetchFn, calls } = tokenRegistry();
    const client = new RegistryClient('registry.example.com', { credentials: CREDS, fetch: fetchFn });
    expect((await client.resolve('team/web', 'abc1234')).digest).toBe(DIGEST);
    const token = calls.find((c) => c.url.startsWith('https://auth.example.com/'))!;
    const url = new URL(token.url);
    // the challenge asked for push too: a release only ever asks for pull
    expect(url.searchParams.get('scope')).toBe('repository:team/web:pull');
    expect(url.searchParams.get('service')).toBe('registry.example.com');
    expect(calls[0].url).toBe('https://registry.example.com/v2/team/web/manifests/abc1234');
    const before = calls.length;
    await client.resolve('team/web', 'abc1235');
    // second resolve: HEAD answered without digest header -> GET; both with the cached token, no new token request
    expect(calls.slice(before).every((c) => c.authorization === 'Bearer tok-123')).toBe(true);
  });

  test('a token the registry no longer accepts (expired) is replaced once, then the request succeeds', async () => {
    // GIVEN a registry that accepts only the newest token it issued
    let issued = 0;
    const calls: string[] = [];
    const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const auth = ((init?.headers ?? {}) as Record<string, string>).authorization;
      calls.push(`${init?.method ?? 'GET'} ${url.startsWith('https://auth.example.com') ? 'token' : 'manifest'}`);
      if (url.startsWith('https://auth.example.com')) return Response.json({ token: `tok-${++issued}` });
      if (auth !== `Bearer tok-${issued}` || issued === 0) {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="r"' } });
      }
      return new Response(null, { status: 200, headers: { 'docker-content-digest': DIGEST } });
    }) as typeof fetch;
    const client = new RegistryClient('registry.example.com', { credentials: CREDS, fetch: fetchFn });
    await client.resolve('team/web', 'abc1234');
    // WHEN the registry rotates (the cached token expires) and the release reads again
    issued += 1;
    // THEN a new token is fetched and the read succeeds
    expect((await client.resolve('team/web', 'abc1234')).digest).toBe(DIGEST);
    expect(calls.filter((c) => c.endsWith('token'))).toHaveLength(2);
  });

  test('a wrong password at the token service is refused in one line naming the user', async () => {
    const { fetchFn } = tokenRegistry();
    const client = new RegistryClient('registry.example.com', { credentials: { ...CREDS, password: 'nope' }, fetch: fetchFn });
    const err = await rejected(client.resolve('team/web', 'abc1234'));
    expect(err.message).toBe('registry registry.example.com: credentials of user "deployer" (from test) refused (HTTP 401)');
  });

  test('a realm over plain HTTP off loopback is refused before any credential is sent', async () => {
    const { fetchFn, calls } = tokenRegistry({ realm: 'http://auth.example.com/token' });
    const err = await rejected(new RegistryClient('registry.example.com', { credentials: CREDS, fetch: fetchFn }).resolve('team/web', 'abc1234'));
    expect(err.message).toContain('credentials are never sent in clear');
    expect(calls.some((c) => c.authorization?.startsWith('Basic'))).toBe(false);
  });

  test('NAME_UNKNOWN names the repository', async () => {
    const { fetchFn } = tokenRegistry();
    const err = await rejected(new RegistryClient('registry.example.com', { credentials: CREDS, fetch: fetchFn }).resolve('team/nothing/x', 'abc1234'));
    expect(err.message).toBe('registry registry.example.com: repository "team/nothing/x" not found');
  });

  test('a body that does not hash to the digest the registry claims is refused', async () => {
    const { fetchFn } = tokenRegistry({ digestHeader: `sha256:${'b'.repeat(64)}` });
    const noHead = (async (u: string, i?: RequestInit) => (i?.method === 'HEAD' ? new Response(null, { status: 200 }) : fetchFn(u, i))) as typeof fetch;
    const err = await rejected(new RegistryClient('registry.example.com', { credentials: CREDS, fetch: noHead }).resolve('team/web', 'abc1234'));
    expect(err.message).toContain(`manifest digest ${DIGEST} does not match sha256:${'b'.repeat(64)}`);
  });

  test('content that is not an image manifest is refused', async () => {
    const { fetchFn } = tokenRegistry({ contentType: 'application/vnd.cncf.helm.config.v1+json' });
    const err = await rejected(new RegistryClient('registry.example.com', { credentials: CREDS, fetch: fetchFn }).resolve('team/web', 'abc1234'));
    expect(err.message).toContain('is not an image manifest or index');
  });
});

describe('credentials', () => {
  const sm = (secret: string | undefined) => ({ send: async () => ({ SecretString: secret }) }) as never;

  test.each([
    [undefined, 'has no SecretString'],
    ['not json', 'is not JSON'],
    ['{"username":"u"}', 'lacks a non-empty "username" and "password"'],
  ])('a secret %j is refused in one line: %s', async (secret, why) => {
    const err = await rejected(credentialsFromSecret(sm(secret), 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:pull-AbCdEf'));
    expect(err.message).toContain(why);
    expect(err.message).toContain('ECS repositoryCredentials format');
  });

  test('the Docker config: credHelpers before auths before credsStore; a store that lacks the host means anonymous', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcfg-'));
    try {
      const asked: string[] = [];
      const runHelper: HelperRunner = (helper, url) => {
        asked.push(`${helper} ${url}`);
        return helper === 'ecr-login'
          ? { status: 0, stdout: '{"Username":"AWS","Secret":"ecr-token"}', stderr: '' }
          : { status: 1, stdout: 'credentials not found in native keychain', stderr: '' };
      };
      const auth = Buffer.from('gitlab-ci-token:glpat').toString('base64');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'r.example.com': 'ecr-login' }, auths: { 'r.example.com': { auth }, 'g.example.com': { auth } }, credsStore: 'desktop' }));
      expect(credentialsFromDockerConfig('r.example.com', { configDir: dir, runHelper })).toMatchObject({ username: 'AWS', password: 'ecr-token' });
      expect(credentialsFromDockerConfig('g.example.com', { configDir: dir, runHelper })).toMatchObject({ username: 'gitlab-ci-token', password: 'glpat' });
      expect(credentialsFromDockerConfig('other.example.com', { configDir: dir, runHelper })).toBeUndefined();
      expect(asked).toEqual(['ecr-login r.example.com', 'desktop other.example.com']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failing credHelper and an identity token are errors, not anonymous pulls', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcfg-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'r.example.com': 'broken' }, auths: { 'i.example.com': { identitytoken: 'x' } } }));
      const runHelper: HelperRunner = () => ({ status: 1, stdout: '', stderr: 'keychain locked\nsecond line' });
      expect(thrown(() => credentialsFromDockerConfig('r.example.com', { configDir: dir, runHelper })).message).toBe(
        'docker-credential-broken get r.example.com: exit 1 ("keychain locked\\nsecond line")',
      );
      expect(thrown(() => credentialsFromDockerConfig('i.example.com', { configDir: dir, runHelper })).message).toContain('identitytoken: received an OAuth identity token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
