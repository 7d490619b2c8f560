import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { freePort, startMoto, type Moto } from '../../scripts/lib/moto';
import { ReleaseError } from '../../src/release/errors';
import {
  confirmUnmoved,
  credentialsFromDockerConfig,
  credentialsFromSecret,
  parseRegistryReference,
  pinImage,
  RegistryClient,
  requireDigest,
  type RegistryCredentials,
} from '../../src/registry';
import { resolvePrivateImage, requirePrivateDigest } from '../../src/release/registry-image';
import { startRegistry, type TestRegistry } from '../helpers/registry';

/** The ReleaseError a promise rejects with (the test fails if it resolves or throws anything else). */
async function refusal(p: Promise<unknown>): Promise<ReleaseError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ReleaseError);
  const err = e as ReleaseError;
  expect(err.message).not.toMatch(/\n|\s{2}at /);
  return err;
}

describe('OCI registry client against a real Distribution registry (htpasswd) on 127.0.0.1', () => {
  let registry: TestRegistry;
  let creds: RegistryCredentials;
  beforeAll(async () => {
    registry = await startRegistry();
    creds = { username: registry.username, password: registry.password, source: 'test' };
  });
  afterAll(async () => registry?.stop());

  test('a tag resolves to the digest skopeo pushed, by HEAD and by a verified GET alike', async () => {
    // GIVEN two images pushed with distinct content
    const a = await registry.push('team/web', 'c0ffee1', 'first');
    const b = await registry.push('team/web', 'c0ffee2', 'second');
    expect(a).not.toBe(b);
    // WHEN the client resolves each tag, once normally and once through a fetch that hides HEAD's digest header
    const client = new RegistryClient(registry.host, { credentials: creds });
    const noHeadDigest: typeof fetch = async (url, init) => {
      const r = await fetch(url, init);
      if (init?.method !== 'HEAD') return r;
      const headers = new Headers(r.headers);
      headers.delete('docker-content-digest');
      return new Response(null, { status: r.status, headers });
    };
    const viaGet = new RegistryClient(registry.host, { credentials: creds, fetch: noHeadDigest });
    // THEN both give skopeo's digests
    expect((await client.resolve('team/web', 'c0ffee1')).digest).toBe(a);
    expect((await client.resolve('team/web', 'c0ffee2')).digest).toBe(b);
    const got = await viaGet.resolve('team/web', 'c0ffee2');
    expect(got).toEqual({ digest: b, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  });

  test('a wrong password is refused in one line naming the user, never a stack trace', async () => {
    // GIVEN a pushed image / WHEN resolved with a wrong password
    await registry.push('team/web', 'abc1234');
    const client = new RegistryClient(registry.host, { credentials: { ...creds, password: 'wrong', source: 'Secrets Manager secret x' } });
    const err = await refusal(client.resolve('team/web', 'abc1234'));
    // THEN
    expect(err.message).toBe(`registry ${registry.host}: credentials of user "${registry.username}" (from Secrets Manager secret x) refused (HTTP 401)`);
    expect(err.exitCode).toBe(3);
    // AND anonymous access is refused with what to do
    const anonymous = await refusal(new RegistryClient(registry.host).resolve('team/web', 'abc1234'));
    expect(anonymous.message).toMatch(/anonymous access refused \(HTTP 401\); give pull credentials/);
  });

  test('an unknown tag is a usage error naming it, in a known and an unknown repository alike', async () => {
    await registry.push('team/web', 'known01');
    const client = new RegistryClient(registry.host, { credentials: creds });
    const tag = await refusal(client.resolve('team/web', 'nosuch1'));
    expect(tag.message).toBe(`registry ${registry.host}: tag "nosuch1" not found in repository "team/web"`);
    expect(tag.exitCode).toBe(2);
    // Distribution answers MANIFEST_UNKNOWN for a repository it never saw (NAME_UNKNOWN is covered in the unit tier).
    const repo = await refusal(client.resolve('team/nothing-here', 'known01'));
    expect(repo.message).toBe(`registry ${registry.host}: tag "known01" not found in repository "team/nothing-here"`);
  });

  test('a tag re-pushed with other content during a release is refused, naming both digests', async () => {
    // GIVEN a release pinned a tag
    const first = await registry.push('team/web', 'rel0001', 'build one');
    const client = new RegistryClient(registry.host, { credentials: creds });
    const pinned = await pinImage(client, parseRegistryReference(`${registry.host}/team/web:rel0001`));
    expect(pinned.image).toBe(`${registry.host}/team/web@${first}`);
    await expect(confirmUnmoved(client, pinned)).resolves.toBeUndefined();
    // WHEN someone pushes other content under the same tag before the release ends
    const second = await registry.push('team/web', 'rel0001', 'build two');
    // THEN the second read refuses
    const err = await refusal(confirmUnmoved(client, pinned));
    expect(err.message).toContain(`the tag moved during the release (${first} at the start, ${second} now)`);
    // AND a reference naming the old digest with the moved tag no longer pins
    const stale = await refusal(pinImage(client, parseRegistryReference(`${registry.host}/team/web:rel0001@${first}`)));
    expect(stale.message).toContain(`tag rel0001 is ${second} now`);
  });

  test('promotion requires the digest in the target registry: present passes, absent is refused', async () => {
    const digest = await registry.push('team/web', 'promo01', 'promoted');
    const client = new RegistryClient(registry.host, { credentials: creds });
    await expect(requireDigest(client, 'team/web', digest)).resolves.toBeUndefined();
    const absent = `sha256:${'0'.repeat(64)}`;
    const err = await refusal(requireDigest(client, 'team/web', absent));
    expect(err.message).toContain(`digest ${absent} not found in repository "team/web"`);
  });

  test('connection refused and TLS against a plain-HTTP port are one line each', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const refused = await refusal(new RegistryClient(closed, { credentials: creds }).resolve('team/web', 'abc1234'));
    expect(refused.message).toBe(`registry ${closed}: http://${closed}: connection refused (is the registry running on that port?)`);
    const tls = await refusal(new RegistryClient(registry.host, { credentials: creds, plainHttp: false }).resolve('team/web', 'abc1234'));
    expect(tls.message).toMatch(new RegExp(`^registry ${registry.host}: https://${registry.host}: TLS failed`));
  });

  test('credentials from the Docker credential store: a credHelper run by the real protocol, and auths', async () => {
    // GIVEN a docker-credential-<helper> on PATH that answers for this registry only
    const digest = await registry.push('team/web', 'helper1', 'helper');
    const dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
    try {
      const helper = join(dir, 'docker-credential-testhelper');
      writeFileSync(
        helper,
        `#!/bin/sh\nread host\nif [ "$1" = get ] && [ "$host" = "${registry.host}" ]; then printf '{"ServerURL":"%s","Username":"${registry.username}","Secret":"${registry.password}"}' "$host"; else echo "credentials not found in native keychain"; exit 1; fi\n`,
      );
      chmodSync(helper, 0o755);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'testhelper' } }));
      const oldPath = process.env.PATH;
      process.env.PATH = `${dir}:${oldPath}`;
      let fromHelper: RegistryCredentials | undefined;
      try {
        fromHelper = credentialsFromDockerConfig(registry.host, { configDir: dir });
      } finally {
        process.env.PATH = oldPath;
      }
      // WHEN the client uses what the helper gave / THEN the tag resolves
      expect(fromHelper?.source).toBe('docker-credential-testhelper');
      expect((await new RegistryClient(registry.host, { credentials: fromHelper }).resolve('team/web', 'helper1')).digest).toBe(digest);
      // AND `docker login`'s auths entry (base64 user:password) works the same
      const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
      const fromAuths = credentialsFromDockerConfig(registry.host, { configDir: dir });
      expect((await new RegistryClient(registry.host, { credentials: fromAuths }).resolve('team/web', 'helper1')).digest).toBe(digest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with the pull credentials in Secrets Manager (moto)', () => {
    let moto: Moto;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => moto?.stop());

    test('the secret ECS would pull with resolves the tag; a secret with a wrong password is refused', async () => {
      // GIVEN the registry's credentials stored in ECS repositoryCredentials format
      const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      const good = await sm.send(new CreateSecretCommand({ Name: 'webapp/registry-pull', SecretString: JSON.stringify({ username: registry.username, password: registry.password }) }));
      const bad = await sm.send(new CreateSecretCommand({ Name: 'webapp/registry-pull-old', SecretString: JSON.stringify({ username: registry.username, password: 'rotated-away' }) }));
      const digest = await registry.push('team/web', 'sm00001', 'from secrets manager');
      // WHEN read by its full ARN (what the task definition names)
      const credentials = await credentialsFromSecret(sm, good.ARN!);
      // THEN
      expect(credentials.source).toBe(`Secrets Manager secret ${good.ARN}`);
      expect((await new RegistryClient(registry.host, { credentials }).resolve('team/web', 'sm00001')).digest).toBe(digest);
      const stale = await credentialsFromSecret(sm, bad.ARN!);
      const err = await refusal(new RegistryClient(registry.host, { credentials: stale }).resolve('team/web', 'sm00001'));
      expect(err.message).toContain(`(from Secrets Manager secret ${bad.ARN}) refused (HTTP 401)`);
      // AND a missing secret is one line naming it
      const missing = await refusal(credentialsFromSecret(sm, 'webapp/nope'));
      expect(missing.message).toMatch(/^registry credentials: secret "webapp\/nope" could not be read \(ResourceNotFoundException: /);
    });

    test('a release of a private-registry image: pinned through the pull secret, refused when the tag moves before it ends', async () => {
      // GIVEN the pull secret in Secrets Manager and an image pushed under a commit tag
      const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      const secret = await sm.send(new CreateSecretCommand({ Name: 'webapp/registry-release', SecretString: JSON.stringify({ username: registry.username, password: registry.password }) }));
      const source = { registry: registry.host, credentialsSecretArn: secret.ARN! };
      const first = await registry.push('team/web', 'a1b2c3d', 'release one');
      // WHEN the release resolves it
      const release = await resolvePrivateImage(`${registry.host}/team/web:a1b2c3d`, { source, secretsmanager: sm });
      // THEN it deploys the digest, and the tag is confirmed unmoved at the end
      expect(release.pinned.image).toBe(`${registry.host}/team/web@${first}`);
      await expect(release.confirm()).resolves.toBeUndefined();
      // AND a push re-using the tag during a second release is refused at its end
      const again = await resolvePrivateImage(`${registry.host}/team/web:a1b2c3d`, { source, secretsmanager: sm });
      await registry.push('team/web', 'a1b2c3d', 'release two');
      expect((await refusal(again.confirm())).message).toContain('the tag moved during the release');
      // AND promotion checks the digest exists where the target pulls from
      await expect(requirePrivateDigest(`${registry.host}/team/web`, first, { source, secretsmanager: sm })).resolves.toBeUndefined();
      expect((await refusal(requirePrivateDigest(`${registry.host}/team/web`, `sha256:${'1'.repeat(64)}`, { source, secretsmanager: sm }))).message).toContain('copy the tested image there first');
    });

    test('a moving tag or an image of another registry is refused before any registry call', async () => {
      let calls = 0;
      const counting: typeof fetch = (u, i) => {
        calls += 1;
        return fetch(u, i);
      };
      const source = { registry: registry.host, credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:unused-AbC123' };
      const sm = { send: async () => { throw new Error('must not be read'); } } as never;
      const latest = await refusal(resolvePrivateImage(`${registry.host}/team/web:latest`, { source, secretsmanager: sm, fetch: counting }));
      expect(latest.message).toBe(`--image: received "${registry.host}/team/web:latest"; allowed: an immutable reference: a commit or full-version tag, or @sha256:<digest> (--allow-mutable-tag to override)`);
      const other = await refusal(resolvePrivateImage('registry.gitlab.com/acme/web:a1b2c3d', { source, secretsmanager: sm, fetch: counting }));
      expect(other.message).toContain(`allowed: an image in ${registry.host}`);
      expect(calls).toBe(0);
    });
  });
});

describe('OCI registry client against Distribution in token mode (the Bearer flow of GitLab, Docker Hub, Harbor)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
  });
  afterAll(async () => registry?.stop());

  test('the challenge is answered with a pull-only token from the realm, and the digest is skopeo\'s', async () => {
    // GIVEN an image pushed through the token flow (skopeo asks for pull,push)
    const digest = await registry.push('group/project/web', 'f00dbab', 'token mode');
    const pushed = registry.tokenRequests.length;
    // WHEN the client resolves its tag
    const client = new RegistryClient(registry.host, { credentials: { username: registry.username, password: registry.password, source: 'test' } });
    expect((await client.resolve('group/project/web', 'f00dbab')).digest).toBe(digest);
    // THEN it asked the token service once, as the user, for pull only
    expect(registry.tokenRequests.slice(pushed)).toEqual([{ scope: 'repository:group/project/web:pull', user: registry.username }]);
    // AND a second read reuses the token
    await client.exists('group/project/web', digest);
    expect(registry.tokenRequests.length).toBe(pushed + 1);
  });

  test('a wrong password is refused by the token service in one line; anonymous gets no token', async () => {
    await registry.push('group/project/web', 'f00dbac', 'token mode 2');
    const wrong = await refusal(new RegistryClient(registry.host, { credentials: { username: registry.username, password: 'nope', source: 'docker-credential-x' } }).resolve('group/project/web', 'f00dbac'));
    expect(wrong.message).toBe(`registry ${registry.host}: credentials of user "${registry.username}" (from docker-credential-x) refused (HTTP 401)`);
    const anonymous = await refusal(new RegistryClient(registry.host).resolve('group/project/web', 'f00dbac'));
    expect(anonymous.message).toMatch(/anonymous access refused \(HTTP 401\)/);
  });
});
