import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TAG } from '../../src/release/revision';
import { evaluate, type IamRequest } from '../helpers/iam-evaluator';
import { deployRolePolicy } from '../helpers/release-permissions';
import { web, dev, policy, prod, resources, synth, type TerraformJson } from '../helpers/stacks';

/** `${<type>.<logical id>.<attribute>}` of the one resource of `type` whose logical id starts with `idPrefix`. */
/** Blue/green only: what the release CLI needs to ship through this service's CodeDeploy deployment group. */
function codeDeployStatements(name: string, accountId: string): unknown[] {
  const cd = `arn:aws:codedeploy:eu-west-1:${accountId}`;
  const app = `webapp-${name}-web`;
  return [
    {
      Sid: 'DeployThroughThisDeploymentGroup',
      Effect: 'Allow',
      Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:GetDeploymentGroup'],
      Resource: `${cd}:deploymentgroup:${app}/${app}`,
    },
    { Sid: 'ReadThisDeploymentConfig', Effect: 'Allow', Action: ['codedeploy:GetDeploymentConfig'], Resource: `${cd}:deploymentconfig:CodeDeployDefault.ECSCanary10Percent5Minutes` },
    {
      Sid: 'ReadTaskSets',
      Effect: 'Allow',
      Action: ['ecs:DescribeTaskSets'],
      Resource: [`arn:aws:ecs:eu-west-1:${accountId}:service/webapp-${name}/web`, `arn:aws:ecs:eu-west-1:${accountId}:task-set/webapp-${name}/web/*`],
    },
    {
      Sid: 'RegisterAppSpecRevisions',
      Effect: 'Allow',
      Action: ['codedeploy:GetApplication', 'codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
      Resource: `${cd}:application:${app}`,
    },
    // No resource type in the Service Authorization Reference: AWS accepts only "*" (accepted by Sid). Not
    // ContinueDeployment: the production traffic shift is the approval identity's alone.
    {
      Sid: 'StopAndFollowDeployments',
      Effect: 'Allow',
      Action: ['codedeploy:StopDeployment', 'codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget', 'codedeploy:BatchGetDeploymentTargets'],
      Resource: '*',
    },
    // Elastic Load Balancing's Describe calls have no resource-level permissions: accepted by Sid.
    {
      Sid: 'ReadTrafficRouting',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      Resource: '*',
    },
  ];
}

function ref(tf: TerraformJson, type: string, idPrefix: string, attribute: string): string {
  const ids = Object.keys(resources(tf, type)).filter((id) => id.startsWith(idPrefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${idPrefix}*, found ${ids.length}`);
  return `\${${type}.${ids[0]}.${attribute}}`;
}

describe.each([
  ['dev', dev, synth(dev).tf],
  ['prod', prod, synth(prod).tf],
] as const)('%s deploy identity (the CI role the release CLI runs as)', (name, env, tf) => {
  const role = Object.entries(resources(tf, 'aws_iam_role')).find(([id]) => id.startsWith('ci_deploy_role_'))![1];
  const inline = Object.entries(resources(tf, 'aws_iam_role_policy')).find(([id]) => id.startsWith('ci_deploy_policy_'))![1];
  const ecs = `arn:aws:ecs:eu-west-1:${env.accountId}`;
  // ARNs the deploy grant spells itself name the partition the provider reports (data.aws_partition).
  const pecs = `arn:\${data.aws_partition.partition.partition}:ecs:eu-west-1:${env.accountId}`;

  test('is assumable only by the application repositories\' main branch through the infrastructure repository\'s deploy.yml on main, in this environment', () => {
    expect(role.name).toBe(`webapp-${name}-ci-deploy`);
    expect(policy(role.assume_role_policy).Statement).toEqual([
      {
        Sid: 'Trust',
        Effect: 'Allow',
        Principal: { Federated: ref(tf, 'aws_iam_openid_connect_provider', 'ci_github_', 'arn') },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              `repo:example-org/webapp:environment:${name}:ref:refs/heads/main:job_workflow_ref:example-org/webapp-infra/.github/workflows/deploy.yml@refs/heads/main`,
            ],
          },
        },
      },
    ]);
    expect(role.max_session_duration).toBe(3600);
  });

  test('can do exactly what releasing the environment\'s services needs, statement by statement', () => {
    const services = Object.keys(env.services);
    const longRunning = services.filter((s) => env.services[s].kind !== 'scheduled');
    const fam = (s: string) => `${pecs}:task-definition/webapp-${name}-${s}:*`;
    const families = services.map(fam);
    const off = (s: string) => (env.services[s].enableExecuteCommand ? {} : { StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } });
    const roles = services.flatMap((s) => [ref(tf, 'aws_iam_role', `services_${s}_task-definition_execution-role_`, 'arn'), ref(tf, 'aws_iam_role', `services_${s}_task-definition_task-role_`, 'arn')]);
    const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
    const execOn = services.filter((s) => env.services[s].enableExecuteCommand);
    const execOff = services.filter((s) => !env.services[s].enableExecuteCommand);
    expect(policy(inline.policy).Statement).toEqual([
      // No resource type exists for these reads (Service Authorization Reference): accepted by Sid.
      { Sid: 'DescribeWithoutResourceScope', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'], Resource: '*' },
      { Sid: 'VerifySecretsExist', Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' },
      { Sid: 'RegisterRevisionsOfFamily', Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition'], Resource: families },
      { Sid: 'TagRevisionsWhileRegistering', Effect: 'Allow', Action: ['ecs:TagResource'], Resource: families, Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } } },
      // After the rollout: one tag key, only on revisions ecs-release registered (never Terraform's).
      {
        Sid: 'MarkOwnRevisionsDeployed',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: families,
        Condition: {
          StringEquals: { [`aws:ResourceTag/${TAG.owner}`]: 'ecs-release' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.deployed] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
      // revisions prune: only revisions ecs-release registered (never Terraform's).
      { Sid: 'DeregisterOwnRevisions', Effect: 'Allow', Action: ['ecs:DeregisterTaskDefinition'], Resource: families, Condition: { StringEquals: { [`aws:ResourceTag/${TAG.owner}`]: 'ecs-release' } } },
      { Sid: 'DescribeThisService', Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: longRunning.map((s) => `${pecs}:service/webapp-${name}/${s}`) },
      { Sid: 'ListThisServiceDeployments', Effect: 'Allow', Action: ['ecs:ListServiceDeployments'], Resource: longRunning.map((s) => `${pecs}:service/webapp-${name}/${s}`) },
      { Sid: 'DescribeThisServiceDeployments', Effect: 'Allow', Action: ['ecs:DescribeServiceDeployments'], Resource: longRunning.map((s) => `${pecs}:service-deployment/webapp-${name}/${s}/*`) },
      // One statement per service: each may be pointed only at revisions of its own family.
      ...longRunning.map((s) => ({
        Sid: `UpdateService${pascal(s)}`,
        Effect: 'Allow',
        Action: ['ecs:UpdateService'],
        Resource: `${pecs}:service/webapp-${name}/${s}`,
        Condition: { ArnLikeIfExists: { 'ecs:task-definition': fam(s) }, ...off(s) },
      })),
      ...(execOff.length ? [{ Sid: 'RunOneOffTasks', Effect: 'Allow', Action: ['ecs:RunTask'], Resource: execOff.map(fam), Condition: { ArnEquals: { 'ecs:cluster': ref(tf, 'aws_ecs_cluster', 'cluster_', 'arn') }, StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } } }] : []),
      ...(execOn.length ? [{ Sid: 'RunOneOffTasksWithExec', Effect: 'Allow', Action: ['ecs:RunTask'], Resource: execOn.map(fam), Condition: { ArnEquals: { 'ecs:cluster': ref(tf, 'aws_ecs_cluster', 'cluster_', 'arn') } } }] : []),
      { Sid: 'TagOneOffTasksAtRunTask', Effect: 'Allow', Action: ['ecs:TagResource'], Resource: `${pecs}:task/webapp-${name}/*`, Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } } },
      { Sid: 'FollowTasks', Effect: 'Allow', Action: ['ecs:DescribeTasks', 'ecs:ListTasks'], Resource: [`${pecs}:task/webapp-${name}/*`, `${pecs}:container-instance/webapp-${name}/*`] },
      { Sid: 'StopOnlyOneOffTasks', Effect: 'Allow', Action: ['ecs:StopTask'], Resource: `${pecs}:task/webapp-${name}/*`, Condition: { StringEquals: { [`aws:ResourceTag/${TAG.oneOff}`]: 'true' } } },
      { Sid: 'PassOnlyThisServicesRoles', Effect: 'Allow', Action: ['iam:PassRole'], Resource: roles, Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
      { Sid: 'ReleasePointer', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: services.map((s) => ref(tf, 'aws_ssm_parameter', `services_${s}_task-definition_release-image_`, 'arn')) },
      { Sid: 'ReadDescriptor', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: services.map((s) => ref(tf, 'aws_ssm_parameter', `services_${s}_descriptor_`, 'arn')) },
      { Sid: 'ReadServiceEventsAndLogs', Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'], Resource: services.map((s) => `arn:\${data.aws_partition.partition.partition}:logs:eu-west-1:${env.accountId}:log-group:/ecs/webapp-${name}/${s}:*`) },
      { Sid: 'ReadSchedules', Effect: 'Allow', Action: ['scheduler:GetSchedule'], Resource: [ref(tf, 'aws_scheduler_schedule', 'services_nightly_schedule_', 'arn')] },
      // verify: metadata reads only.
      { Sid: 'VerifyServiceRoles', Effect: 'Allow', Action: ['iam:GetRole'], Resource: roles },
      { Sid: 'VerifyExecutionRoleGrants', Effect: 'Allow', Action: ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'], Resource: services.map((s) => ref(tf, 'aws_iam_role', `services_${s}_task-definition_execution-role_`, 'arn')) },
      { Sid: 'ReadImageDigests', Effect: 'Allow', Action: ['ecr:DescribeImages', 'ecr:BatchGetImage'], Resource: ref(tf, 'aws_ecr_repository', 'registry_repository_', 'arn') },
      ...(web(env).deployment.strategy === 'blue-green' ? codeDeployStatements(name, env.accountId) : []),
    ]);
  });

  describe('evaluated as AWS would (the policy document, conditions included)', () => {
    const allowed = (action: string, resource: string, context: IamRequest['context'] = {}) => evaluate(deployRolePolicy(env), { action, resource, context }).allowed;
    const revisionArn = (n: number) => `${ecs}:task-definition/webapp-${name}-web:${n}`;
    const deployedAt = { 'aws:TagKeys': [TAG.deployed], [`aws:RequestTag/${TAG.deployed}`]: '2026-01-02T00:00:00Z' };
    const ownedBy = (owner: string) => ({ [`aws:ResourceTag/${TAG.owner}`]: owner });

    test('marks a revision ecs-release registered deployed, after its registration', () => {
      expect(allowed('ecs:TagResource', revisionArn(8), { ...deployedAt, ...ownedBy('ecs-release') })).toBe(true);
    });

    test('cannot tag Terraform\'s revision, another tag key, no key at all, or another family', () => {
      expect(allowed('ecs:TagResource', revisionArn(5), { ...deployedAt, ...ownedBy('terraform') })).toBe(false);
      expect(allowed('ecs:TagResource', revisionArn(8), { 'aws:TagKeys': [TAG.deployed, TAG.owner], ...ownedBy('ecs-release') })).toBe(false);
      expect(allowed('ecs:TagResource', revisionArn(8), { 'aws:TagKeys': [TAG.commit], ...ownedBy('ecs-release') })).toBe(false);
      expect(allowed('ecs:TagResource', revisionArn(8), { 'aws:TagKeys': [], ...ownedBy('ecs-release') })).toBe(false);
      expect(allowed('ecs:TagResource', `${ecs}:task-definition/other-family:3`, { ...deployedAt, ...ownedBy('ecs-release') })).toBe(false);
    });

    test('tags a one-off task only while RunTask creates it, and stops only tasks carrying the one-off tag', () => {
      const task = `${ecs}:task/webapp-${name}/0123456789abcdef`;
      expect(allowed('ecs:TagResource', task, { 'ecs:CreateAction': 'RunTask', 'aws:TagKeys': [TAG.oneOff] })).toBe(true);
      expect(allowed('ecs:TagResource', task, { 'aws:TagKeys': [TAG.oneOff] })).toBe(false);
      expect(allowed('ecs:StopTask', task, { [`aws:ResourceTag/${TAG.oneOff}`]: 'true' })).toBe(true);
      // the service's own tasks (propagated service tags, no one-off tag)
      expect(allowed('ecs:StopTask', task, { 'aws:ResourceTag/Project': 'webapp' })).toBe(false);
      expect(allowed('ecs:StopTask', `${ecs}:task/other-cluster/0123`, { [`aws:ResourceTag/${TAG.oneOff}`]: 'true' })).toBe(false);
    });
  });

  test('every statement is documented in docs/guardrails.md (Deploy identity table), so reviewers see the whole grant', () => {
    // GIVEN the synthesized policy and the documentation's table rows
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'guardrails.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Deploy identity'), doc.indexOf('## Apply identity'));
    const documented = new Set([...section.matchAll(/^\| ([A-Za-z, ]+) \|/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim())));
    // THEN every Sid has a row
    const sids = (deployRolePolicy(env).Statement as { Sid?: string }[]).map((st) => st.Sid ?? '(no Sid)');
    expect(sids.filter((sid) => !documented.has(sid))).toEqual([]);
  });

  test('has no managed policy attached and no other inline policy', () => {
    const attachments = Object.values(resources(tf, 'aws_iam_role_policy_attachment')).filter((a) => String(a.role).includes('ci_deploy_role_'));
    expect(attachments).toEqual([]);
    const inlines = Object.values(resources(tf, 'aws_iam_role_policy')).filter((p) => String(p.role).includes('ci_deploy_role_'));
    expect(inlines).toHaveLength(1);
  });
});
