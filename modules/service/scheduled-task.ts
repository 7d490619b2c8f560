import type { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import type { SchedulerScheduleGroup } from '@cdktf/provider-aws/lib/scheduler-schedule-group';
import type { ServiceNames } from '../../contracts/names';
import type { ScheduledServiceConfig } from '../../environments/schema';
import type { EcsCluster } from '../cluster';
import { Role } from '../iam';
import type { Network } from '../network';
import type { ServiceTaskDefinition } from './task-definition';

export interface ScheduledTaskProps {
  readonly accountId: string;
  readonly region: string;
  /** AWS partition of the account (from `data.aws_partition`). */
  readonly partition: string;
  readonly names: ServiceNames;
  readonly config: ScheduledServiceConfig;
  readonly cluster: EcsCluster;
  readonly network: Network;
  readonly task: ServiceTaskDefinition;
  readonly securityGroup: SecurityGroup;
  /** The environment's schedule group. */
  readonly group: SchedulerScheduleGroup;
}

/**
 * A task EventBridge Scheduler runs on the cluster (RunTask on Fargate, private subnets, the service's security
 * group); never a long-running ECS service.
 *
 * The target names the task-definition family ARN without a revision, so each run takes the family's latest ACTIVE
 * revision: the one `ecs-release` registered last (the released image), or the one Terraform registered after a
 * configuration change (which carries the released image too: it reads the release pointer). A release therefore
 * never changes the schedule, and a deploy never shows up as drift in it.
 *
 * The role the scheduler assumes may only run revisions of this family in this cluster, tag the task it starts, and
 * pass this task's two roles to ECS tasks.
 */
export class ScheduledTask extends Construct {
  public readonly role: Role;
  public readonly schedule: SchedulerSchedule;
  public readonly familyArn: string;

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id);
    const { config: svc, names, partition } = props;
    this.familyArn = props.task.familyArn;
    this.role = new Role(this, 'scheduler-role', {
      name: names.schedulerRole,
      description: `EventBridge Scheduler runs ${names.family} on schedule ${names.scheduleName}`,
      principal: { Service: 'scheduler.amazonaws.com' },
      // Confused-deputy guard: only schedules of this account may assume the role.
      trustConditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    });
    const inThisCluster = { ArnEquals: { 'ecs:cluster': props.cluster.arn } };
    this.role.addStatements(
      {
        // RunTask authorizes the revisionless ARN the schedule names and the revision it resolves to.
        Sid: 'RunThisFamilyInThisCluster',
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [this.familyArn, `${this.familyArn}:*`],
        Condition: inThisCluster,
      },
      {
        // ECS managed tags are written while the task is created.
        Sid: 'TagTheTaskItStarts',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: `arn:${partition}:ecs:${props.region}:${props.accountId}:task/${names.cluster}/*`,
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
      {
        Sid: 'PassOnlyThisTasksRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [props.task.executionRole.arn, props.task.taskRole.arn],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    );
    this.schedule = new SchedulerSchedule(this, 'schedule', {
      name: names.scheduleName,
      groupName: props.group.name,
      description: `Runs ${names.family} (latest ACTIVE revision)`,
      scheduleExpression: svc.schedule,
      scheduleExpressionTimezone: svc.timezone,
      state: svc.enabled ? 'ENABLED' : 'DISABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.cluster.arn,
        roleArn: this.role.arn,
        ecsParameters: {
          taskDefinitionArn: this.familyArn,
          launchType: 'FARGATE',
          platformVersion: 'LATEST',
          taskCount: 1,
          enableEcsManagedTags: true,
          enableExecuteCommand: svc.enableExecuteCommand,
          networkConfiguration: {
            subnets: props.network.privateSubnets.map((s) => s.id),
            securityGroups: [props.securityGroup.id],
            assignPublicIp: false,
          },
        },
        retryPolicy: {
          maximumRetryAttempts: svc.maximumRetryAttempts,
          maximumEventAgeInSeconds: svc.maximumEventAgeSeconds ?? 86400,
        },
      },
      // The role's policy must exist before the first run is attempted.
      dependsOn: [this.role.role, this.role.node.findChild('policy') as TerraformResource],
    });
  }
}
