import { allServiceNames, resourceNames } from '../../environments/names';
import { evaluate, type PolicyDocument } from '../helpers/iam-evaluator';
import { operatorRolePolicy } from '../helpers/release-permissions';
import { dev, prod } from '../helpers/stacks';

/**
 * The operator identity of issue 15 after the services reshape (issue 11): operator-identity.test.ts proves its grants
 * on web; here every service of the shipped environments (web, worker, nightly), with the IAM evaluator: what
 * `logs`, `tasks`, `scale` and `exec` call for each kind, and nothing of another environment.
 */
describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s operator identity, every service', (_name, env) => {
  const doc: PolicyDocument = operatorRolePolicy(env);
  const ecs = `arn:aws:ecs:${env.region}:${env.accountId}`;
  const cluster = `${ecs}:cluster/${resourceNames(env).cluster}`;
  const allowed = (action: string, resource: string, context: Record<string, string | string[]> = {}) => evaluate(doc, { action, resource, context }).allowed;
  const logs = (group: string) => `arn:aws:logs:${env.region}:${env.accountId}:log-group:${group}:*`;

  test.each(allServiceNames(env).map((s) => [s.service, s] as const))('%s: its logs are readable, its descriptor too', (_s, names) => {
    // GIVEN the synthesized operator policy / WHEN `logs` reads the service's group / THEN allowed
    expect(allowed('logs:FilterLogEvents', logs(names.logGroup))).toBe(true);
    expect(allowed('logs:GetLogEvents', logs(names.logGroup))).toBe(true);
    expect(allowed('ssm:GetParameter', `arn:aws:ssm:${env.region}:${env.accountId}:parameter${names.descriptorParameter}`)).toBe(true);
  });

  test.each(allServiceNames(env).map((s) => [s.service, s, env.services[s.service].kind] as const))('%s: described and scaled (count only) exactly when it is a long-running service', (_s, names, kind) => {
    const service = `${ecs}:service/${names.cluster}/${names.service}`;
    const longRunning = kind !== 'scheduled';
    expect(allowed('ecs:DescribeServices', service)).toBe(longRunning);
    expect(allowed('ecs:UpdateService', service)).toBe(longRunning);
    // never a revision, not even of its own family
    expect(allowed('ecs:UpdateService', service, { 'ecs:task-definition': `${ecs}:task-definition/${names.family}:3` })).toBe(false);
  });

  test('the other environment\'s log groups and services stay out of reach', () => {
    const other = env.name === 'dev' ? prod : dev;
    for (const names of allServiceNames(other)) {
      expect(allowed('logs:FilterLogEvents', `arn:aws:logs:${other.region}:${other.accountId}:log-group:${names.logGroup}:*`)).toBe(false);
      expect(allowed('ecs:UpdateService', `arn:aws:ecs:${other.region}:${other.accountId}:service/${names.cluster}/${names.service}`)).toBe(false);
    }
  });

  test('ECS Exec is granted in this cluster only when some service turns it on', () => {
    const anyExec = Object.values(env.services).some((s) => s.enableExecuteCommand);
    expect(allowed('ecs:ExecuteCommand', cluster, { 'ecs:cluster': cluster })).toBe(anyExec);
  });
});
