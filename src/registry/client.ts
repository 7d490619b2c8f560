import { createHash } from 'node:crypto';
import { EXIT, ReleaseError, show } from '../release/errors';
import { basicHeader, fetchBearerToken, parseChallenges, wrongCredentials } from './auth';
import type { RegistryCredentials } from './credentials';
import { apiHost, DIGEST, isLoopback } from './reference';

/** The manifest media types a release accepts: OCI and Docker v2, single images and multi-platform indexes. */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

export interface ResolvedManifest {
  readonly digest: string;
  readonly mediaType: string;
}

export interface RegistryClientOptions {
  /** @default anonymous */
  readonly credentials?: RegistryCredentials;
  /** Injected for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default true for loopback hosts (as Docker allows), false for every other host */
  readonly plainHttp?: boolean;
  /** Per request. @default 30000 */
  readonly timeoutMs?: number;
}

/** Node's fetch hides the reason of a network failure in `cause.code`: one line per kind the operator can act on. */
function networkError(registry: string, url: string, e: unknown): ReleaseError {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? '';
  const where = `registry ${registry}: ${new URL(url).origin}`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return new ReleaseError(EXIT.REFUSED, `${where} did not answer in time`);
  if (code === 'ECONNREFUSED') return new ReleaseError(EXIT.REFUSED, `${where}: connection refused (is the registry running on that port?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ReleaseError(EXIT.REFUSED, `${where}: host not found (${code})`);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/i.test(code) || /certificate|ssl|tls/i.test(err.cause?.message ?? '')) {
    return new ReleaseError(EXIT.REFUSED, `${where}: TLS failed (${show(code || err.cause?.message)}); the registry's certificate must be trusted (NODE_EXTRA_CA_CERTS) and match the host`);
  }
  return new ReleaseError(EXIT.REFUSED, `${where}: request failed (${show(code || err.cause?.message || err.message)})`);
}

/**
 * A read-only client of the OCI distribution API (https://github.com/opencontainers/distribution-spec): resolves a
 * tag to the digest of its manifest and checks that a digest exists, with Basic auth or the token flow the registry
 * asks for in `WWW-Authenticate`. Every failure is a ReleaseError with one line.
 */
export class RegistryClient {
  private readonly fetchFn: typeof fetch;
  private readonly base: string;
  private readonly tokens = new Map<string, string>();
  private basic = false;

  constructor(
    readonly registry: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.fetchFn = options.fetch ?? globalThis.fetch;
    const plain = options.plainHttp ?? isLoopback(registry);
    this.base = `${plain ? 'http' : 'https'}://${apiHost(registry)}`;
  }

  /**
   * The digest of `reference` (a tag or a digest) in `repository`: HEAD for the `Docker-Content-Digest` header; when a
   * registry does not send it, GET and hash the body. A GET body is always checked against the digest it claims.
   */
  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    const url = `${this.base}/v2/${repository}/manifests/${encodeURIComponent(reference)}`;
    const head = await this.request(repository, url, 'HEAD');
    const headerDigest = head.headers.get('docker-content-digest') ?? undefined;
    if (head.ok && headerDigest && DIGEST.test(headerDigest)) {
      if (DIGEST.test(reference) && headerDigest !== reference) throw this.mismatch(repository, reference, headerDigest);
      return { digest: headerDigest, mediaType: head.headers.get('content-type') ?? '' };
    }
    const get = await this.request(repository, url, 'GET');
    if (!get.ok) throw await this.failure(repository, reference, get);
    const body = Buffer.from(await get.arrayBuffer());
    const claimed = get.headers.get('docker-content-digest') ?? (DIGEST.test(reference) ? reference : undefined);
    const algorithm = claimed?.startsWith('sha512:') ? 'sha512' : 'sha256';
    const actual = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
    if (claimed && claimed !== actual) throw this.mismatch(repository, reference, actual, claimed);
    const mediaType = (get.headers.get('content-type') ?? '').split(';')[0].trim();
    if (!(MANIFEST_TYPES as readonly string[]).includes(mediaType)) {
      throw new ReleaseError(EXIT.REFUSED, `registry ${this.registry}: ${repository}:${reference}: media type ${show(mediaType)} is not an image manifest or index; allowed: ${MANIFEST_TYPES.join(', ')}`);
    }
    return { digest: actual, mediaType };
  }

  /** True when the manifest `digest` exists in `repository`; false on 404; any other failure throws. */
  async exists(repository: string, digest: string): Promise<boolean> {
    if (!DIGEST.test(digest)) throw new ReleaseError(EXIT.USAGE, `digest: received ${show(digest)}; allowed: sha256:<64 hex digits>`);
    const url = `${this.base}/v2/${repository}/manifests/${digest}`;
    const r = await this.request(repository, url, 'HEAD');
    if (r.status === 404) return false;
    if (!r.ok) throw await this.failure(repository, digest, r);
    return true;
  }

  private mismatch(repository: string, reference: string, actual: string, claimed?: string): ReleaseError {
    return new ReleaseError(EXIT.REFUSED, `registry ${this.registry}: ${repository}:${reference}: manifest digest ${actual} does not match ${claimed ?? reference}; refusing content that is not what was asked for`);
  }

  private async failure(repository: string, reference: string, r: Response): Promise<ReleaseError> {
    if (r.status === 401 || r.status === 403) return wrongCredentials(this.registry, this.options.credentials, r.status);
    if (r.status === 404) {
      const body = (await r.json().catch(() => ({}))) as { errors?: { code?: string }[] };
      const code = body.errors?.[0]?.code;
      const what = DIGEST.test(reference) ? `digest ${reference}` : `tag ${show(reference)}`;
      if (code === 'NAME_UNKNOWN') return new ReleaseError(EXIT.USAGE, `registry ${this.registry}: repository ${show(repository)} not found`);
      return new ReleaseError(EXIT.USAGE, `registry ${this.registry}: ${what} not found in repository ${show(repository)}`);
    }
    return new ReleaseError(EXIT.REFUSED, `registry ${this.registry}: ${repository}:${reference}: HTTP ${r.status}`);
  }

  private headers(scope: string): Record<string, string> {
    const h: Record<string, string> = { accept: MANIFEST_TYPES.join(', ') };
    const token = this.tokens.get(scope);
    if (token) h.authorization = `Bearer ${token}`;
    else if (this.basic && this.options.credentials) h.authorization = basicHeader(this.options.credentials);
    return h;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (e) {
      throw networkError(this.registry, url, e);
    }
  }

  /** One request, authenticated on the registry's demand: at most one challenge answered, then the answer stands. */
  private async request(repository: string, url: string, method: 'HEAD' | 'GET'): Promise<Response> {
    const scope = `repository:${repository}:pull`;
    const first = await this.send(url, { method, headers: this.headers(scope) });
    if (first.status !== 401) return first;
    await first.arrayBuffer().catch(() => undefined);
    const challenges = parseChallenges(first.headers.get('www-authenticate') ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const credentials = this.options.credentials;
    if (bearer) {
      // A cached token the registry refuses has expired (a long release outlives a 5-minute token): fetch a new one.
      this.tokens.set(scope, await fetchBearerToken(this.registry, bearer, scope, credentials, (u, i) => this.send(u, i)));
    } else if (!bearer && challenges.some((c) => c.scheme === 'basic') && credentials && !this.basic) {
      this.basic = true;
    } else {
      throw wrongCredentials(this.registry, credentials, 401);
    }
    const second = await this.send(url, { method, headers: this.headers(scope) });
    if (second.status === 401 || second.status === 403) throw wrongCredentials(this.registry, credentials, second.status);
    return second;
  }
}
