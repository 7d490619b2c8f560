import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the GitHub REST endpoints plan-comment uses, the way GitHub answers them:
 * - GET    /repos/{owner}/{repo}/issues/{n}/comments   (per_page up to 100, page, `Link` header with rel="next"/"last")
 * - POST   /repos/{owner}/{repo}/issues/{n}/comments
 * - PATCH  /repos/{owner}/{repo}/issues/comments/{id}  (403 when the comment belongs to someone else)
 * - GET    /repos/{owner}/{repo}/commits/{sha}/pulls
 * - GET    /repos/{owner}/{repo}/pulls/{n}                (number and head commit)
 * - GET    /repos/{owner}/{repo}/actions/oidc/customization/sub   (any repository: `{ use_default: true }` until set)
 * - PUT    /repos/{owner}/{repo}/actions/oidc/customization/sub   (201; 403 unless the token's login administers it;
 *                                                                  422 for a body GitHub refuses)
 * Every request is recorded, so tests can assert on what reached the server (or that nothing did).
 */
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface FakePull {
  number: number;
  merged_at: string | null;
  merge_commit_sha: string;
  /** The pull request's head commit (GitHub: `head.sha`). */
  head_sha?: string;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly comments: FakeComment[] = [];
  /** token → login of the identity it authenticates. */
  readonly tokens = new Map<string, string>([['test-token', 'github-actions[bot]']]);
  readonly pulls = new Map<string, FakePull[]>();
  /** pull-request number → its head commit, for GET /pulls/{n}. */
  readonly heads = new Map<number, string>();
  /** owner/name → the repository's OIDC subject template (absent: GitHub's default). */
  readonly oidcTemplates = new Map<string, { use_default: boolean; include_claim_keys?: string[] }>();
  /** Logins allowed to change a repository's settings (the OIDC subject template). */
  readonly admins = new Set<string>();
  private server?: Server;
  private nextId = 1000;
  url = '';

  constructor(readonly owner = 'example-org', readonly repo = 'webapp-infra') {}

  addComment(issue: number, login: string, body: string): FakeComment {
    const id = this.nextId++;
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, id % 60)).toISOString();
    const c = { id, issue, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, created_at: now, updated_at: now, html_url: `https://github.example/${this.owner}/${this.repo}/pull/${issue}#issuecomment-${id}` };
    this.comments.push(c);
    return c;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => this.handle(req, res, raw));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const authorization = req.headers.authorization;
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, body, authorization });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(data));
    };
    const token = authorization?.replace(/^(token|bearer)\s+/i, '');
    const login = token ? this.tokens.get(token) : undefined;
    if (!login) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });

    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/oidc\/customization\/sub$/.exec(url.pathname))) {
      const repository = `${m[1]}/${m[2]}`;
      if (req.method === 'GET') return send(200, this.oidcTemplates.get(repository) ?? { use_default: true });
      if (req.method === 'PUT') {
        if (!this.admins.has(login)) return send(403, { message: 'Resource not accessible by integration' });
        const b = body as { use_default?: unknown; include_claim_keys?: unknown };
        const keys = b?.include_claim_keys;
        const keysOk = Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string' && /^[a-z_]+$/.test(k));
        if (typeof b?.use_default !== 'boolean' || (!b.use_default && !keysOk)) return send(422, { message: 'Invalid request.' });
        this.oidcTemplates.set(repository, b.use_default ? { use_default: true } : { use_default: false, include_claim_keys: keys as string[] });
        return send(201, {});
      }
    }
    const base = `/repos/${this.owner}/${this.repo}`;
    if ((m = new RegExp(`^${escape(base)}/issues/(\\d+)/comments$`).exec(url.pathname))) {
      const issue = Number(m[1]);
      if (req.method === 'GET') {
        const perPage = Math.min(Math.max(Number(query.per_page ?? 30), 1), 100);
        const page = Math.max(Number(query.page ?? 1), 1);
        const all = this.comments.filter((c) => c.issue === issue);
        const last = Math.max(Math.ceil(all.length / perPage), 1);
        const link = (p: number) => `<${this.url}${url.pathname}?per_page=${perPage}&page=${p}>`;
        const links = [];
        if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
        if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
        return send(200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
      }
      if (req.method === 'POST') {
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== 'string' || text === '') return send(422, { message: 'Validation Failed' });
        if (text.length > 65_536) return send(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] });
        return send(201, this.addComment(issue, login, text));
      }
    }
    if ((m = new RegExp(`^${escape(base)}/issues/comments/(\\d+)$`).exec(url.pathname)) && req.method === 'PATCH') {
      const c = this.comments.find((x) => x.id === Number(m![1]));
      if (!c) return send(404, { message: 'Not Found' });
      if (c.user.login !== login) return send(403, { message: 'Resource not accessible by integration' });
      const text = (body as { body?: unknown })?.body;
      if (typeof text !== 'string' || text.length > 65_536) return send(422, { message: 'Validation Failed' });
      c.body = text;
      c.updated_at = new Date(Date.UTC(2026, 0, 2)).toISOString();
      return send(200, c);
    }
    if ((m = new RegExp(`^${escape(base)}/commits/([0-9a-f]+)/pulls$`).exec(url.pathname)) && req.method === 'GET') {
      return send(200, (this.pulls.get(m[1]) ?? []).map(({ head_sha, ...p }) => ({ ...p, state: 'closed', base: { ref: 'main' }, head: { sha: head_sha ?? this.heads.get(p.number) } })));
    }
    if ((m = new RegExp(`^${escape(base)}/pulls/(\\d+)$`).exec(url.pathname)) && req.method === 'GET') {
      const head = this.heads.get(Number(m[1]));
      if (!head) return send(404, { message: 'Not Found' });
      return send(200, { number: Number(m[1]), state: 'open', base: { ref: 'main' }, head: { sha: head } });
    }
    return send(404, { message: 'Not Found' });
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
