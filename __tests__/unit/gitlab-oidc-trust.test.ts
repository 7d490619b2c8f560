import { gitlabSubject, gitlabTrustPolicy, GITLAB_AUDIENCE } from '../../modules/gitlab-oidc';
import { evaluateTrust, type PolicyDocument } from '../helpers/iam-evaluator';

const PROVIDER = 'arn:aws:iam::222222222222:oidc-provider/gitlab.com';
const prodTrust = gitlabTrustPolicy({ host: 'gitlab.com', providerArn: PROVIDER, projectPaths: ['acme/webapp', 'acme/worker'], ref: 'main', environment: 'prod' }) as unknown as PolicyDocument;

interface Token {
  readonly project_path: string;
  readonly ref: string;
  readonly environment?: string;
  readonly aud?: string;
  /** The subject as GitLab issues it without the project's sub claim components (its default). */
  readonly defaultSubject?: boolean;
}

function assume(token: Token, provider = PROVIDER) {
  const sub = token.defaultSubject || token.environment === undefined
    ? `project_path:${token.project_path}:ref_type:branch:ref:${token.ref}`
    : `project_path:${token.project_path}:ref_type:branch:ref:${token.ref}:environment:${token.environment}`;
  return evaluateTrust(prodTrust, {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { Federated: provider },
    context: { 'gitlab.com:sub': sub, 'gitlab.com:aud': token.aud ?? GITLAB_AUDIENCE },
  }).allowed;
}

describe('GitLab OIDC trust of a prod deploy role (evaluated, not read)', () => {
  const rows: [string, Token, boolean][] = [
    ['the promote job of acme/webapp on main in prod', { project_path: 'acme/webapp', ref: 'main', environment: 'prod' }, true],
    ['the same job of the second application project', { project_path: 'acme/worker', ref: 'main', environment: 'prod' }, true],
    ['the dev deploy job of the same pipeline', { project_path: 'acme/webapp', ref: 'main', environment: 'dev' }, false],
    ['the prod job on another branch', { project_path: 'acme/webapp', ref: 'feature/x', environment: 'prod' }, false],
    ['another project of the group', { project_path: 'acme/other', ref: 'main', environment: 'prod' }, false],
    ['a project whose path extends the trusted one', { project_path: 'acme/webapp-fork', ref: 'main', environment: 'prod' }, false],
    ['a token for another audience', { project_path: 'acme/webapp', ref: 'main', environment: 'prod', aud: 'https://gitlab.com' }, false],
    ['GitLab\'s default subject (project not configured): no environment in it', { project_path: 'acme/webapp', ref: 'main', defaultSubject: true }, false],
  ];
  test.each(rows.map(([what, token, allowed]) => [`${what}: ${allowed ? 'assumes the role' : 'refused'}`, token, allowed] as const))('%s', (_name, token, allowed) => {
    expect(assume(token)).toBe(allowed);
  });

  test('a token from another identity provider is refused', () => {
    expect(assume({ project_path: 'acme/webapp', ref: 'main', environment: 'prod' }, 'arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com')).toBe(false);
  });

  test('claims that would move the subject\'s boundaries or add wildcards are refused at synthesis, naming the claim', () => {
    expect(() => gitlabSubject({ projectPath: 'acme/webapp:ref_type:branch', ref: 'main', environment: 'prod' })).toThrow(/^gitlab projectPath: received "acme\/webapp:ref_type:branch"; allowed: /);
    expect(() => gitlabSubject({ projectPath: 'acme/*', ref: 'main', environment: 'prod' })).toThrow(/^gitlab projectPath/);
    expect(() => gitlabSubject({ projectPath: 'acme/webapp', ref: 'main:environment:prod', environment: 'dev' })).toThrow(/^gitlab ref/);
    expect(() => gitlabSubject({ projectPath: 'acme/webapp', ref: 'main', environment: 'Prod?' })).toThrow(/^gitlab environment/);
    expect(() => gitlabTrustPolicy({ host: 'https://gitlab.com', providerArn: PROVIDER, projectPaths: ['acme/webapp'], ref: 'main', environment: 'prod' })).toThrow(/^gitlab host/);
  });
});
