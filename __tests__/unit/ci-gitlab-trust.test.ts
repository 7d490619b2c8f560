import { resourceNames } from '../../environments/names';
import { ConfigError, defineEnvironment, type EnvironmentConfig } from '../../environments/schema';
import pipelinesExample from '../../environments/examples/pipelines';
import { accountNow, EVERYTHING, trustedBy } from '../helpers/account-iam';
import { evaluateTrust } from '../helpers/iam-evaluator';
import { dev, prod, synth, variant } from '../helpers/stacks';

/**
 * `ci.gitlab` evaluated, not read: GitLab-shaped tokens (the subject GitLab issues under the template's claim
 * components) against the deploy and approve roles the stack synthesizes, with the escalation guarantees of issue 12
 * checked on the same account.
 */
const GITLAB = { projectPaths: ['acme/webapp'], refs: ['main'], environment: 'prod' };
const prodGitlab = variant(prod, { ci: { gitlab: GITLAB } });
const prodGitlabOnly = variant(prod, { ci: { gitlab: { ...GITLAB, githubDeploys: false } } });

interface Token {
  readonly project: string;
  readonly ref: string;
  readonly environment: string;
  readonly aud?: string;
  /** The provider the token is presented for (its issuer). @default gitlab.com */
  readonly issuer?: string;
}

function gitlabAssumes(env: EnvironmentConfig, role: string, t: Token): boolean {
  const account = accountNow(env);
  const issuer = t.issuer ?? 'gitlab.com';
  return evaluateTrust(account.role(role).trust, {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { Federated: `arn:aws:iam::${env.accountId}:oidc-provider/${issuer}` },
    context: { [`${issuer}:sub`]: `project_path:${t.project}:ref_type:branch:ref:${t.ref}:environment:${t.environment}`, [`${issuer}:aud`]: t.aud ?? 'sts.amazonaws.com' },
  }).allowed;
}

function githubDeployAssumes(env: EnvironmentConfig): boolean {
  const account = accountNow(env);
  const sub = `repo:example-org/webapp:environment:${env.name}:ref:refs/heads/main:job_workflow_ref:example-org/webapp-infra/.github/workflows/deploy.yml@refs/heads/main`;
  return evaluateTrust(account.role(resourceNames(env).deployRole).trust, {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { Federated: account.oidcProviderArn },
    context: { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
  }).allowed;
}

describe('prod with ci.gitlab: which GitLab job gets which CI role', () => {
  const n = resourceNames(prod);
  const roles = { deploy: n.deployRole, approve: `${n.prefix}-ci-approve`, plan: n.planRole, apply: n.applyRole, operator: `${n.prefix}-operator` };
  const configured: Token = { project: 'acme/webapp', ref: 'main', environment: 'prod' };
  const rows: [string, Token, (keyof typeof roles)[]][] = [
    ['the promote job of acme/webapp on main in environment prod', configured, ['deploy']],
    ['the traffic-shift job in environment prod-approve', { ...configured, environment: 'prod-approve' }, ['approve']],
    ['another project', { ...configured, project: 'acme/other' }, []],
    ['a project whose path extends the configured one', { ...configured, project: 'acme/webapp-fork' }, []],
    ['another branch', { ...configured, ref: 'feature/x' }, []],
    ['another environment (dev)', { ...configured, environment: 'dev' }, []],
    ['a token for another audience', { ...configured, aud: 'https://gitlab.com' }, []],
    ['the same claims from another GitLab instance (issuer)', { ...configured, issuer: 'gitlab.example.com' }, []],
  ];
  test.each(rows)('%s → %j', (_what, token, expected) => {
    // GIVEN the token GitLab issues for that job WHEN every CI role's trust evaluates it THEN exactly `expected` accept
    expect((Object.keys(roles) as (keyof typeof roles)[]).filter((r) => gitlabAssumes(prodGitlab, roles[r], token))).toEqual(expected);
  });

  test('the stack creates the GitLab provider and the deploy role keeps its GitHub trust (githubDeploys defaults to true)', () => {
    const providers = Object.values(synth(prodGitlab).tf.resource.aws_iam_openid_connect_provider ?? {}).map((p) => p.url).sort();
    expect(providers).toEqual(['https://gitlab.com', 'https://token.actions.githubusercontent.com']);
    expect(githubDeployAssumes(prodGitlab)).toBe(true);
  });

  test('githubDeploys false: GitLab instead of GitHub on the deploy role', () => {
    expect(githubDeployAssumes(prodGitlabOnly)).toBe(false);
    expect(gitlabAssumes(prodGitlabOnly, roles.deploy, configured)).toBe(true);
  });

  test('off by default: the shipped dev and prod create no GitLab provider and trust no GitLab token', () => {
    for (const env of [dev, prod]) {
      const tf = synth(env).tf;
      expect(Object.values(tf.resource.aws_iam_openid_connect_provider ?? {}).map((p) => p.url)).toEqual(['https://token.actions.githubusercontent.com']);
      expect(gitlabAssumes(env, resourceNames(env).deployRole, { ...configured, environment: env.name })).toBe(false);
      expect(tf.resource.aws_codepipeline).toBeUndefined();
    }
  });
});

describe('the escalation guarantees of issue 12 hold with GitLab and the delivery pipeline on', () => {
  test.each([
    ['prod with ci.gitlab', prodGitlab],
    ['the pipelines example (ci.gitlab and delivery)', pipelinesExample],
  ] as const)('%s: the apply role cannot take or widen a GitLab-trusted or delivery role', (_what, env) => {
    const a = accountNow(env);
    const n = resourceNames(env);
    const attacker = trustedBy('arn:aws:iam::999999999999:role/attacker');
    // GIVEN the apply role (PowerUserAccess) WHEN it targets the roles GitLab jobs or CodeBuild assume THEN refused
    expect(a.updateAssumeRolePolicy(n.applyRole, n.deployRole, attacker).allowed).toBe(false);
    expect(a.putRolePolicy(n.applyRole, n.deployRole, 'all', EVERYTHING).allowed).toBe(false);
    expect(a.request(n.applyRole, 'iam:DeleteOpenIDConnectProvider', 'arn:aws:iam::' + env.accountId + ':oidc-provider/gitlab.example.com').allowed).toBe(false);
    if (env.delivery) {
      const build = `${n.prefix}-delivery-build`;
      expect(a.updateAssumeRolePolicy(n.applyRole, build, attacker).allowed).toBe(false);
      expect(a.putRolePolicy(n.applyRole, build, 'all', EVERYTHING).allowed).toBe(false);
      expect(a.deleteRolePermissionsBoundary(n.applyRole, build).allowed).toBe(false);
      expect(a.request(n.applyRole, 'iam:CreatePolicyVersion', a.policyArn(`${n.prefix}-delivery-boundary`)).allowed).toBe(false);
      // and a bounded role the apply role may still create cannot reach an administrator's action
      expect(a.createRole(n.applyRole, `${n.prefix}-x`, attacker, a.policyArn(`${n.prefix}-workload-boundary`)).allowed).toBe(true);
      expect(a.putRolePolicy(n.applyRole, `${n.prefix}-x`, 'all', EVERYTHING).allowed).toBe(true);
      expect(a.request(`${n.prefix}-x`, 'iam:CreateUser', `arn:aws:iam::${env.accountId}:user/backdoor`).allowed).toBe(false);
      expect(a.request(`${n.prefix}-x`, 'ecs:UpdateService', `arn:aws:ecs:${env.region}:${env.accountId}:service/${n.cluster}/${n.prefix}-web`).allowed).toBe(false);
    }
    // while the apply role still reads what it refreshes
    expect(a.request(n.applyRole, 'iam:GetPolicy', a.policyArn(`${n.prefix}-workload-boundary`)).allowed).toBe(true);
    if (env.delivery) expect(a.request(n.applyRole, 'iam:GetPolicy', a.policyArn(`${n.prefix}-delivery-boundary`)).allowed).toBe(true);
  });
});

describe('ci.gitlab and delivery: bad input is one line naming the field', () => {
  const base = structuredClone(pipelinesExample) as unknown as Record<string, Record<string, unknown>>;
  test.each([
    ['a wildcard project path', { ci: { ...base.ci, gitlab: { ...(base.ci.gitlab as object), projectPaths: ['acme/*'] } } }, /^invalid environment "pipelines": ci\.gitlab\.projectPaths\.0: received "acme\/\*"; allowed: group\/project/],
    ['a branch with ":" (would shift the subject)', { ci: { ...base.ci, gitlab: { ...(base.ci.gitlab as object), refs: ['main:environment:prod'] } } }, /^invalid environment "pipelines": ci\.gitlab\.refs\.0: received "main:environment:prod"; allowed: a branch name/],
    ['an issuer with a path', { ci: { ...base.ci, gitlab: { ...(base.ci.gitlab as object), issuerUrl: 'https://gitlab.com/x' } } }, /^invalid environment "pipelines": ci\.gitlab\.issuerUrl: received "https:\/\/gitlab\.com\/x"; allowed: https:\/\/<host>/],
    ['an audience with a wildcard', { ci: { ...base.ci, gitlab: { ...(base.ci.gitlab as object), audience: 'sts.*' } } }, /^invalid environment "pipelines": ci\.gitlab\.audience: received "sts\.\*"; allowed: /],
    ['a delivery service the environment does not have', { delivery: { ...base.delivery, service: 'api' } }, /^invalid environment "pipelines": delivery\.service: received "api"; allowed: a service of this environment \(web\)/],
    ['a delivery group and a service at once', { delivery: { ...base.delivery, service: 'web', group: 'app' } }, /^invalid environment "pipelines": delivery\.group: received "app"; allowed: nothing when delivery\.service is set/],
    ['a delivery repository that deploys nothing here', { delivery: { ...base.delivery, appRepository: 'example-org/other' } }, /^invalid environment "pipelines": delivery\.appRepository: received "example-org\/other"; allowed: one of ci\.appRepositories/],
  ])('%s', (_what, patch, message) => {
    // GIVEN the example with one bad value WHEN validated THEN one line names the field, the value and what is allowed
    let error: unknown;
    try {
      defineEnvironment({ ...structuredClone(base), ...patch } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split('\n')[0]).toMatch(message);
  });
});
