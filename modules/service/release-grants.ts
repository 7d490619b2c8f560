import type { AppService } from '../app-service';
import type { PolicyStatement, Role } from '../iam';
import type { ContainerRegistry } from '../registry';
import { registryPullStatementsFor } from '../private-registry';
import { registryPullGrants } from './containers';
import { RELEASE_OWNER, RELEASE_TAG } from '../../contracts/tags';

/**
 * What the release CLI needs to ship a set of services and nothing more (the services one application repository
 * deploys): register revisions of their families (tagging them while registering), mark its own revisions deployed
 * (one tag key, only on revisions it registered), update those services (each only to revisions of its own family),
 * run one-off tasks from those families in the cluster (tagged as such), follow tasks of the cluster and stop only its
 * one-off tasks, pass exactly those services' roles to ECS tasks, read the image digest, read/write their release
 * pointers, read their descriptors, logs and schedules.
 *
 * Statements whose resources can be listed together are one statement over all the services (an inline policy holds
 * 10,240 characters); a statement whose condition pairs a service with its own family (UpdateService) or with its
 * own ECS Exec setting is one per service or per setting. Each action's resource scope follows the Service
 * Authorization Reference: only DescribeTaskDefinition and ListTaskDefinitions have no resource type and take "*".
 */
export interface ReleaseStatements {
  readonly scoped: PolicyStatement[];
  /** Statements on "*", each with the reason AWS offers no resource scope. */
  readonly unscoped: { readonly reason: string; readonly statement: PolicyStatement }[];
}

const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

export function releaseStatements(services: readonly AppService[]): ReleaseStatements {
  if (services.length === 0) throw new Error('releaseStatements: services: received []; allowed: at least one service');
  const first = services[0];
  const { region, accountId, partition } = first;
  const clusterName = first.names.cluster;
  const ecs = `arn:${partition}:ecs:${region}:${accountId}`;
  const familyArn = (s: AppService) => `${ecs}:task-definition/${s.names.family}:*`;
  const families = services.map(familyArn);
  const taskArns = `${ecs}:task/${clusterName}/*`;
  const longRunning = services.filter((s) => s.service);
  const execStaysOff = { StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } };
  const scoped: PolicyStatement[] = [
    { Sid: 'RegisterRevisionsOfFamily', Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition'], Resource: families },
    {
      // Tags are copied onto each new revision while it is registered.
      Sid: 'TagRevisionsWhileRegistering',
      Effect: 'Allow',
      Action: ['ecs:TagResource'],
      Resource: families,
      Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    },
    {
      // After a rollout completes ecs-release tags the revision `ecs-release:deployed-at` (rollback looks for it). Only
      // that one key (ForAllValues alone would also match a request without tags, hence the Null check), and only on
      // revisions ecs-release registered: Terraform's revision stays untouched (a tag there would be drift).
      Sid: 'MarkOwnRevisionsDeployed',
      Effect: 'Allow',
      Action: ['ecs:TagResource'],
      Resource: families,
      Condition: {
        StringEquals: { [`aws:ResourceTag/${RELEASE_TAG.owner}`]: RELEASE_OWNER },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [RELEASE_TAG.deployed] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
    {
      // `ecs-release revisions prune`: only revisions ecs-release registered; Terraform's carry `terraform` and stay.
      Sid: 'DeregisterOwnRevisions',
      Effect: 'Allow',
      Action: ['ecs:DeregisterTaskDefinition'],
      Resource: families,
      Condition: { StringEquals: { [`aws:ResourceTag/${RELEASE_TAG.owner}`]: RELEASE_OWNER } },
    },
  ];
  if (longRunning.length) {
    scoped.push({ Sid: 'DescribeThisService', Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: longRunning.map((s) => `${ecs}:service/${clusterName}/${s.names.service}`) });
    // How a deployment ended, typed (ecs-release's wait): listed per service, described per service deployment.
    scoped.push({ Sid: 'ListThisServiceDeployments', Effect: 'Allow', Action: ['ecs:ListServiceDeployments'], Resource: longRunning.map((s) => `${ecs}:service/${clusterName}/${s.names.service}`) });
    scoped.push({ Sid: 'DescribeThisServiceDeployments', Effect: 'Allow', Action: ['ecs:DescribeServiceDeployments'], Resource: longRunning.map((s) => `${ecs}:service-deployment/${clusterName}/${s.names.service}/*`) });
  }
  for (const s of longRunning) {
    // UpdateService needs no iam:PassRole: without the family condition the service could be pointed at another
    // family's revision running with that family's (possibly broader) task role. One statement per service.
    scoped.push({
      Sid: longRunning.length === 1 ? 'UpdateThisService' : `UpdateService${pascal(s.names.service)}`,
      Effect: 'Allow',
      Action: ['ecs:UpdateService'],
      Resource: `${ecs}:service/${clusterName}/${s.names.service}`,
      Condition: { ArnLikeIfExists: { 'ecs:task-definition': familyArn(s) }, ...(s.config.enableExecuteCommand ? {} : execStaysOff) },
    });
  }
  // Where Exec is off, the deploy identity cannot switch it on through RunTask.
  for (const [sid, group] of [
    ['RunOneOffTasks', services.filter((s) => !s.config.enableExecuteCommand)],
    ['RunOneOffTasksWithExec', services.filter((s) => s.config.enableExecuteCommand)],
  ] as const) {
    if (group.length === 0) continue;
    scoped.push({
      Sid: sid,
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: group.map(familyArn),
      Condition: { ArnEquals: { 'ecs:cluster': first.cluster.arn }, ...(sid === 'RunOneOffTasks' ? execStaysOff : {}) },
    });
  }
  scoped.push(
    {
      // `ecs-release run` tags its one-off task at RunTask; tags can be set only while the task is created.
      Sid: 'TagOneOffTasksAtRunTask',
      Effect: 'Allow',
      Action: ['ecs:TagResource'],
      Resource: taskArns,
      Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    },
    {
      // ListTasks authorizes against container-instance ARNs of the cluster (Service Authorization Reference).
      Sid: 'FollowTasks',
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks', 'ecs:ListTasks'],
      Resource: [taskArns, `${ecs}:container-instance/${clusterName}/*`],
    },
    {
      // Stopping a migration that went wrong, never a service's own tasks: only tasks carrying the one-off tag.
      Sid: 'StopOnlyOneOffTasks',
      Effect: 'Allow',
      Action: ['ecs:StopTask'],
      Resource: taskArns,
      Condition: { StringEquals: { [`aws:ResourceTag/${RELEASE_TAG.oneOff}`]: 'true' } },
    },
    {
      Sid: 'PassOnlyThisServicesRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: services.flatMap((s) => [s.task.executionRole.arn, s.task.taskRole.arn]),
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    { Sid: 'ReleasePointer', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: services.map((s) => s.task.releaseParameter.arn) },
    { Sid: 'ReadDescriptor', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: services.map((s) => s.descriptorParameter.arn) },
    {
      // CloudWatch Logs authorizes these against "log-group:<name>:*" (its IAM documentation).
      Sid: 'ReadServiceEventsAndLogs',
      Effect: 'Allow',
      Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'],
      Resource: services.map((s) => `${s.logGroupArn}:*`),
    },
  );
  const scheduled = services.filter((s) => s.scheduled);
  if (scheduled.length) {
    // A release never changes a schedule (its target names the family without a revision); reading it lets
    // `ecs-release status` and `verify` show which revision the next run takes.
    scoped.push({ Sid: 'ReadSchedules', Effect: 'Allow', Action: ['scheduler:GetSchedule'], Resource: scheduled.map((s) => s.scheduled!.schedule.arn) });
  }
  // Services pulling from a private registry (issue 16): ecs-release resolves tags there with the very secret the
  // tasks pull with (and its key, only through Secrets Manager): exactly those secrets, nothing for the others.
  scoped.push(...registryPullStatementsFor(services.flatMap((s) => registryPullGrants({ ...s.config, sidecars: {} }))));
  scoped.push(...verifyStatements(services));
  const unscoped = [
    {
      reason: 'ecs:DescribeTaskDefinition and ecs:ListTaskDefinitions have no resource-level permissions in AWS (Service Authorization Reference); both only read task-definition metadata.',
      statement: { Sid: 'DescribeWithoutResourceScope', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'], Resource: '*' } as PolicyStatement,
    },
    {
      reason: 'ssm:DescribeParameters has no resource-level permissions in AWS (Service Authorization Reference); it returns parameter metadata, never values.',
      statement: { Sid: 'VerifySecretsExist', Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' } as PolicyStatement,
    },
  ];
  return { scoped, unscoped };
}

/**
 * `ecs-release verify`: read that each service's two roles exist and trust ECS tasks (GetRole returns the trust
 * policy), which inline policies the execution roles have (to evaluate their secret grants), and that each configured
 * Secrets Manager secret exists: DescribeSecret returns metadata, never values.
 */
function verifyStatements(services: readonly AppService[]): PolicyStatement[] {
  const out: PolicyStatement[] = [
    { Sid: 'VerifyServiceRoles', Effect: 'Allow', Action: ['iam:GetRole'], Resource: services.flatMap((s) => [s.task.executionRole.arn, s.task.taskRole.arn]) },
    {
      Sid: 'VerifyExecutionRoleGrants',
      Effect: 'Allow',
      Action: ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'],
      Resource: services.map((s) => s.task.executionRole.arn),
    },
  ];
  const secretsManager = services
    .flatMap((s) => [...Object.values(s.config.secrets), ...Object.values(s.config.sidecars).flatMap((c) => Object.values(c.secrets))])
    .filter((arn) => arn.split(':')[2] === 'secretsmanager')
    .map((arn) => arn.split(':').slice(0, 7).join(':'))
    // Private-registry pull secrets (issue 16): verify checks them like the task's other secrets.
    .concat(services.flatMap((s) => registryPullGrants(s.config).map((g) => g.secretArn)));
  if (secretsManager.length > 0) {
    out.push({ Sid: 'VerifySecretsManagerSecretsExist', Effect: 'Allow', Action: ['secretsmanager:DescribeSecret'], Resource: [...new Set(secretsManager)].sort() });
  }
  return out;
}

/** Grants `role` the release of `services` (see releaseStatements), the image metadata and each blue/green service's CodeDeploy. */
export function grantRelease(role: Role, services: readonly AppService[], registry: ContainerRegistry): void {
  const { scoped, unscoped } = releaseStatements(services);
  for (const u of unscoped) role.addStatementsWithoutResourceScope(u.reason, u.statement);
  role.addStatements(...scoped);
  registry.grantReadMetadata(role);
  for (const s of services) s.blueGreen?.grantRelease(role);
}
