import { resourceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { APP_CLAIM_KEYS, INFRA_CLAIM_KEYS, subjectOf } from '../../modules/github-oidc';
import { accountBefore, accountNow } from '../helpers/account-iam';
import { evaluateTrust } from '../helpers/iam-evaluator';
import { web, dev, prod } from '../helpers/stacks';

/**
 * GitHub OIDC tokens × CI roles: each token is built from the claims GitHub puts in it for that job, its subject
 * rendered with the repository's subject template (scripts/oidc-subject.ts sets it), and evaluated against each role's
 * synthesized trust policy. Exactly the roles named in a row accept the token.
 */
const INFRA = 'example-org/webapp-infra';
const APP = 'example-org/webapp';
const infraWorkflow = (file: string, ref: string) => `${INFRA}/.github/workflows/${file}@${ref}`;

interface Token {
  readonly repo: string;
  readonly context: string;
  readonly ref: string;
  readonly job_workflow_ref: string;
  readonly aud?: string;
  /** The subject without the repository's template (GitHub's default): `repo:<repo>:<context>`. */
  readonly defaultSubject?: boolean;
}

const ROLES = ['plan', 'apply', 'deploy', 'approve'] as const;
type RoleKind = (typeof ROLES)[number];

function subject(token: Token): string {
  if (token.defaultSubject) return `repo:${token.repo}:${token.context}`;
  return subjectOf(token, token.repo === INFRA ? INFRA_CLAIM_KEYS : APP_CLAIM_KEYS);
}

/** [description, token, the roles that accept it in `env`] */
function table(env: EnvironmentConfig): [string, Token, RoleKind[]][] {
  const e = env.name;
  const blueGreen = web(env).deployment.strategy === 'blue-green';
  const main = 'refs/heads/main';
  const pr = { repo: INFRA, context: 'pull_request', ref: 'refs/pull/7/merge' };
  const apply = { repo: INFRA, context: `environment:${e}`, ref: main, job_workflow_ref: infraWorkflow('_apply.yml', main) };
  const deploy = { repo: APP, context: `environment:${e}`, ref: main, job_workflow_ref: infraWorkflow('deploy.yml', main) };
  return [
    ['a pull request running plan.yml', { ...pr, job_workflow_ref: infraWorkflow('plan.yml', pr.ref) }, ['plan']],
    ['a pull request running another workflow file', { ...pr, job_workflow_ref: infraWorkflow('exfiltrate.yml', pr.ref) }, []],
    ['a pull request whose token names another audience', { ...pr, job_workflow_ref: infraWorkflow('plan.yml', pr.ref), aud: 'https://github.com/example-org' }, []],
    ['_apply.yml on main in this environment', apply, ['apply']],
    ['_apply.yml on another branch in this environment', { ...apply, ref: 'refs/heads/feature', job_workflow_ref: infraWorkflow('_apply.yml', 'refs/heads/feature') }, []],
    ['another workflow on main in this environment', { ...apply, job_workflow_ref: infraWorkflow('other.yml', main) }, []],
    ['_apply.yml on main in the other environment', { ...apply, context: `environment:${e === 'dev' ? 'prod' : 'dev'}` }, []],
    ['_apply.yml on main with GitHub\'s default subject (no template)', { ...apply, defaultSubject: true }, []],
    ['the app\'s main calling deploy.yml@main in this environment', deploy, ['deploy']],
    ['the app\'s other branch calling deploy.yml@main', { ...deploy, ref: 'refs/heads/feature' }, []],
    ['the app\'s main calling deploy.yml at another ref of the infrastructure repository', { ...deploy, job_workflow_ref: infraWorkflow('deploy.yml', 'refs/heads/feature') }, []],
    ['the app\'s own workflow (not the reusable deploy.yml) in this environment', { ...deploy, job_workflow_ref: `${APP}/.github/workflows/deploy.yml@${main}` }, []],
    ['the app\'s pull request', { ...deploy, context: 'pull_request', ref: 'refs/pull/3/merge' }, []],
    ['another repository calling deploy.yml@main in this environment', { ...deploy, repo: 'example-org/other-app' }, []],
    ['another owner\'s repository of the same name', { ...deploy, repo: 'evil-org/webapp' }, []],
    ['the app\'s main calling deploy.yml@main in the approval environment', { ...deploy, context: `environment:${e}-approve` }, blueGreen ? ['approve'] : []],
    ['the app\'s other branch in the approval environment', { ...deploy, context: `environment:${e}-approve`, ref: 'refs/heads/feature' }, []],
    ['the app\'s main with GitHub\'s default subject', { ...deploy, defaultSubject: true }, []],
  ];
}

describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s: which OIDC token gets which CI role', (_name, env) => {
  const account = accountNow(env);
  const names = resourceNames(env);
  const roleNames: Record<RoleKind, string> = { plan: names.planRole, apply: names.applyRole, deploy: names.deployRole, approve: `${names.prefix}-ci-approve` };
  const present = ROLES.filter((r) => account.roles.has(roleNames[r]));

  test.each(table(env))('%s → %j', (_what, token, expected) => {
    // GIVEN the token GitHub issues for that job WHEN each CI role's trust policy evaluates it THEN only `expected` accept
    const accepted = present.filter(
      (r) =>
        evaluateTrust(account.role(roleNames[r]).trust, {
          action: 'sts:AssumeRoleWithWebIdentity',
          principal: { Federated: account.oidcProviderArn },
          context: { 'token.actions.githubusercontent.com:sub': subject(token), 'token.actions.githubusercontent.com:aud': token.aud ?? 'sts.amazonaws.com' },
        }).allowed,
    );
    expect(accepted).toEqual(expected);
  });

  test('a token from another identity provider is refused by every role', () => {
    const token = table(env)[3][1];
    for (const r of present) {
      const decision = evaluateTrust(account.role(roleNames[r]).trust, {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal: { Federated: `arn:aws:iam::${env.accountId}:oidc-provider/gitlab.com` },
        context: { 'token.actions.githubusercontent.com:sub': subject(token), 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      });
      expect([r, decision.allowed]).toEqual([r, false]);
    }
  });
});

describe('before issue 12 (fixture): the default subject named neither workflow nor branch', () => {
  test.each([
    ['_apply.yml on another branch', 'apply', `repo:${INFRA}:environment:prod`],
    ['any workflow file of any branch declaring the environment', 'apply', `repo:${INFRA}:environment:prod`],
    ['the app\'s other branch, running any workflow in the environment', 'deploy', `repo:${APP}:environment:prod`],
    ['a pull request running any workflow file', 'plan', `repo:${INFRA}:pull_request`],
  ])('%s got the %s role (subject %s)', (_what, role, sub) => {
    // GIVEN the trust policies before the fix and the subject GitHub issues by default for that job, whatever its
    // branch or workflow file WHEN evaluated THEN the role accepted it: what the table above now refuses
    const account = accountBefore(prod);
    const names = resourceNames(prod);
    const name = { plan: names.planRole, apply: names.applyRole, deploy: names.deployRole }[role]!;
    const decision = evaluateTrust(account.role(name).trust, {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: { Federated: account.oidcProviderArn },
      context: { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    });
    expect(decision.allowed).toBe(true);
    // and the same job's subject under the template is refused by the current trust policy
    const now = accountNow(prod);
    const templated = role === 'plan' ? subjectOf({ repo: INFRA, context: 'pull_request', job_workflow_ref: infraWorkflow('other.yml', 'refs/pull/7/merge') }, INFRA_CLAIM_KEYS)
      : role === 'apply' ? subjectOf({ repo: INFRA, context: 'environment:prod', job_workflow_ref: infraWorkflow('_apply.yml', 'refs/heads/feature') }, INFRA_CLAIM_KEYS)
      : subjectOf({ repo: APP, context: 'environment:prod', ref: 'refs/heads/feature', job_workflow_ref: infraWorkflow('deploy.yml', 'refs/heads/main') }, APP_CLAIM_KEYS);
    expect(evaluateTrust(now.role(name).trust, {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: { Federated: now.oidcProviderArn },
      context: { 'token.actions.githubusercontent.com:sub': templated, 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    }).allowed).toBe(false);
  });
});
