import { resourceNames, serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { Account, accountBefore, accountNow, EVERYTHING, trustedBy, type Step } from '../helpers/account-iam';
import type { Decision } from '../helpers/iam-evaluator';
import { web, dev, prod } from '../helpers/stacks';

/**
 * The escalation paths of issue 12, each attempted step by step by the identity that had it, against the IAM policies
 * the stacks synthesize now (each must be refused at some step) and against the policies of the commit before the fix
 * (__tests__/fixtures/iam-before-issue-12.json: every step went through). The second half is what makes each test able
 * to fail: a scenario that is refused on both sides proves nothing about the fix.
 */

type Scenario = (account: Account, env: EnvironmentConfig) => Generator<[string, Decision]>;

/** Runs the steps until the first refusal: the steps taken, and the refused one (undefined when every step went through). */
function attempt(account: Account, env: EnvironmentConfig, scenario: Scenario): { steps: Step[]; refused?: Step } {
  const steps: Step[] = [];
  for (const [what, decision] of scenario(account, env)) {
    steps.push({ what, decision });
    if (!decision.allowed) return { steps, refused: { what, decision } };
  }
  return { steps };
}

const OTHER_ACCOUNT = 'arn:aws:iam::999999999999:role/attacker';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** What "account administrator" means in these scenarios: actions no identity of the design may take. */
function* actAsAdministrator(account: Account, env: EnvironmentConfig, as: string): Generator<[string, Decision]> {
  yield [`${as}: iam:CreateUser`, account.request(as, 'iam:CreateUser', `arn:aws:iam::${env.accountId}:user/backdoor`)];
  yield [`${as}: iam:AttachRolePolicy AdministratorAccess on the apply role`, account.request(as, 'iam:AttachRolePolicy', account.roleArn(resourceNames(env).applyRole), { 'iam:PolicyARN': ADMIN })];
  yield [`${as}: read the database secret`, account.request(as, 'ssm:GetParameters', web(env).secrets.DATABASE_URL)];
}

const SCENARIOS: Record<string, { who: string; scenario: Scenario }> = {
  'apply role creates a role trusting itself, gives it "Action": "*" and assumes it': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      const x = `${n.prefix}-x`;
      yield ['apply: iam:CreateRole trusted by the apply role, no boundary', account.createRole(n.applyRole, x, trustedBy(account.roleArn(n.applyRole)))];
      yield ['apply: iam:PutRolePolicy "Action": "*"', account.putRolePolicy(n.applyRole, x, 'all', EVERYTHING)];
      yield ['apply: sts:AssumeRole', account.assumeRole({ role: n.applyRole }, x)];
      yield* actAsAdministrator(account, env, x);
    },
  },
  'apply role creates a bounded role trusting itself and assumes it (the boundary it must set does not save it)': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      const x = `${n.prefix}-x`;
      const boundary = account.policyArn(`${n.prefix}-workload-boundary`);
      // Before the fix no boundary existed: the attacker sets none (the same call then).
      const withBoundary = account.policies.has(boundary) ? boundary : undefined;
      yield ['apply: iam:CreateRole trusted by the apply role, with the workload boundary', account.createRole(n.applyRole, x, trustedBy(account.roleArn(n.applyRole)), withBoundary)];
      yield ['apply: iam:PutRolePolicy "Action": "*"', account.putRolePolicy(n.applyRole, x, 'all', EVERYTHING)];
      yield ['apply: sts:AssumeRole', account.assumeRole({ role: n.applyRole }, x)];
      yield* actAsAdministrator(account, env, x);
    },
  },
  'apply role creates a bounded role trusted by another account, which assumes it from outside': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      const x = `${n.prefix}-x`;
      const boundary = account.policyArn(`${n.prefix}-workload-boundary`);
      yield ['apply: iam:CreateRole trusted by 999999999999', account.createRole(n.applyRole, x, trustedBy(OTHER_ACCOUNT), account.policies.has(boundary) ? boundary : undefined)];
      yield ['apply: iam:PutRolePolicy "Action": "*"', account.putRolePolicy(n.applyRole, x, 'all', EVERYTHING)];
      yield ['999999999999: sts:AssumeRole', account.assumeRole({ external: OTHER_ACCOUNT }, x)];
      yield* actAsAdministrator(account, env, x);
    },
  },
  'apply role widens the task role and hands it to a task (a merged pull request can declare the same)': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      yield ['apply: iam:PutRolePolicy "Action": "*" on the task role', account.putRolePolicy(n.applyRole, n.taskRole, 'all', EVERYTHING)];
      yield ['apply: iam:PassRole the task role to ECS tasks', account.request(n.applyRole, 'iam:PassRole', account.roleArn(n.taskRole), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })];
      yield* actAsAdministrator(account, env, n.taskRole);
    },
  },
  'apply role points a workload role\'s trust at itself and assumes it': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      yield ['apply: iam:UpdateAssumeRolePolicy of the execution role to trust the apply role', account.updateAssumeRolePolicy(n.applyRole, n.executionRole, trustedBy(account.roleArn(n.applyRole)))];
      yield ['apply: sts:AssumeRole the execution role', account.assumeRole({ role: n.applyRole }, n.executionRole)];
      yield ['execution role: read the database secret', account.request(n.executionRole, 'ssm:GetParameters', web(env).secrets.DATABASE_URL)];
    },
  },
  'apply role passes a project-prefixed role it created to ECS tasks': {
    who: 'apply',
    *scenario(account, env) {
      const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
      const boundary = account.policyArn(`${n.prefix}-workload-boundary`);
      yield ['apply: iam:CreateRole trusted by ECS tasks', account.createRole(n.applyRole, `${n.prefix}-x`, { Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, account.policies.has(boundary) ? boundary : undefined)];
      yield ['apply: iam:PassRole it to ECS tasks', account.request(n.applyRole, 'iam:PassRole', account.roleArn(`${n.prefix}-x`), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })];
    },
  },
  'a pull request reads the database secret with the plan role': {
    who: 'plan',
    *scenario(account, env) {
      yield ['plan: ssm:GetParameter /<project>/<env>/database-url', account.request(resourceNames(env).planRole, 'ssm:GetParameter', web(env).secrets.DATABASE_URL)];
    },
  },
  'a pull request takes (or breaks) the state lock with the plan role': {
    who: 'plan',
    *scenario(account, env) {
      const lock = `arn:aws:s3:::${env.state.bucket}/${env.state.key}.tflock`;
      yield ['plan: s3:PutObject on the lock file', account.request(resourceNames(env).planRole, 's3:PutObject', lock)];
      yield ['plan: s3:DeleteObject on the lock file', account.request(resourceNames(env).planRole, 's3:DeleteObject', lock)];
    },
  },
};

/**
 * The boundary's own guards. No "before" run: before issue 12 there was no boundary to strip, swap or rewrite; the path
 * these guard (widen a workload role, then use it) is 'apply role widens the task role ...' above, which went through
 * before. Every attempt is made independently (not stopping at the first refusal), and each must be refused.
 */
const GUARDS: Record<string, (account: Account, env: EnvironmentConfig) => Decision> = {
  'apply: iam:DeleteRolePermissionsBoundary on the task role': (a, env) => a.deleteRolePermissionsBoundary(resourceNames(env).applyRole, serviceNames(env, 'web').taskRole),
  'apply: iam:PutRolePermissionsBoundary AdministratorAccess on the task role': (a, env) => a.putRolePermissionsBoundary(resourceNames(env).applyRole, serviceNames(env, 'web').taskRole, ADMIN),
  'apply: iam:AttachRolePolicy AdministratorAccess on the task role': (a, env) => a.attachRolePolicy(resourceNames(env).applyRole, serviceNames(env, 'web').taskRole, ADMIN),
  'apply: iam:CreatePolicyVersion "Action": "*" of the boundary': (a, env) => a.createPolicyVersion(resourceNames(env).applyRole, a.policyArn(`${resourceNames(env).prefix}-workload-boundary`), EVERYTHING),
  'apply: iam:DeletePolicy of the boundary': (a, env) => a.request(resourceNames(env).applyRole, 'iam:DeletePolicy', a.policyArn(`${resourceNames(env).prefix}-workload-boundary`)),
  'apply: iam:PutRolePolicy "Action": "*" on the plan role': (a, env) => a.putRolePolicy(resourceNames(env).applyRole, resourceNames(env).planRole, 'all', EVERYTHING),
  'apply: iam:PutRolePolicy on its own role': (a, env) => a.putRolePolicy(resourceNames(env).applyRole, resourceNames(env).applyRole, 'all', EVERYTHING),
  'apply: sts:AssumeRole the deploy role': (a, env) => a.assumeRole({ role: resourceNames(env).applyRole }, resourceNames(env).deployRole),
};

const PROD_ONLY: Record<string, { who: string; scenario: Scenario }> = {
  'the deploy identity approves its own production traffic shift': {
    who: 'deploy',
    *scenario(account, env) {
      yield ['deploy: codedeploy:ContinueDeployment', account.request(resourceNames(env).deployRole, 'codedeploy:ContinueDeployment', '*')];
    },
  },
};

describe.each([
  ['dev', dev, SCENARIOS],
  ['prod', prod, { ...SCENARIOS, ...PROD_ONLY }],
] as const)('%s: escalation paths of issue 12', (_name, env, scenarios) => {
  const now = accountNow(env);

  test.each(Object.keys(scenarios))('%s: refused now, and went through before the fix', (title) => {
    const { scenario } = scenarios[title];
    // GIVEN the account as the stack synthesizes it WHEN the attacker takes each step THEN one step is refused
    const after = attempt(accountNow(env), env, scenario);
    expect(after.refused).toBeDefined();
    // GIVEN the account before issue 12 WHEN the same steps are taken THEN every one of them went through
    const before = attempt(accountBefore(env), env, scenario);
    expect({ refused: before.refused?.what, steps: before.steps.length }).toEqual({ refused: undefined, steps: before.steps.length });
    expect(before.steps.length).toBeGreaterThanOrEqual(after.steps.length);
  });

  test('where each path stops now, and by which statement (the table in docs/guardrails.md)', () => {
    const stops = Object.fromEntries(Object.entries(scenarios).map(([title, { scenario }]) => {
      const r = attempt(accountNow(env), env, scenario);
      return [title, `${r.refused?.what} ← ${r.refused?.decision.statement ?? 'no Allow'}`];
    }));
    const x = `${resourceNames(env).prefix}-x`;
    expect(stops).toEqual({
      'apply role creates a role trusting itself, gives it "Action": "*" and assumes it': 'apply: iam:CreateRole trusted by the apply role, no boundary ← NeverAnUnboundedRole',
      'apply role creates a bounded role trusting itself and assumes it (the boundary it must set does not save it)': 'apply: sts:AssumeRole ← NeverAssumeRoles',
      'apply role creates a bounded role trusted by another account, which assumes it from outside': `${x}: iam:CreateUser ← no Allow in the permissions boundary`,
      'apply role widens the task role and hands it to a task (a merged pull request can declare the same)': `${serviceNames(env, 'web').taskRole}: iam:CreateUser ← no Allow in the permissions boundary`,
      'apply role points a workload role\'s trust at itself and assumes it': 'apply: sts:AssumeRole the execution role ← NeverAssumeRoles',
      'apply role passes a project-prefixed role it created to ECS tasks': 'apply: iam:PassRole it to ECS tasks ← no Allow',
      'a pull request reads the database secret with the plan role': 'plan: ssm:GetParameter /<project>/<env>/database-url ← NeverReadSecrets',
      'a pull request takes (or breaks) the state lock with the plan role': 'plan: s3:PutObject on the lock file ← NeverWriteStateOrLock',
      ...(web(env).deployment.strategy === 'blue-green' ? { 'the deploy identity approves its own production traffic shift': 'deploy: codedeploy:ContinueDeployment ← no Allow' } : {}),
    });
  });

  test.each(Object.keys(GUARDS))('the boundary and the CI roles stay out of reach: %s is refused', (what) => {
    expect(GUARDS[what](accountNow(env), env)).toMatchObject({ allowed: false });
  });

  test('what the identities still may do: the workload roles are manageable, the bounded apply path works, approval is the approval role\'s', () => {
    const n = { ...resourceNames(env), ...serviceNames(env, 'web') };
    const boundary = now.policyArn(`${n.prefix}-workload-boundary`);
    const acct = accountNow(env);
    // Terraform's own calls for a new workload role: bounded CreateRole, PutRolePolicy, PassRole to its service
    expect(acct.createRole(n.applyRole, `${n.prefix}-worker`, trustedBy(`arn:aws:iam::${env.accountId}:root`), boundary).allowed).toBe(true);
    expect(acct.putRolePolicy(n.applyRole, n.taskRole, 'inline', { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] }).allowed).toBe(true);
    expect(acct.request(n.applyRole, 'iam:PassRole', acct.roleArn(n.executionRole), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }).allowed).toBe(true);
    expect(acct.request(n.applyRole, 'iam:PassRole', acct.roleArn(n.executionRole), { 'iam:PassedToService': 'ec2.amazonaws.com' }).allowed).toBe(false);
    // and what the workloads need stays within the boundary
    expect(acct.request(n.executionRole, 'ssm:GetParameters', web(env).secrets.DATABASE_URL).allowed).toBe(true);
    if (web(env).deployment.strategy === 'blue-green') {
      expect(acct.request(`${n.prefix}-ci-approve`, 'codedeploy:ContinueDeployment', '*').allowed).toBe(true);
    }
  });
});
