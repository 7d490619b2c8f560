import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentConfig } from '@cdktf/provider-aws/lib/codedeploy-deployment-config';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import type { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup, type LbTargetGroupConfig } from '@cdktf/provider-aws/lib/lb-target-group';
import type { CodeDeployDescriptor, TargetGroupRef } from '../contracts/descriptor';
import type { ServiceNames } from '../contracts/names';
import type { WebServiceConfig } from '../environments/schema';
import type { EcsCluster } from './cluster';
import { Role, type PolicyStatement } from './iam';
import type { LoadBalancer } from './load-balancer';
import { partitionOf } from '../contracts/partition';

export type DeploymentSettings = WebServiceConfig['deployment'];
export type TrafficShifting = DeploymentSettings['trafficShifting'];

/** The blue/green part of the release descriptor: its schema is the contract (contracts/descriptor.ts). */
export type { CodeDeployDescriptor, TargetGroupRef };

export interface BlueGreenDeploymentProps {
  readonly names: ServiceNames;
  readonly accountId: string;
  readonly region: string;
  readonly deployment: DeploymentSettings;
  readonly cluster: EcsCluster;
  /** The service, created with the CODE_DEPLOY deployment controller. */
  readonly service: EcsService;
  readonly containerName: string;
  readonly containerPort: number;
  readonly loadBalancer: LoadBalancer;
  /** The target group the service is created on; green gets the same settings under `names.greenTargetGroup`. */
  readonly blueTargetGroup: LbTargetGroup;
  readonly targetGroupConfig: LbTargetGroupConfig;
  /** The task's execution and task roles: CodeDeploy passes them to ECS when it creates the replacement task set. */
  readonly passRoles: Role[];
}

/** The deployment configurations CodeDeploy predefines for ECS, by traffic shifting. */
const PREDEFINED_ECS_CONFIGS: Record<string, string> = {
  'all-at-once': 'CodeDeployDefault.ECSAllAtOnce',
  'canary-10-5': 'CodeDeployDefault.ECSCanary10Percent5Minutes',
  'canary-10-15': 'CodeDeployDefault.ECSCanary10Percent15Minutes',
  'linear-10-1': 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
  'linear-10-3': 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
};

/** The predefined configuration matching `shift`, or undefined when a custom one is needed. */
/** Why the load-balancer Describe calls are granted on "*" (the accepted risk listed in the policy report). */
const CODEDEPLOY_UNSCOPED_REASON =
  'codedeploy:ContinueDeployment, StopDeployment and the deployment-target reads have no resource type in the Service Authorization Reference, so AWS only accepts "*"; ecs-release calls them only with deployment ids it read from this deployment group (GetDeployment/ListDeployments, which are scoped to it).';
const ELB_DESCRIBE_REASON =
  'Elastic Load Balancing Describe actions support no resource-level permissions, so AWS only accepts "*" for them; they are read-only.';

export function predefinedDeploymentConfig(shift: TrafficShifting): string | undefined {
  const key = shift.type === 'all-at-once' ? shift.type : `${shift.type}-${shift.percent}-${shift.intervalMinutes}`;
  return PREDEFINED_ECS_CONFIGS[key];
}

/**
 * ECS blue/green deployments through CodeDeploy for one service: the second ("green") target group, the hand-over of
 * the production and test listeners to CodeDeploy, rollback alarms, the CodeDeploy application, deployment
 * configuration and deployment group, and CodeDeploy's service role.
 *
 * Coexistence: CodeDeploy owns three things after the first deployment, and Terraform ignores exactly those: the
 * forward target of both listeners' default action (see `LoadBalancer.forwardForBlueGreen`), and the service's
 * `load_balancer` and `task_definition` (set by `WebService`). Everything else here (health checks, alarms,
 * traffic shifting, waits) stays Terraform's and applies normally.
 *
 * Secure by default:
 * - the service role gets a scoped inline policy instead of AWS's `AWSCodeDeployRoleForECS`, which allows
 *   ModifyListener/ModifyRule on every load balancer of the account, ECS task-set calls on every service, PassRole of
 *   any role to ECS tasks, Lambda invoke, SNS publish and S3 reads: here only this service's task sets, these two
 *   listeners (and their rules), these alarms and this service's two roles;
 * - automatic rollback is on for failed deployments and for alarms, and an alarm CodeDeploy cannot read stops the
 *   deployment (`ignore_poll_alarm_failure = false`, AWS's default too, stated so that a change shows in review);
 * - the test listener only admits the configured test CIDRs (`LoadBalancer`).
 */
export class BlueGreenDeployment extends Construct {
  public readonly greenTargetGroup: LbTargetGroup;
  public readonly productionListener: LbListener;
  public readonly testListener: LbListener;
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  public readonly application: CodedeployApp;
  /** Only when the traffic shifting is not one CodeDeploy predefines. */
  public readonly deploymentConfig?: CodedeployDeploymentConfig;
  public readonly deploymentConfigName: string;
  public readonly serviceRole: Role;
  public readonly deploymentGroup: CodedeployDeploymentGroup;
  public readonly descriptor: CodeDeployDescriptor;
  private readonly props: BlueGreenDeploymentProps;

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentProps) {
    super(scope, id);
    this.props = props;
    const { names, deployment: d } = props;
    if (d.strategy !== 'blue-green') {
      throw new Error(`BlueGreenDeployment ${id}: deployment.strategy: received ${JSON.stringify(d.strategy)}; allowed: "blue-green"`);
    }

    this.greenTargetGroup = new LbTargetGroup(this, 'green-tg', {
      ...props.targetGroupConfig,
      name: names.greenTargetGroup,
      tags: { ...props.targetGroupConfig.tags, Name: names.greenTargetGroup },
    });
    const listeners = props.loadBalancer.forwardForBlueGreen(props.blueTargetGroup);
    this.productionListener = listeners.production;
    this.testListener = listeners.test;

    for (const [color, tg] of [['blue', props.blueTargetGroup], ['green', this.greenTargetGroup]] as const) {
      this.alarms.push(...this.rollbackAlarms(color, tg));
    }
    // Literal names for the role and the descriptor; references for the group, so the alarms exist before it.
    const alarmNames = [...this.alarms.map((a) => a.alarmNameInput!), ...d.rollbackAlarms.additionalAlarmNames];
    const alarmRefs = [...this.alarms.map((a) => a.alarmName), ...d.rollbackAlarms.additionalAlarmNames];

    this.application = new CodedeployApp(this, 'application', { name: names.codedeployApplication, computePlatform: 'ECS' });

    const predefined = predefinedDeploymentConfig(d.trafficShifting);
    if (predefined) {
      this.deploymentConfigName = predefined;
    } else {
      const shift = d.trafficShifting as Exclude<TrafficShifting, { type: 'all-at-once' }>;
      // The name carries the parameters: a change creates the new configuration before the old one is deleted.
      const name = `${names.codedeployApplication}-${shift.type}-${shift.percent}pct-${shift.intervalMinutes}min`;
      const timeBased = { percentage: shift.percent, interval: shift.intervalMinutes };
      this.deploymentConfig = new CodedeployDeploymentConfig(this, 'config', {
        deploymentConfigName: name,
        computePlatform: 'ECS',
        trafficRoutingConfig:
          shift.type === 'canary'
            ? { type: 'TimeBasedCanary', timeBasedCanary: timeBased }
            : { type: 'TimeBasedLinear', timeBasedLinear: timeBased },
        lifecycle: { createBeforeDestroy: true },
      });
      this.deploymentConfigName = name;
    }

    this.serviceRole = new Role(this, 'codedeploy', {
      name: names.codedeployRole,
      description: `CodeDeploy blue/green deployments of ${names.family}: task sets of this service, these listeners`,
      principal: { Service: 'codedeploy.amazonaws.com' },
    });
    const statements = this.serviceRoleStatements(alarmNames);
    this.serviceRole.addStatements(...statements.filter((st) => st.Resource !== '*'));
    this.serviceRole.addStatementsWithoutResourceScope(ELB_DESCRIBE_REASON, ...statements.filter((st) => st.Resource === '*'));

    this.deploymentGroup = new CodedeployDeploymentGroup(this, 'group', {
      appName: this.application.name,
      deploymentGroupName: names.codedeployGroup,
      serviceRoleArn: this.serviceRole.arn,
      // The custom configuration by reference, so Terraform creates it first.
      deploymentConfigName: this.deploymentConfig?.deploymentConfigName ?? this.deploymentConfigName,
      deploymentStyle: { deploymentOption: 'WITH_TRAFFIC_CONTROL', deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfig: {
        // A wait time holds the replacement (reachable on the test listener) until `ecs-release approve`
        // (ContinueDeployment); without approval in time the deployment stops before production traffic moves.
        deploymentReadyOption:
          d.approvalWaitMinutes > 0
            ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: d.approvalWaitMinutes }
            : { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: d.terminationWaitMinutes },
      },
      ecsService: { clusterName: props.cluster.cluster.name, serviceName: props.service.name },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          prodTrafficRoute: { listenerArns: [this.productionListener.arn] },
          testTrafficRoute: { listenerArns: [this.testListener.arn] },
          targetGroup: [{ name: props.blueTargetGroup.name }, { name: this.greenTargetGroup.name }],
        },
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarmConfiguration: { enabled: true, alarms: alarmRefs, ignorePollAlarmFailure: false },
      // CodeDeploy checks the role when the group is created: grant it first.
      dependsOn: [this.serviceRole.role, this.serviceRole.node.findChild('policy') as IamRolePolicy],
    });

    this.descriptor = {
      application: names.codedeployApplication,
      deploymentGroup: names.codedeployGroup,
      deploymentConfig: this.deploymentConfigName,
      containerName: props.containerName,
      containerPort: props.containerPort,
      targetGroups: {
        blue: { name: names.targetGroup, arn: props.blueTargetGroup.arn },
        green: { name: names.greenTargetGroup, arn: this.greenTargetGroup.arn },
      },
      productionListenerArn: this.productionListener.arn,
      testListenerArn: this.testListener.arn,
      testListenerUrl: props.loadBalancer.testUrl!,
      approvalWaitMinutes: d.approvalWaitMinutes,
      terminationWaitMinutes: d.terminationWaitMinutes,
      rollbackAlarms: alarmNames,
    };
  }

  /**
   * 5xx rate and unhealthy hosts of one target group. Both target groups are watched because CodeDeploy alternates:
   * the replacement tasks land in whichever group is not live. No alarm actions: CodeDeploy polls the alarms.
   */
  private rollbackAlarms(color: 'blue' | 'green', tg: LbTargetGroup): CloudwatchMetricAlarm[] {
    const a = this.props.deployment.rollbackAlarms;
    const prefix = `${this.props.names.alarmPrefix}-${color}`;
    const dimensions = { TargetGroup: tg.arnSuffix, LoadBalancer: this.props.loadBalancer.alb.arnSuffix };
    const metric = (metricName: string, stat: string) => ({ namespace: 'AWS/ApplicationELB', metricName, period: a.periodSeconds, stat, dimensions });
    const common = {
      evaluationPeriods: a.evaluationPeriods,
      datapointsToAlarm: a.evaluationPeriods,
      // No traffic is no evidence of failure (the idle target group has none).
      treatMissingData: 'notBreaching',
    };
    return [
      new CloudwatchMetricAlarm(this, `${color}-5xx-rate`, {
        alarmName: `${prefix}-5xx-rate`,
        alarmDescription: `Rolls back a blue/green deployment: more than ${a.targetErrorRatePercent}% of requests to the ${color} target group answered 5xx by the tasks (periods with ${a.minimumRequests}+ requests)`,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: a.targetErrorRatePercent,
        ...common,
        metricQuery: [
          { id: 'errors', returnData: false, metric: metric('HTTPCode_Target_5XX_Count', 'Sum') },
          { id: 'requests', returnData: false, metric: metric('RequestCount', 'Sum') },
          { id: 'rate', returnData: true, label: '5xx % of requests', expression: `IF(requests >= ${a.minimumRequests}, 100 * FILL(errors, 0) / requests, 0)` },
        ],
      }),
      new CloudwatchMetricAlarm(this, `${color}-unhealthy-hosts`, {
        alarmName: `${prefix}-unhealthy-hosts`,
        alarmDescription: `Rolls back a blue/green deployment: ${a.unhealthyHosts}+ targets of the ${color} target group fail their health check`,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: a.unhealthyHosts,
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        statistic: 'Maximum',
        period: a.periodSeconds,
        dimensions,
        ...common,
      }),
    ];
  }

  private serviceRoleStatements(alarmNames: string[]): PolicyStatement[] {
    const { accountId, region, names } = this.props;
    const serviceArn = `arn:${partitionOf(region)}:ecs:${region}:${accountId}:service/${names.cluster}/${names.service}`;
    const listenerArns = [this.productionListener.arn, this.testListener.arn];
    return [
      {
        Sid: 'ReadLoadBalancing',
        Effect: 'Allow',
        // Elastic Load Balancing's Describe calls support no resource-level permissions (AWS requires "*").
        Action: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups'],
        Resource: '*',
      },
      {
        Sid: 'MoveTrafficOnTheseListeners',
        Effect: 'Allow',
        Action: ['elasticloadbalancing:ModifyListener'],
        Resource: listenerArns,
      },
      {
        Sid: 'MoveTrafficOnRulesOfThisLoadBalancer',
        Effect: 'Allow',
        // CodeDeploy also rewrites listener rules that forward to the pair; this stack adds none on these listeners,
        // but a rule someone adds must not make deployments fail halfway. Rules of this stack's ALB only.
        Action: ['elasticloadbalancing:ModifyRule'],
        Resource: `arn:${partitionOf(region)}:elasticloadbalancing:${region}:${accountId}:listener-rule/app/${names.loadBalancer}/*`,
      },
      {
        Sid: 'ManageTaskSetsOfThisService',
        Effect: 'Allow',
        Action: ['ecs:DescribeServices', 'ecs:CreateTaskSet', 'ecs:UpdateServicePrimaryTaskSet', 'ecs:DeleteTaskSet'],
        Resource: [serviceArn, `arn:${partitionOf(region)}:ecs:${region}:${accountId}:task-set/${names.cluster}/${names.service}/*`],
      },
      {
        Sid: 'ReadRollbackAlarms',
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms'],
        Resource: alarmNames.map((n) => `arn:${partitionOf(region)}:cloudwatch:${region}:${accountId}:alarm:${n}`),
      },
      {
        Sid: 'PassOnlyThisServicesRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: this.props.passRoles.map((r) => r.arn),
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ];
  }

  /**
   * What the release CLI needs on top of `WebService.grantRelease` to ship through CodeDeploy: create and follow
   * deployments of this group, stop them (rollback), register the AppSpec revision, and read which target group is
   * live. Not `codedeploy:ContinueDeployment`: shifting production traffic is the approval identity's alone
   * (`grantApproval`), so a pipeline cannot approve its own release.
   */
  grantRelease(role: Role): void {
    const { accountId, region, names } = this.props;
    const arn = (resource: string) => `arn:${partitionOf(region)}:codedeploy:${region}:${accountId}:${resource}`;
    role.addStatements(
      {
        Sid: 'DeployThroughThisDeploymentGroup',
        Effect: 'Allow',
        Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:GetDeploymentGroup'],
        Resource: arn(`deploymentgroup:${names.codedeployApplication}/${names.codedeployGroup}`),
      },
      ...this.readStatements(),
      {
        Sid: 'RegisterAppSpecRevisions',
        Effect: 'Allow',
        Action: ['codedeploy:GetApplication', 'codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
        Resource: arn(`application:${names.codedeployApplication}`),
      },
    );
    role.addStatementsWithoutResourceScope(
      CODEDEPLOY_UNSCOPED_REASON,
      {
        Sid: 'StopAndFollowDeployments',
        Effect: 'Allow',
        // The Service Authorization Reference lists no resource type for these (the CodeDeploy user guide's older
        // table names the deployment group): scoped to the group, AWS would deny them and rollback/progress would
        // fail in production only. Each names one deployment id, which ecs-release takes from this group.
        Action: ['codedeploy:StopDeployment', 'codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget', 'codedeploy:BatchGetDeploymentTargets'],
        Resource: '*',
      },
    );
    role.addStatementsWithoutResourceScope(ELB_DESCRIBE_REASON, this.trafficRoutingStatement());
  }

  /**
   * The production approval (`ecs-release approve`, and `ecs-release rollback`, whose rollback deployment shifts
   * production traffic too): follow this group's deployments, start one (rollback to a revision already registered)
   * and continue (or stop) the one that holds before the traffic shift. Nothing that registers a task-definition
   * revision, updates the service or passes a role: it can only move traffic between revisions others registered.
   */
  grantApproval(role: Role): void {
    const { accountId, region, names } = this.props;
    role.addStatements(
      {
        Sid: 'FollowAndRollBackThisDeploymentGroup',
        Effect: 'Allow',
        Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:GetDeploymentGroup'],
        Resource: `arn:${partitionOf(region)}:codedeploy:${region}:${accountId}:deploymentgroup:${names.codedeployApplication}/${names.codedeployGroup}`,
      },
      ...this.readStatements(),
      {
        Sid: 'RegisterAppSpecRevisions',
        Effect: 'Allow',
        Action: ['codedeploy:GetApplication', 'codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
        Resource: `arn:${partitionOf(region)}:codedeploy:${region}:${accountId}:application:${names.codedeployApplication}`,
      },
    );
    role.addStatementsWithoutResourceScope(
      CODEDEPLOY_UNSCOPED_REASON,
      {
        Sid: 'ApproveStopAndFollowDeployments',
        Effect: 'Allow',
        Action: ['codedeploy:ContinueDeployment', 'codedeploy:StopDeployment', 'codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget', 'codedeploy:BatchGetDeploymentTargets'],
        Resource: '*',
      },
    );
    role.addStatementsWithoutResourceScope(ELB_DESCRIBE_REASON, this.trafficRoutingStatement());
  }

  private readStatements(): PolicyStatement[] {
    const { accountId, region, names } = this.props;
    return [
      {
        Sid: 'ReadThisDeploymentConfig',
        Effect: 'Allow',
        Action: ['codedeploy:GetDeploymentConfig'],
        Resource: `arn:${partitionOf(region)}:codedeploy:${region}:${accountId}:deploymentconfig:${this.deploymentConfigName}`,
      },
      {
        Sid: 'ReadTaskSets',
        Effect: 'Allow',
        Action: ['ecs:DescribeTaskSets'],
        Resource: [
          `arn:${partitionOf(region)}:ecs:${region}:${accountId}:service/${names.cluster}/${names.service}`,
          `arn:${partitionOf(region)}:ecs:${region}:${accountId}:task-set/${names.cluster}/${names.service}/*`,
        ],
      },
    ];
  }

  private trafficRoutingStatement(): PolicyStatement {
    return {
      Sid: 'ReadTrafficRouting',
      Effect: 'Allow',
      // Elastic Load Balancing's Describe calls support no resource-level permissions (AWS requires "*").
      Action: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      Resource: '*',
    };
  }
}
