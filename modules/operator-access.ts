import { Role, type PolicyStatement, type RoleProps } from './iam';
import type { WebService } from './web-service';

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
  /** The service operated. */
  readonly service: WebService;
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
  const foreign = props.principalArns.find((p) => !p.startsWith(`arn:aws:iam::${props.accountId}:role/`));
  if (foreign) throw new Error(`OperatorAccess ${id}: principalArns: received ${JSON.stringify(foreign)}; allowed: role ARN patterns of account ${props.accountId} (arn:aws:iam::${props.accountId}:role/...)`);
  return {
    name: props.roleName,
    description: 'ecs-release exec, logs, tasks and scale for people on call; ships nothing',
    principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
    trustConditions: { ArnLike: { 'aws:PrincipalArn': [...props.principalArns] } },
  };
}

/** The operator identity's grant on `props.service` (statements listed in docs/guardrails.md, Operator identity). */
export function grantOperate(role: Role, props: OperatorAccessProps): void {
  const { service } = props;
  const { names } = service;
  const ecs = `arn:aws:ecs:${props.region}:${props.accountId}`;
  const clusterArn = `${ecs}:cluster/${names.cluster}`;
  const serviceArn = `${ecs}:service/${names.cluster}/${names.service}`;
  const taskArns = `${ecs}:task/${names.cluster}/*`;
  const inThisCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
  const statements: PolicyStatement[] = [
    { Sid: 'OperatorReadDescriptor', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: service.descriptorParameter.arn },
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
    { Sid: 'OperatorReadLogs', Effect: 'Allow', Action: ['logs:FilterLogEvents', 'logs:GetLogEvents'], Resource: `${service.logGroup.arn}:*` },
  ];
  if (service.service.enableExecuteCommandInput) {
    statements.push({
      // ExecuteCommand is authorized against the cluster and the task (Service Authorization Reference).
      Sid: 'OperatorExecInThisCluster',
      Effect: 'Allow',
      Action: ['ecs:ExecuteCommand'],
      Resource: [clusterArn, taskArns],
      Condition: inThisCluster,
    });
  }
  role.addStatements(...statements);
  role.addStatementsWithoutResourceScope(
    'application-autoscaling:DescribeScalableTargets has no resource-level permissions in AWS (Service Authorization Reference); it only reads the bounds `ecs-release scale` checks.',
    { Sid: 'OperatorReadScalingBounds', Effect: 'Allow', Action: ['application-autoscaling:DescribeScalableTargets'], Resource: '*' },
  );
}
