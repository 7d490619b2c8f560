import { allServiceNames, resourceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { accountNow, EVERYTHING, trustedBy } from '../helpers/account-iam';
import { dev, prod, variant } from '../helpers/stacks';

/**
 * Issue 12's guarantees after the services reshape (issue 11): ci-escalation.test.ts attacks the `web` service's roles
 * and the first deploy role; here every workload role of every service kind (web, worker, scheduled: task, execution,
 * scheduler, CodeDeploy) and every per-repository deploy role is attacked the same way, in environments with three
 * services and two application repositories.
 */

const api = 'example-org/webapp';
const jobs = 'example-org/jobs';
const twoRepos = (base: EnvironmentConfig) =>
  variant(base, { ci: { appRepositories: [api, jobs] }, services: { web: { deployedBy: [api] }, worker: { deployedBy: [jobs] }, nightly: { deployedBy: [jobs] } } });

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe.each([
  ['dev', twoRepos(dev), ['task', 'execution', 'scheduler']],
  ['prod', twoRepos(prod), ['task', 'execution', 'scheduler', 'codedeploy']],
] as const)('%s with three services and two application repositories', (_name, env, kinds) => {
  const n = resourceNames(env);
  const boundary = accountNow(env).policyArn(`${n.prefix}-workload-boundary`);
  const services = allServiceNames(env);
  const workloadRoles = [...new Set(services.flatMap((s) => [s.taskRole, s.executionRole, s.schedulerRole, s.codedeployRole]))].filter((r) => accountNow(env).roles.has(r));
  const deployRoles = [...accountNow(env).roles.keys()].filter((r) => r.startsWith(n.deployRole));

  test('the account model has every service\'s roles and one deploy role per repository (the tests below cannot pass empty)', () => {
    // GIVEN web, worker and nightly / THEN each has a task and an execution role, nightly a scheduler role
    for (const s of services) expect(workloadRoles).toEqual(expect.arrayContaining([s.taskRole, s.executionRole]));
    expect(workloadRoles).toContain(services.find((s) => s.service === 'nightly')!.schedulerRole);
    expect(deployRoles.sort()).toEqual([n.deployRole, `${n.deployRole}-jobs`].sort());
  });

  test('every role the stack creates carries the workload boundary, except the CI and operator identities', () => {
    const ci = new Set([n.planRole, n.applyRole, n.approveRole, n.operatorRole, ...deployRoles]);
    const unbounded = [...accountNow(env).roles.values()].filter((r) => !ci.has(r.name) && r.boundary !== boundary).map((r) => r.name);
    expect(unbounded).toEqual([]);
  });

  test.each([...kinds])('every service\'s %s role: widened to "Action": "*" by the apply role, it still cannot act as an administrator', (kind) => {
    const roles = workloadRoles.filter((r) => r.endsWith(`-${kind}`));
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      // GIVEN the account as synthesized / WHEN the apply role writes "Action": "*" into the role (allowed: it manages it)
      const account = accountNow(env);
      expect([role, account.putRolePolicy(n.applyRole, role, 'all', EVERYTHING).allowed]).toEqual([role, true]);
      // THEN the boundary refuses what the design never grants, and the apply role can neither assume the role nor lift its boundary
      expect([role, account.request(role, 'iam:CreateUser', `arn:aws:iam::${env.accountId}:user/backdoor`).allowed]).toEqual([role, false]);
      expect([role, account.request(role, 'iam:AttachRolePolicy', account.roleArn(n.applyRole), { 'iam:PolicyARN': ADMIN }).allowed]).toEqual([role, false]);
      expect([role, account.assumeRole({ role: n.applyRole }, role).allowed]).toEqual([role, false]);
      expect([role, account.deleteRolePermissionsBoundary(n.applyRole, role).allowed]).toEqual([role, false]);
      expect([role, account.putRolePermissionsBoundary(n.applyRole, role, ADMIN).allowed]).toEqual([role, false]);
      expect([role, account.attachRolePolicy(n.applyRole, role, ADMIN).allowed]).toEqual([role, false]);
    }
  });

  test('every per-repository deploy role is out of the apply role\'s reach and cannot approve production traffic', () => {
    for (const role of deployRoles) {
      const account = accountNow(env);
      // WHEN the apply role tries to widen, re-trust or assume a deploy role / THEN each is refused
      expect([role, account.putRolePolicy(n.applyRole, role, 'all', EVERYTHING).allowed]).toEqual([role, false]);
      expect([role, account.updateAssumeRolePolicy(n.applyRole, role, trustedBy(account.roleArn(n.applyRole))).allowed]).toEqual([role, false]);
      expect([role, account.attachRolePolicy(n.applyRole, role, ADMIN).allowed]).toEqual([role, false]);
      expect([role, account.assumeRole({ role: n.applyRole }, role).allowed]).toEqual([role, false]);
      // and no deploy identity approves its own blue/green traffic shift, nor creates or widens a role
      expect([role, account.request(role, 'codedeploy:ContinueDeployment', '*').allowed]).toEqual([role, false]);
      expect([role, account.request(role, 'iam:PutRolePolicy', account.roleArn(services[0].taskRole)).allowed]).toEqual([role, false]);
    }
  });

  test('no deploy role can pass a service\'s execution role as a task role, nor another repository\'s service roles', () => {
    const account = accountNow(env);
    const mine: Record<string, string[]> = { [n.deployRole]: ['web'], [`${n.deployRole}-jobs`]: ['worker', 'nightly'] };
    for (const role of deployRoles) {
      for (const s of services) {
        const passTask = account.request(role, 'iam:PassRole', account.roleArn(s.taskRole), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }).allowed;
        // THEN the task role of its own services only
        expect([role, s.service, passTask]).toEqual([role, s.service, mine[role].includes(s.service)]);
        expect([role, s.service, account.request(role, 'iam:PassRole', account.roleArn(s.schedulerRole), { 'iam:PassedToService': 'scheduler.amazonaws.com' }).allowed]).toEqual([role, s.service, false]);
      }
    }
  });
});
