import { loadEnvironment } from '../environments';
import { ENVIRONMENTS } from '../main';
import { Octokit } from '@octokit/rest';
import { applySubjectTemplates, subjectTemplates, type GithubRequester } from './lib/oidc-subject';

/**
 * Sets the OIDC subject template of the infrastructure and application repositories the environments name, so GitHub
 * issues the subjects the CI roles trust (see modules/github-oidc.ts). One-time per repository, by one of its
 * administrators, before the first CI run after the roles change:
 *
 *   GITHUB_TOKEN=<admin token> node dist/scripts/oidc-subject.js           # set where different
 *   GITHUB_TOKEN=<token>       node dist/scripts/oidc-subject.js --check   # report only, exit 1 when one differs
 *
 * GITHUB_API_URL selects another API endpoint (GitHub Enterprise Server).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    out(`oidc-subject: argument: received ${JSON.stringify(unknown[0])}; allowed: --check`);
    return 2;
  }
  const token = env.GITHUB_TOKEN ?? '';
  if (token === '') {
    out('oidc-subject: GITHUB_TOKEN: received nothing; allowed: a token of an administrator of each repository');
    return 2;
  }
  const check = argv.includes('--check');
  try {
    const templates = subjectTemplates(ENVIRONMENTS.map((name) => loadEnvironment(name)));
    const outcomes = await applySubjectTemplates(githubApiClient(token, env.GITHUB_API_URL), templates, check);
    for (const o of outcomes) out(`${o.repository}: ${o.outcome === 'current' ? 'current' : o.outcome === 'set' ? `set (was ${o.was})` : `differs (is ${o.was})`}`);
    return outcomes.some((o) => o.outcome === 'differs') ? 1 : 0;
  } catch (e) {
    const status = (e as { status?: number }).status;
    out(`oidc-subject: ${status ? `GitHub answered ${status}: ` : ''}${(e as Error).message.split('\n')[0]}`);
    return 1;
  }
}

function githubApiClient(token: string, baseUrl = 'https://api.github.com'): GithubRequester {
  return new Octokit({
    auth: token,
    baseUrl: baseUrl.replace(/\/$/, ''),
    userAgent: 'ecs-coexist-oidc-subject',
    // Octokit logs failed requests itself; the script prints one line instead.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then((code) => (process.exitCode = code));
}
