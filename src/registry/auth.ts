import { EXIT, ReleaseError, show } from '../release/errors';
import type { RegistryCredentials } from './credentials';
import { isLoopback } from './reference';

/** One challenge of a `WWW-Authenticate` header: the scheme and its parameters (RFC 7235). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses `Bearer realm="https://x/token",service="x",scope="repository:a:pull"` (quoted or token values, commas
 * inside quotes kept, `\"` escapes honoured). Several challenges in one header are returned in order.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  const re = /\s*(?:([A-Za-z][\w!#$%&'*+.^`|~-]*)\s+)?([\w!#$%&'*+.^`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?|\s*([A-Za-z][\w!#$%&'*+.^`|~-]*)\s*,?/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < header.length && (m = re.exec(header))) {
    if (m[0] === '') break;
    if (m[4]) {
      out.push({ scheme: m[4].toLowerCase(), params: {} });
      continue;
    }
    if (m[1]) out.push({ scheme: m[1].toLowerCase(), params: {} });
    const value = m[3].startsWith('"') ? m[3].slice(1, -1).replace(/\\(.)/g, '$1') : m[3];
    const current = out[out.length - 1];
    if (current) current.params[m[2].toLowerCase()] = value;
  }
  return out;
}

export function basicHeader(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/**
 * The token of the distribution spec's token flow: GET <realm>?service=..&scope=.. with Basic credentials when there
 * are any (anonymous otherwise), answering `{"token"}` or `{"access_token"}`. A realm over plain HTTP off loopback is
 * refused: the credentials would cross the network in clear.
 */
export async function fetchBearerToken(
  registry: string,
  challenge: Challenge,
  scope: string,
  credentials: RegistryCredentials | undefined,
  request: (url: string, init: RequestInit) => Promise<Response>,
): Promise<string> {
  const realm = challenge.params.realm;
  let url: URL;
  try {
    url = new URL(realm ?? '');
  } catch {
    throw new ReleaseError(EXIT.REFUSED, `registry ${registry}: WWW-Authenticate realm: received ${show(realm)}; allowed: an absolute https URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.host))) {
    throw new ReleaseError(EXIT.REFUSED, `registry ${registry}: WWW-Authenticate realm: received ${show(realm)}; allowed: https (or http on loopback), credentials are never sent in clear`);
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credentials) headers.authorization = basicHeader(credentials);
  const r = await request(url.toString(), { headers });
  if (r.status === 401 || r.status === 403) throw wrongCredentials(registry, credentials, r.status);
  if (!r.ok) throw new ReleaseError(EXIT.REFUSED, `registry ${registry}: token endpoint ${url.origin}${url.pathname} answered HTTP ${r.status}`);
  const body = (await r.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
  if (!token) throw new ReleaseError(EXIT.REFUSED, `registry ${registry}: token endpoint ${url.origin}${url.pathname} answered without a token`);
  return token;
}

export function wrongCredentials(registry: string, credentials: RegistryCredentials | undefined, status: number): ReleaseError {
  return new ReleaseError(
    EXIT.REFUSED,
    credentials
      ? `registry ${registry}: credentials of user ${show(credentials.username)} (from ${credentials.source}) refused (HTTP ${status})`
      : `registry ${registry}: anonymous access refused (HTTP ${status}); give pull credentials (a Secrets Manager secret or docker login)`,
  );
}
