import { Role, type PolicyStatement, type RoleProps } from './iam';
import type { AppService } from './app-service';
import { partitionOf } from '../contracts/partition';

export interface OperatorAccessProps {
  readonly accountId: string;
  readonly region: string;
  /** Role name. */
  readonly roleName: string;
  /**
   * Principals of this account that may assume the role, as `aws:PrincipalArn` patterns (ArnLike). The people on
   * call sign in through IAM Identity Center: their permission set's role is
   * `role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<permission-set>_<suffix>`.
   * Must be roles of `accountId`: another account's principals are refused at synthesis.
   */
  readonly principalArns: readonly string[];
  /** The services operated (the environment's). */
  readonly services: readonly AppService[];
}

/**
 * The operator identity: what a person on call needs for `ecs-release exec`, `logs`, `tasks` (list, stop one) and
 * `scale` in one environment, and nothing that changes which image runs (deploy, restart, rollback stay the deploy
 * identity's). Assumed with `sts:AssumeRole` by the principals in `principalArns` (an Identity Center permission set
 * per environment, by default), passed to ecs-release with `--role-arn`.
 *
 * ECS Exec is granted only where the environment's configuration turns it on (never in the shipped prod), on this
 * cluster's tasks (`ecs:cluster`); UpdateService may not change the revision nor switch ECS Exec on (`Null`
 * conditions), so scale cannot ship or open a shell where Exec is off.
 */
export function operatorRoleProps(id: string, props: OperatorAccessProps): RoleProps {
  if (props.principalArns.length === 0) throw new Error(`OperatorAccess ${id}: principalArns: received []; allowed: at least one role ARN pattern of account ${props.accountId}`);
  const foreign = props.principalArns.find((p) => !p.startsWith(`arn:${partitionOf(props.region)}:iam::${props.accountId}:role/`));
  if (foreign) throw new Error(`OperatorAccess ${id}: principalArns: received ${JSON.stringify(foreign)}; allowed: role ARN patterns of account ${props.accountId} (arn:${partitionOf(props.region)}:iam::${props.accountId}:role/...)`);
  return {
    name: props.roleName,
    description: 'ecs-release exec, logs, tasks and scale for people on call; ships nothing',
    principal: { AWS: `arn:${partitionOf(props.region)}:iam::${props.accountId}:root` },
    trustConditions: { ArnLike: { 'aws:PrincipalArn': [...props.principalArns] } },
  };
}

/** The operator identity's grant on `props.services` (statements listed in docs/guardrails.md, Operator identity). */
export function grantOperate(role: Role, props: OperatorAccessProps): void {
  const { services } = props;
  if (services.length === 0) throw new Error('grantOperate: services: received []; allowed: at least one service');
  const names = services[0].names;
  const ecs = `arn:${partitionOf(props.region)}:ecs:${props.region}:${props.accountId}`;
  const clusterArn = `${ecs}:cluster/${names.cluster}`;
  // Scheduled services have no ECS service: nothing to describe or scale there.
  const longRunning = services.filter((s) => s.service);
  const serviceArn = longRunning.map((s) => `${ecs}:service/${names.cluster}/${s.names.service}`);
  const taskArns = `${ecs}:task/${names.cluster}/*`;
  const inThisCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
  const statements: PolicyStatement[] = [
    { Sid: 'OperatorReadDescriptor', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: services.map((s) => s.descriptorParameter.arn) },
    { Sid: 'OperatorDescribeThisService', Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: serviceArn },
    {
      // ListTasks authorizes against container-instance ARNs of the cluster (Service Authorization Reference).
      Sid: 'OperatorListTasks',
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks', 'ecs:ListTasks'],
      Resource: [taskArns, `${ecs}:container-instance/${names.cluster}/*`],
    },
    {
      // The service's tasks (ECS replaces them) and one-off tasks; ecs-release refuses other services' tasks.
      Sid: 'OperatorStopTasksOfThisCluster',
      Effect: 'Allow',
      Action: ['ecs:StopTask'],
      Resource: taskArns,
      Condition: inThisCluster,
    },
    {
      // Only the desired count: no revision (Null ecs:task-definition) and no ECS Exec switch.
      Sid: 'OperatorScaleThisService',
      Effect: 'Allow',
      Action: ['ecs:UpdateService'],
      Resource: serviceArn,
      Condition: { Null: { 'ecs:task-definition': 'true', 'ecs:enable-execute-command': 'true' } },
    },
    { Sid: 'OperatorReadLogs', Effect: 'Allow', Action: ['logs:FilterLogEvents', 'logs:GetLogEvents'], Resource: services.map((s) => `${s.logGroupArn}:*`) },
  ];
  // ECS itself refuses Exec into a task whose service or RunTask did not enable it; the grant exists only where some service does.
  if (services.some((s) => s.config.enableExecuteCommand)) {
    statements.push({
      // ExecuteCommand is authorized against the cluster and the task (Service Authorization Reference).
      Sid: 'OperatorExecInThisCluster',
      Effect: 'Allow',
      Action: ['ecs:ExecuteCommand'],
      Resource: [clusterArn, taskArns],
      Condition: inThisCluster,
    });
  }
  role.addStatements(...statements.filter((st) => !Array.isArray(st.Resource) || st.Resource.length > 0));
  role.addStatementsWithoutResourceScope(
    'application-autoscaling:DescribeScalableTargets has no resource-level permissions in AWS (Service Authorization Reference); it only reads the bounds `ecs-release scale` checks.',
    { Sid: 'OperatorReadScalingBounds', Effect: 'Allow', Action: ['application-autoscaling:DescribeScalableTargets'], Resource: '*' },
  );
}
