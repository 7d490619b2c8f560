import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, evaluateTrust, type PolicyDocument } from '../helpers/iam-evaluator';
import { operatorRolePolicy } from '../helpers/release-permissions';
import { web, dev, policy, prod, resources, synth } from '../helpers/stacks';
import { operatorRoleProps } from '../../modules/operator-access';
import { serviceNames } from '../../environments/names';

/**
 * The operator identity (modules/operator-access.ts): what people on call may do with exec, logs, tasks and scale,
 * proven with the IAM evaluator against the synthesized policy, not by reading it.
 */
describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s operator identity', (name, env) => {
  const tf = synth(env).tf;
  const role = Object.entries(resources(tf, 'aws_iam_role')).find(([id]) => id.startsWith('ci_operator_role_'))![1];
  const doc: PolicyDocument = operatorRolePolicy(env);
  const ecs = `arn:aws:ecs:${env.region}:${env.accountId}`;
  const cluster = `${ecs}:cluster/webapp-${name}`;
  const task = `${ecs}:task/webapp-${name}/0123456789abcdef0123456789abcdef`;
  const otherTask = `${ecs}:task/other-cluster/0123456789abcdef0123456789abcdef`;
  const allowed = (action: string, resource: string, context: Record<string, string | string[]> = {}) => evaluate(doc, { action, resource, context }).allowed;

  test('GIVEN the Identity Center permission set of this environment WHEN it assumes the role THEN allowed; any other principal of the account is not', () => {
    const trust = policy(role.assume_role_policy) as unknown as PolicyDocument;
    const sso = `arn:aws:iam::${env.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_webapp-${name}-operator_0123abcd`;
    const assume = (arn: string) => evaluateTrust(trust, { action: 'sts:AssumeRole', principal: { AWS: arn }, context: { 'aws:PrincipalArn': arn } }).allowed;
    expect(assume(sso)).toBe(true);
    expect(assume(`arn:aws:iam::${env.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123abcd`)).toBe(false);
    expect(assume(`arn:aws:iam::${env.accountId}:role/webapp-${name}-ci-deploy`)).toBe(false);
    expect(assume(`arn:aws:iam::999999999999:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_webapp-${name}-operator_0123abcd`)).toBe(false);
  });

  test('ECS Exec: only where the configuration turns it on, only in this cluster', () => {
    const ctx = { 'ecs:cluster': cluster, 'ecs:container-name': 'app' };
    expect(allowed('ecs:ExecuteCommand', task, ctx)).toBe(web(env).enableExecuteCommand);
    expect(allowed('ecs:ExecuteCommand', cluster, ctx)).toBe(web(env).enableExecuteCommand);
    expect(allowed('ecs:ExecuteCommand', otherTask, { 'ecs:cluster': `${ecs}:cluster/other-cluster` })).toBe(false);
  });

  test('tasks, logs and scale: reads of this service, stopping tasks of this cluster, the desired count only', () => {
    expect(allowed('ecs:ListTasks', `${ecs}:container-instance/webapp-${name}/*`)).toBe(true);
    expect(allowed('ecs:DescribeTasks', task)).toBe(true);
    expect(allowed('ecs:StopTask', task, { 'ecs:cluster': cluster })).toBe(true);
    expect(allowed('ecs:StopTask', otherTask, { 'ecs:cluster': `${ecs}:cluster/other-cluster` })).toBe(false);
    expect(allowed('logs:FilterLogEvents', `arn:aws:logs:${env.region}:${env.accountId}:log-group:${serviceNames(env, 'web').logGroup}:*`)).toBe(true);
    expect(allowed('logs:FilterLogEvents', `arn:aws:logs:${env.region}:${env.accountId}:log-group:/aws/lambda/other:*`)).toBe(false);
    const service = `${ecs}:service/webapp-${name}/web`;
    expect(allowed('ecs:UpdateService', service)).toBe(true);
    expect(allowed('application-autoscaling:DescribeScalableTargets', '*')).toBe(true);
    // never another revision (not even of the family), never switching ECS Exec on
    expect(allowed('ecs:UpdateService', service, { 'ecs:task-definition': `${ecs}:task-definition/webapp-${name}-web:3` })).toBe(false);
    expect(allowed('ecs:UpdateService', service, { 'ecs:enable-execute-command': 'true' })).toBe(false);
  });

  test('ships nothing: no revision, no task, no role, no release pointer, no scaling bounds', () => {
    expect(allowed('ecs:RegisterTaskDefinition', `${ecs}:task-definition/webapp-${name}-web:9`)).toBe(false);
    expect(allowed('ecs:RunTask', `${ecs}:task-definition/webapp-${name}-web:9`, { 'ecs:cluster': cluster })).toBe(false);
    expect(allowed('iam:PassRole', `arn:aws:iam::${env.accountId}:role/${serviceNames(env, 'web').taskRole}`, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(false);
    expect(allowed('ssm:PutParameter', `arn:aws:ssm:${env.region}:${env.accountId}:parameter${serviceNames(env, 'web').releaseParameter}`)).toBe(false);
    expect(allowed('application-autoscaling:RegisterScalableTarget', '*')).toBe(false);
    expect(allowed('ecs:TagResource', task)).toBe(false);
  });

  test('is out of the apply identity\'s reach: no permissions boundary (administrator-managed) and listed among the roles the apply role may never change', () => {
    expect(role.permissions_boundary).toBeUndefined();
    const apply = Object.entries(resources(tf, 'aws_iam_role_policy')).find(([id]) => id.startsWith('ci_apply_policy_'))![1];
    const never = policy(apply.policy).Statement.find((s) => s.Sid === 'NeverChangeTheCiRoles')!;
    expect(never.Resource).toContain(`arn:aws:iam::${env.accountId}:role/webapp-${name}-operator`);
  });

  test('every statement is documented in docs/guardrails.md (Operator identity table)', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'docs', 'guardrails.md'), 'utf8');
    const start = text.indexOf('\n## Operator identity\n');
    expect(start).toBeGreaterThan(0);
    const section = text.slice(start, text.indexOf('\n## ', start + 5));
    const documented = new Set([...section.matchAll(/^\| ([A-Za-z, ]+) \|/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim())));
    expect(doc.Statement.map((s) => s.Sid ?? '(no Sid)').filter((sid) => !documented.has(sid))).toEqual([]);
  });
});

describe('operator role properties', () => {
  const base = { accountId: '111111111111', region: 'eu-west-1', roleName: 'x-operator', services: [] };

  test('GIVEN no principals WHEN building THEN it throws naming the field', () => {
    expect(() => operatorRoleProps('op', { ...base, principalArns: [] })).toThrow('OperatorAccess op: principalArns: received []; allowed: at least one role ARN pattern of account 111111111111');
  });

  test('GIVEN a principal of another account WHEN building THEN it throws: operators come from the environment\'s own account', () => {
    expect(() => operatorRoleProps('op', { ...base, principalArns: ['arn:aws:iam::222222222222:role/admin'] })).toThrow(/principalArns: received "arn:aws:iam::222222222222:role\/admin"/);
  });
});
