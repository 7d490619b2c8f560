import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, sign, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, stopChild } from '../../scripts/lib/moto';

/** How to install what this helper runs (the same command .ci/run uses). */
export const REGISTRY_TOOLS_INSTALL = 'apt-get update && apt-get install -y docker-registry apache2-utils skopeo openssl';

/**
 * The CNCF Distribution registry (Debian's `docker-registry`) on 127.0.0.1 with htpasswd authentication, storage in
 * a temporary folder; images are pushed with skopeo from OCI layouts built here (no Docker daemon).
 */
export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Token mode: the token requests the token service answered (scope and user), in order. */
  readonly tokenRequests: { scope: string; user?: string }[];
  readonly username: string;
  readonly password: string;
  /** Builds a one-layer OCI image whose content is unique to `content`, pushes it as `repository:tag`; skopeo's digest. */
  push(repository: string, tag: string, content?: string): Promise<string>;
  stop(): Promise<void>;
}

function need(tool: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} not found on PATH: install it with \`${REGISTRY_TOOLS_INSTALL}\``);
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A one-entry tar (ustar) of `name` with `content`: a real layer, built without a tar binary. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/** Writes an OCI image layout (oci-layout, index.json, blobs) with config + one layer + manifest; returns its folder. */
export function buildOciLayout(dir: string, content: string): { dir: string; manifestDigest: string } {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string) => {
    const d = sha256(data);
    writeFileSync(join(blobs, d.slice(7)), data);
    return d;
  };
  // mtime 0: the same content gives the same layer, hence the same digest, wherever it is built.
  const tar = tarOf('content.txt', Buffer.from(content));
  const layer = gzipSync(tar, { level: 9 });
  layer[4] = layer[5] = layer[6] = layer[7] = 0;
  const layerDigest = put(layer);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  });
  const configDigest = put(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: Buffer.byteLength(config) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
  });
  const manifestDigest = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: Buffer.byteLength(manifest) }],
    }),
  );
  return { dir, manifestDigest };
}

/**
 * The token service of Distribution's `token` auth: checks Basic credentials, grants the scope asked for, and signs
 * an RS256 JWT whose `x5c` header carries a self-signed certificate the registry trusts (its rootcertbundle).
 */
async function startTokenService(root: string, username: string, password: string, requests: TestRegistry['tokenRequests']): Promise<{ server: Server; realm: string; certFile: string }> {
  const keyFile = join(root, 'token-key.pem');
  const certFile = join(root, 'token-cert.pem');
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=test-token-issuer'], { encoding: 'utf8' });
  if (ssl.status !== 0) throw new Error(`openssl could not make the token certificate: ${(ssl.stderr || String(ssl.error)).trim()}`);
  const key = readFileSync(keyFile, 'utf8');
  const x5c = [new X509Certificate(readFileSync(certFile)).raw.toString('base64')];
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scope = url.searchParams.get('scope') ?? '';
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, pass] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(/:(.*)/s) : [];
    requests.push({ scope, user });
    if (user !== username || pass !== password) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"wrong credentials"}');
      return;
    }
    const [type, name, actions] = scope.split(':');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'test-token-issuer', sub: user, aud: 'test-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access: type === 'repository' ? [{ type, name, actions: (actions ?? '').split(',').filter(Boolean) }] : [] };
    const body = `${b64({ typ: 'JWT', alg: 'RS256', x5c })}.${b64(claims)}`;
    const token = `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile };
}

/**
 * `auth: 'htpasswd'` (@default): Basic authentication, the registry checks an htpasswd file. `auth: 'token'`: the
 * registry answers with a Bearer challenge and trusts JWTs from a token service started here (the flow of GitLab's,
 * Docker Hub's and Harbor's registries).
 */
export async function startRegistry(options: { username?: string; password?: string; auth?: 'htpasswd' | 'token' } = {}): Promise<TestRegistry> {
  const tools = ['docker-registry', 'skopeo', options.auth === 'token' ? 'openssl' : 'htpasswd'];
  for (const tool of tools) need(tool);
  const username = options.username ?? 'ci-puller';
  const password = options.password ?? randomBytes(12).toString('hex');
  const root = mkdtempSync(join(tmpdir(), 'registry-'));
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let auth: string;
  let tokenServer: Server | undefined;
  if (options.auth === 'token') {
    const t = await startTokenService(root, username, password, tokenRequests);
    tokenServer = t.server;
    auth = `auth: { token: { realm: ${JSON.stringify(t.realm)}, service: test-registry, issuer: test-token-issuer, rootcertbundle: ${JSON.stringify(t.certFile)} } }`;
  } else {
    const hp = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
    if (hp.status !== 0) throw new Error(`htpasswd failed: ${hp.stderr.trim()}`);
    writeFileSync(join(root, 'htpasswd'), hp.stdout);
    auth = `auth: { htpasswd: { realm: test-registry, path: ${JSON.stringify(join(root, 'htpasswd'))} } }`;
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log: { level: warn, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(join(root, 'data'))} }, delete: { enabled: true } }`,
    `http: { addr: ${JSON.stringify(host)}, secret: ${JSON.stringify(randomBytes(16).toString('hex'))} }`,
    auth,
  ].join('\n');
  writeFileSync(join(root, 'config.yml'), config);
  // A file, not a pipe (see scripts/lib/moto.ts: a blocked event loop must not block the server's logging).
  const logFile = join(root, 'registry.log');
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(root, 'config.yml')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const tail = () => readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${tail()}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 401 || r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on ${host} within 20 s: ${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    username,
    password,
    tokenRequests,
    // Asynchronous: skopeo's token requests may be answered by a server in this very process (token mode).
    async push(repository, tag, content = `${repository}:${tag}:${randomBytes(8).toString('hex')}`) {
      const layoutDir = mkdtempSync(join(root, 'layout-'));
      buildOciLayout(layoutDir, content);
      const digestFile = join(layoutDir, 'pushed.digest');
      const args = ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', `${username}:${password}`, '--digestfile', digestFile, `oci:${layoutDir}`, `docker://${host}/${repository}:${tag}`];
      await new Promise<void>((resolve, reject) =>
        execFile('skopeo', args, { encoding: 'utf8' }, (err, _out, stderr) =>
          err ? reject(new Error(`skopeo copy to ${host}/${repository}:${tag} failed: ${(stderr || err.message).trim()}`)) : resolve(),
        ),
      );
      return readFileSync(digestFile, 'utf8').trim();
    },
    async stop() {
      await stopChild(child);
      await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
