import { Octokit } from '@octokit/rest';
import { parseMarker, type Marker, type MarkerKind } from './marker';

/**
 * The GitHub side: one comment per environment and kind on a pull request, found by its hidden marker and updated in
 * place. The client is built from an injectable base URL and token, so tests drive it against a local server that
 * speaks the same REST endpoints.
 */

export interface GitHubClientOptions {
  readonly token: string;
  /** @default https://api.github.com (GITHUB_API_URL in Actions, which also covers GitHub Enterprise Server) */
  readonly baseUrl?: string;
}

export function githubClient(options: GitHubClientOptions): Octokit {
  return new Octokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? 'https://api.github.com').replace(/\/$/, ''),
    userAgent: 'ecs-coexist-plan-comment',
    // Octokit logs failed requests itself; the CLI prints one line instead.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

export interface FoundComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
  readonly marker: Marker;
}

/**
 * The comment of this kind for this environment, written by `author` (the identity the workflow posts as). Comments
 * by anyone else are never matched, even when they start with a copy of the marker: a pull-request author must not
 * be able to plant a plan fingerprint for the apply gate. With several matches (a race between two runs), the oldest
 * is the one to keep.
 */
export async function findComment(octokit: Octokit, pr: PullRequestRef, kind: MarkerKind, env: string, author: string): Promise<FoundComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: pr.owner, repo: pr.repo, issue_number: pr.number, per_page: 100 });
  for (const c of comments) {
    if (c.user?.login !== author) continue;
    const marker = parseMarker(c.body);
    if (marker && marker.kind === kind && marker.env === env) return { id: c.id, body: c.body ?? '', url: c.html_url, marker };
  }
  return undefined;
}

export interface UpsertResult {
  readonly action: 'created' | 'updated';
  readonly id: number;
  readonly url: string;
}

/** Creates the environment's comment, or rewrites it in place when it exists: re-runs never pile up comments. */
export async function upsertComment(octokit: Octokit, pr: PullRequestRef, body: string, author: string): Promise<UpsertResult> {
  const marker = parseMarker(body);
  if (!marker) throw new Error('comment body: received a body without a marker on its first line; allowed: output of renderPlan/renderApplyResult');
  const existing = await findComment(octokit, pr, marker.kind, marker.env, author);
  if (existing) {
    const r = await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing.id, body });
    return { action: 'updated', id: r.data.id, url: r.data.html_url };
  }
  const r = await octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body });
  return { action: 'created', id: r.data.id, url: r.data.html_url };
}

export interface MergedPullRequest {
  readonly number: number;
  /** The head commit the pull request had when it was merged. */
  readonly headSha?: string;
}

/** The pull request a commit on the default branch was merged from (push-to-main workflows have no PR number). */
export async function mergedPullRequestFor(octokit: Octokit, owner: string, repo: string, sha: string): Promise<MergedPullRequest | undefined> {
  const r = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 });
  const merged = r.data.filter((p) => p.merged_at);
  const pr = merged.find((p) => p.merge_commit_sha === sha) ?? merged[0];
  return pr ? { number: pr.number, headSha: pr.head?.sha } : undefined;
}

/** The head commit of a pull request (for `verify --pr`, where no merge commit was looked up). */
export async function pullRequestHead(octokit: Octokit, pr: PullRequestRef): Promise<string | undefined> {
  const r = await octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number });
  return r.data.head?.sha;
}
