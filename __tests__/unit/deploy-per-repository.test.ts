import { evaluate, evaluateTrust, type PolicyDocument } from '../helpers/iam-evaluator';
import { dev, resources, synth, variant } from '../helpers/stacks';

/**
 * Least privilege per application repository, proven by evaluating the synthesized policies: with two repositories,
 * each one's deploy identity releases only the services configuration assigns to it (`deployedBy`).
 */
describe('a deploy identity per application repository', () => {
  const api = 'example-org/webapp';
  const jobs = 'example-org/jobs';
  const env = variant(dev, {
    ci: { appRepositories: [api, jobs] },
    services: { web: { deployedBy: [api] }, worker: { deployedBy: [jobs] }, nightly: { deployedBy: [jobs] } },
  });
  const { tf } = synth(env);
  const roleOf = (prefix: string) => Object.entries(resources(tf, 'aws_iam_role')).find(([id]) => id.startsWith(prefix))![1];
  const policyOf = (prefix: string) => JSON.parse(String(Object.entries(resources(tf, 'aws_iam_role_policy')).find(([id]) => id.startsWith(prefix))![1].policy)) as PolicyDocument;
  const identities: Record<string, { role: Record<string, unknown>; policy: PolicyDocument }> = { [api]: { role: roleOf('ci_deploy_role_'), policy: policyOf('ci_deploy_policy_') }, [jobs]: { role: roleOf('ci_deploy-1_role_'), policy: policyOf('ci_deploy-1_policy_') } };
  // Requests spelled as the synthesized policy spells resources (partition and references unresolved, as IAM would see them resolved alike).
  const ecs = `arn:\${data.aws_partition.partition.partition}:ecs:eu-west-1:${env.accountId}`;
  const ref = (type: string, prefix: string) => `\${${type}.${Object.keys(resources(tf, type)).find((id) => id.startsWith(prefix))!}.arn}`;
  const can = (repo: string, action: string, resource: string, context: Record<string, string | string[]> = {}) => evaluate(identities[repo].policy, { action, resource, context }).allowed;

  test('each role is named for its repository and trusted by that repository\'s deploy.yml subject only', () => {
    expect(identities[api].role.name).toBe('webapp-dev-ci-deploy');
    expect(identities[jobs].role.name).toBe('webapp-dev-ci-deploy-jobs');
    const subject = (repo: string) => `repo:${repo}:environment:dev:ref:refs/heads/main:job_workflow_ref:example-org/webapp-infra/.github/workflows/deploy.yml@refs/heads/main`;
    for (const [repo, other] of [[api, jobs], [jobs, api]]) {
      const trust = JSON.parse(String(identities[repo].role.assume_role_policy)) as PolicyDocument;
      const ask = (sub: string) => evaluateTrust(trust, { action: 'sts:AssumeRoleWithWebIdentity', principal: { Federated: (trust.Statement[0].Principal as { Federated: string }).Federated }, context: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': sub } }).allowed;
      expect(ask(subject(repo))).toBe(true);
      expect(ask(subject(other))).toBe(false);
    }
  });

  test.each([
    ['registers a revision of', 'ecs:RegisterTaskDefinition', (s: string) => `${ecs}:task-definition/webapp-dev-${s}:7`, {}],
    ['points the service at its own revision', 'ecs:UpdateService', (s: string) => `${ecs}:service/webapp-dev/${s}`, (s: string) => ({ 'ecs:task-definition': `${ecs}:task-definition/webapp-dev-${s}:7` })],
    ['writes the release pointer of', 'ssm:PutParameter', (s: string) => ref('aws_ssm_parameter', `services_${s}_task-definition_release-image_`), {}],
    ['passes the task role of', 'iam:PassRole', (s: string) => ref('aws_iam_role', `services_${s}_task-definition_task-role_`), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }],
  ] as const)('%s its own services only', (_what, action, resourceOf, contextOf) => {
    const context = (s: string) => (typeof contextOf === 'function' ? contextOf(s) : contextOf);
    const mine = { [api]: ['web'], [jobs]: ['worker', 'nightly'] } as Record<string, string[]>;
    for (const repo of [api, jobs]) {
      for (const service of ['web', 'worker', 'nightly']) {
        if (action === 'ecs:UpdateService' && service === 'nightly') continue; // a scheduled task has no ECS service
        const own = mine[repo].includes(service);
        // THEN allowed exactly on the services configuration assigns to the repository
        expect([repo, service, can(repo, action, resourceOf(service), context(service))]).toEqual([repo, service, own]);
      }
    }
  });

  test('the worker\'s repository cannot point the worker at the web family (a revision running another task role)', () => {
    expect(can(jobs, 'ecs:UpdateService', `${ecs}:service/webapp-dev/worker`, { 'ecs:task-definition': `${ecs}:task-definition/webapp-dev-worker:3` })).toBe(true);
    expect(can(jobs, 'ecs:UpdateService', `${ecs}:service/webapp-dev/worker`, { 'ecs:task-definition': `${ecs}:task-definition/webapp-dev-web:3` })).toBe(false);
  });

  test('a configuration naming an unknown repository is refused before any role exists', () => {
    expect(() => variant(dev, { services: { worker: { deployedBy: ['example-org/jobs'] } } })).toThrow('services.worker.deployedBy.0: received "example-org/jobs"; allowed: one of ci.appRepositories (example-org/webapp)');
  });
});
