import type { EnvironmentConfig } from '../../environments/schema';
import { APP_CLAIM_KEYS, INFRA_CLAIM_KEYS } from '../../modules/github-oidc';

/**
 * The OIDC subject template each repository must have for the CI roles' trust policies to match its tokens
 * (modules/github-oidc.ts): the infrastructure repository's claims name the workflow file and its ref, an application
 * repository's also the calling branch. Set with GitHub's customization API
 * (`PUT /repos/{owner}/{repo}/actions/oidc/customization/sub`), a one-time step per repository, by an administrator of
 * it (the token needs the repository's administration write permission).
 */
export interface SubjectTemplate {
  readonly repository: string;
  readonly includeClaimKeys: readonly string[];
}

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/** One template per repository the environments name; a repository named both as infrastructure and as application is refused. */
export function subjectTemplates(envs: readonly EnvironmentConfig[]): SubjectTemplate[] {
  const wanted = new Map<string, readonly string[]>();
  const add = (repository: string, keys: readonly string[], field: string) => {
    if (!REPOSITORY.test(repository)) throw new Error(`${field}: received ${JSON.stringify(repository)}; allowed: owner/name of a GitHub repository`);
    const existing = wanted.get(repository);
    if (existing && existing.join() !== keys.join()) {
      throw new Error(`${field}: received "${repository}", already the infrastructure repository; allowed: an application repository distinct from ci.infraRepository`);
    }
    wanted.set(repository, keys);
  };
  for (const env of envs) add(env.ci.infraRepository, INFRA_CLAIM_KEYS, `environment "${env.name}": ci.infraRepository`);
  for (const env of envs) env.ci.appRepositories.forEach((r, i) => add(r, APP_CLAIM_KEYS, `environment "${env.name}": ci.appRepositories[${i}]`));
  return [...wanted].map(([repository, includeClaimKeys]) => ({ repository, includeClaimKeys })).sort((a, b) => a.repository.localeCompare(b.repository));
}

export interface TemplateOutcome {
  readonly repository: string;
  /** `current`: already set; `set`: written now; `differs`: --check found another template (nothing written). */
  readonly outcome: 'current' | 'set' | 'differs';
  readonly was: string;
}

const describe = (t: { use_default?: boolean; include_claim_keys?: string[] }) => (t.use_default ? 'GitHub default' : JSON.stringify(t.include_claim_keys ?? []));

/** The one Octokit method used (`octokit.request`), so this module loads without @octokit/rest (an ES module). */
export interface GithubRequester {
  request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }>;
}

/** Reads each repository's template and, unless `check`, writes the wanted one where it differs. */
export async function applySubjectTemplates(octokit: GithubRequester, templates: readonly SubjectTemplate[], check: boolean): Promise<TemplateOutcome[]> {
  const outcomes: TemplateOutcome[] = [];
  for (const t of templates) {
    const [owner, repo] = t.repository.split('/');
    const current = (await octokit.request('GET /repos/{owner}/{repo}/actions/oidc/customization/sub', { owner, repo })).data as { use_default?: boolean; include_claim_keys?: string[] };
    const same = current.use_default === false && JSON.stringify(current.include_claim_keys ?? []) === JSON.stringify(t.includeClaimKeys);
    if (same) {
      outcomes.push({ repository: t.repository, outcome: 'current', was: describe(current) });
      continue;
    }
    if (!check) {
      await octokit.request('PUT /repos/{owner}/{repo}/actions/oidc/customization/sub', { owner, repo, use_default: false, include_claim_keys: [...t.includeClaimKeys] });
    }
    outcomes.push({ repository: t.repository, outcome: check ? 'differs' : 'set', was: describe(current) });
  }
  return outcomes;
}
