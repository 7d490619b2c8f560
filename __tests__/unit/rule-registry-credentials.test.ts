import { rule } from '../../rules/ecs-registry-credentials-scoped';
import type { StackFacts, SynthesizedResource } from '../../rules';

const PULL = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/registry-pull-AbC123';
const DB = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/db-XyZ789';

/** A stack with one task definition and its execution role, whose inline policy holds `statements`. */
function stack(containers: Record<string, unknown>[], statements: Record<string, unknown>[]): { task: SynthesizedResource; facts: StackFacts } {
  const role: SynthesizedResource = { type: 'aws_iam_role', address: 'aws_iam_role.exec', path: 'dev/services/web/execution-role/role', attributes: { name: 'webapp-dev-web-execution' } };
  const policy: SynthesizedResource = {
    type: 'aws_iam_role_policy',
    address: 'aws_iam_role_policy.exec',
    path: 'dev/services/web/execution-role/policy',
    attributes: { role: '${aws_iam_role.exec.name}', policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) },
  };
  const task: SynthesizedResource = {
    type: 'aws_ecs_task_definition',
    address: 'aws_ecs_task_definition.web',
    path: 'dev/services/web/task',
    attributes: { execution_role_arn: '${aws_iam_role.exec.arn}', container_definitions: JSON.stringify(containers) },
  };
  return { task, facts: { stack: 'dev', production: false, target: 'offline', resources: [role, policy, task] } };
}

const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'registry.gitlab.com/acme/web@sha256:' + 'a'.repeat(64), repositoryCredentials: { credentialsParameter: PULL }, ...extra });
const read = (sid: string, resource: string | string[]) => ({ Sid: sid, Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: resource });
const evaluate = (s: ReturnType<typeof stack>) => rule.evaluate(s.task, s.facts);
const reasons = (r: ReturnType<typeof evaluate>) => (r.status === 'non-compliant' ? r.findings.map((f) => f.reason) : []);

describe('ecs-registry-credentials-scoped', () => {
  test('compliant: the role reads exactly the pull secret (full ARN) and the task\'s own secret', () => {
    const s = stack([app({ secrets: [{ name: 'DATABASE_URL', valueFrom: `${DB}:url::` }] })], [read('ReadRegistryCredentials', PULL), read('ReadSecretsManagerSecrets', DB)]);
    expect(evaluate(s)).toEqual({ status: 'compliant' });
  });

  test('not applicable: no container pulls with registry credentials (ECR)', () => {
    const s = stack([{ name: 'app', image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp@sha256:' + 'a'.repeat(64) }], []);
    expect(evaluate(s)).toEqual({ status: 'not-applicable' });
  });

  test('non-compliant: a secret name or partial ARN (no random suffix), the common trap', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/registry-pull';
    const s = stack([app({ repositoryCredentials: { credentialsParameter: partial } })], [read('ReadRegistryCredentials', `${partial}*`)]);
    const r = reasons(evaluate(s));
    expect(r[0]).toMatch(/^container app: repositoryCredentials\.credentialsParameter ".*registry-pull" is not a complete Secrets Manager secret ARN/);
    // and the wildcard grant that papers over it is reported too
    expect(r[1]).toMatch(/statement ReadRegistryCredentials of the execution role lets it read .*registry-pull\*/);
  });

  test('non-compliant: the execution role cannot read the pull secret', () => {
    const s = stack([app()], [read('ReadSecretsManagerSecrets', DB)]);
    expect(reasons(evaluate(s))).toContain(`container app: the execution role may not read its registry credentials ${PULL} (no secretsmanager:GetSecretValue on that ARN), so the image cannot be pulled`);
  });

  test('non-compliant: the execution role may read more secrets than the task references (a wildcard, another secret, NotResource)', () => {
    const s = stack([app()], [read('ReadRegistryCredentials', [PULL, DB]), read('Everything', '*'), { Sid: 'AllBut', Effect: 'Allow', Action: ['secretsmanager:*'], NotResource: [DB] }]);
    const r = reasons(evaluate(s));
    expect(r).toEqual([
      `statement ReadRegistryCredentials of the execution role lets it read ${DB}, which this task definition does not reference: grant exactly the registry credentials and the task's secrets`,
      'statement Everything of the execution role lets it read *, which this task definition does not reference: grant exactly the registry credentials and the task\'s secrets',
      'statement AllBut of the execution role lets it read NotResource, which this task definition does not reference: grant exactly the registry credentials and the task\'s secrets',
    ]);
  });

  test('non-compliant (fails closed): an execution role outside the stack cannot be checked', () => {
    const s = stack([app()], [read('ReadRegistryCredentials', PULL)]);
    const task = { ...s.task, attributes: { ...s.task.attributes, execution_role_arn: 'arn:aws:iam::111111111111:role/elsewhere' } };
    expect(reasons(rule.evaluate(task, s.facts))[0]).toMatch(/is not a role of this stack/);
  });
});
