import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { APP_CLAIM_KEYS, INFRA_CLAIM_KEYS } from '../../modules/github-oidc';
import { subjectTemplates } from '../../scripts/lib/oidc-subject';
import { repoRoot } from '../../scripts/lib/paths';
import { FakeGitHub } from '../helpers/github-server';
import { dev, variant } from '../helpers/stacks';
import { requireBuild } from '../helpers/terraform';

/**
 * The compiled scripts/oidc-subject.ts, run as an administrator runs it, against the local GitHub server: what it
 * reads, what it writes, and what it refuses. (A process: @octokit/rest is an ES module Jest's runtime does not load.)
 */
const SCRIPT = join(repoRoot(), 'dist', 'scripts', 'oidc-subject.js');

function main(argv: string[], env: Record<string, string>, out: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...argv], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      for (const line of stdout.split('\n').filter(Boolean)) out(line);
      // Nothing on stderr: no stack trace, no Octokit log.
      if (stderr !== '') out(`stderr: ${stderr}`);
      resolve(code ?? -1);
    });
  });
}

describe('OIDC subject template script', () => {
  const github = new FakeGitHub();
  beforeAll(() => {
    requireBuild();
    return github.start();
  });
  afterAll(() => github.stop());
  beforeEach(() => {
    github.requests.length = 0;
    github.oidcTemplates.clear();
    github.tokens.set('admin-token', 'repo-admin');
    github.admins.add('repo-admin');
  });
  const run = async (argv: string[], env: Record<string, string> = { GITHUB_TOKEN: 'admin-token' }) => {
    const lines: string[] = [];
    const code = await main(argv, { GITHUB_API_URL: github.url, ...env }, (l) => lines.push(l));
    return { code, lines };
  };

  test('GIVEN repositories on GitHub\'s default subject WHEN run THEN each gets its template: workflow identity for the infrastructure, plus the branch for applications', async () => {
    const { code, lines } = await run([]);
    expect(code).toBe(0);
    expect(Object.fromEntries(github.oidcTemplates)).toEqual({
      'example-org/webapp': { use_default: false, include_claim_keys: [...APP_CLAIM_KEYS] },
      'example-org/webapp-infra': { use_default: false, include_claim_keys: [...INFRA_CLAIM_KEYS] },
    });
    expect(lines).toEqual(['example-org/webapp: set (was GitHub default)', 'example-org/webapp-infra: set (was GitHub default)']);
    expect(github.requests.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
      { use_default: false, include_claim_keys: ['repo', 'context', 'ref', 'job_workflow_ref'] },
      { use_default: false, include_claim_keys: ['repo', 'context', 'job_workflow_ref'] },
    ]);
  });

  test('GIVEN the templates already set WHEN run again THEN nothing is written', async () => {
    await run([]);
    github.requests.length = 0;
    const { code, lines } = await run([]);
    expect(code).toBe(0);
    expect(lines).toEqual(['example-org/webapp: current', 'example-org/webapp-infra: current']);
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('GIVEN another template WHEN run with --check THEN it reports the difference, exits 1 and writes nothing', async () => {
    github.oidcTemplates.set('example-org/webapp-infra', { use_default: false, include_claim_keys: ['repo', 'context'] });
    const { code, lines } = await run(['--check']);
    expect(code).toBe(1);
    expect(lines).toContain('example-org/webapp-infra: differs (is ["repo","context"])');
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('GIVEN a token that does not administer the repository WHEN run THEN one line names GitHub\'s refusal, exit 1', async () => {
    const { code, lines } = await run([], { GITHUB_TOKEN: 'test-token' });
    expect(code).toBe(1);
    expect(lines).toEqual(['oidc-subject: GitHub answered 403: Resource not accessible by integration']);
    expect(github.oidcTemplates.size).toBe(0);
  });

  test.each([
    [['--force'], { GITHUB_TOKEN: 'admin-token' }, 'oidc-subject: argument: received "--force"; allowed: --check'],
    [[], { GITHUB_TOKEN: '' }, 'oidc-subject: GITHUB_TOKEN: received nothing; allowed: a token of an administrator of each repository'],
  ])('bad input %j %j: one line, exit 2, no request', async (argv, env, line) => {
    const { code, lines } = await run(argv, env);
    expect([code, lines]).toEqual([2, [line]]);
    expect(github.requests).toEqual([]);
  });

  test('an application repository that is also the infrastructure repository is refused (their templates differ)', () => {
    const clash = variant(dev, { ci: { appRepositories: ['example-org/webapp-infra'] } });
    expect(() => subjectTemplates([clash])).toThrow('environment "dev": ci.appRepositories[0]: received "example-org/webapp-infra", already the infrastructure repository; allowed: an application repository distinct from ci.infraRepository');
    expect(subjectTemplates([loadEnvironment('dev'), loadEnvironment('prod')]).map((t) => t.repository)).toEqual(['example-org/webapp', 'example-org/webapp-infra']);
  });
});
