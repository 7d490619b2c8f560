import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup, type LbTargetGroupConfig } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { ResourceNames } from '../environments/names';
import type { ServiceConfig } from '../environments/schema';
import type { ReleaseDescriptor } from '../contracts/descriptor';
import { BlueGreenDeployment } from './blue-green';
import type { EcsCluster } from './cluster';
import { suppress } from '../rules';
import { Role, type PolicyStatement } from './iam';
import type { LoadBalancer } from './load-balancer';
import type { LogEncryptionKey } from './log-key';
import type { Network } from './network';
import type { ContainerRegistry } from './registry';
import { TerraformData } from './terraform-data';
import { RELEASE_OWNER, RELEASE_TAG } from '../contracts/tags';

/** The release descriptor the stack publishes for the release CLI: its schema is the contract (contracts/descriptor.ts). */
export type { ReleaseDescriptor };

export interface WebServiceProps {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly names: ResourceNames;
  readonly config: ServiceConfig;
  readonly cluster: EcsCluster;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  readonly registry: ContainerRegistry;
  /** CloudWatch Logs retention. @default 30 */
  readonly logRetentionDays?: number;
  /** Key encrypting the service's log group. @default undefined (CloudWatch Logs' AWS-owned key) */
  readonly logEncryptionKey?: LogEncryptionKey;
  /** Priority of this service's listener rule (unique per listener). Rolling only. @default 100 */
  readonly listenerRulePriority?: number;
  /** Paths routed to this service. Rolling only: under blue/green the service owns both listeners. @default ['/*'] */
  readonly pathPatterns?: string[];
  /**
   * Create the target-tracking scaling resources. Only the moto emulator tier turns this off, because moto does not
   * implement Application Auto Scaling's ListTagsForResource and the provider retries it for many minutes.
   * @default true
   */
  readonly createAutoScaling?: boolean;
}

/**
 * One Fargate web service behind the load balancer, built so Terraform and the release CLI coexist:
 *
 * - Terraform owns the task definition's settings; the release CLI owns which image runs. The image lives in an SSM
 *   parameter (the release pointer) that Terraform creates with the bootstrap image and then ignores; the CLI writes
 *   it on every deploy, and Terraform reads it back into the container definitions.
 * - The task definition ignores `container_definitions` (so a deploy is no drift) but is replaced whenever the
 *   container definitions *without the image* change (`replace_triggered_by` a `terraform_data` holding them), so an
 *   env-var or port change is never silently hidden, and the replacement carries the deployed image, not the
 *   bootstrap one. `skip_destroy` keeps old revisions registered: rollback targets never disappear.
 * - The service ignores `task_definition` (and `desired_count` when auto scaling is attached), so `apply` never
 *   reverts a deployment. The revision Terraform created reaches the service through the release CLI (`ecs-release
 *   deploy` bases every new revision on it, `ecs-release rollout` ships it as is).
 * - With `deployment.strategy: 'blue-green'` the service runs under the CODE_DEPLOY controller and a
 *   `BlueGreenDeployment` adds the green target group and CodeDeploy; the service then also ignores `load_balancer`,
 *   which CodeDeploy moves to the other target group with every deployment (see docs/blue-green.md).
 */
export class WebService extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly executionRole: Role;
  public readonly taskRole: Role;
  public readonly securityGroup: SecurityGroup;
  public readonly targetGroup: LbTargetGroup;
  /** Rolling only: blue/green forwards through the listeners' default action, which CodeDeploy rewrites. */
  public readonly listenerRule?: LbListenerRule;
  /** Blue/green only. */
  public readonly blueGreen?: BlueGreenDeployment;
  public readonly releaseParameter: SsmParameter;
  public readonly containerSpec: TerraformData;
  public readonly taskDefinition: EcsTaskDefinition;
  public readonly service: EcsService;
  public readonly descriptorParameter: SsmParameter;
  public readonly scalingTarget?: AppautoscalingTarget;
  public readonly names: ResourceNames;
  /** The region the service runs in (grants outside this construct name its ARNs). */
  public readonly region: string;
  private readonly props: WebServiceProps;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    this.props = props;
    const { config: svc, names } = props;
    this.names = names;
    this.region = props.region;
    const autoScaling = svc.autoScaling;
    const blueGreen = svc.deployment.strategy === 'blue-green';
    if (blueGreen && (props.listenerRulePriority !== undefined || props.pathPatterns !== undefined)) {
      const [field, value] = props.pathPatterns !== undefined ? ['pathPatterns', props.pathPatterns] : ['listenerRulePriority', props.listenerRulePriority];
      throw new Error(`WebService ${id}: ${field}: received ${JSON.stringify(value)}; allowed: unset when deployment.strategy is blue-green (CodeDeploy forwards whole listeners)`);
    }
    if (blueGreen && !props.loadBalancer.testListener) {
      throw new Error(`WebService ${id}: loadBalancer.testListener: received nothing; allowed: a load balancer with a test listener when deployment.strategy is blue-green`);
    }
    if (autoScaling && (svc.desiredCount < autoScaling.minCapacity || svc.desiredCount > autoScaling.maxCapacity)) {
      throw new Error(`WebService ${id}: desiredCount: received ${svc.desiredCount}; allowed: ${autoScaling.minCapacity}..${autoScaling.maxCapacity} (autoScaling bounds)`);
    }

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: names.logGroup,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.logEncryptionKey?.arn,
    });

    const taskTrust = {
      principal: { Service: 'ecs-tasks.amazonaws.com' },
      // Confused-deputy guard: only tasks of this account may assume the roles.
      trustConditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    };
    this.executionRole = new Role(this, 'execution-role', {
      name: names.executionRole,
      description: `ECS agent for ${names.family}: pull the image, write logs, read the task's secrets`,
      ...taskTrust,
    });
    props.registry.grantPull(this.executionRole);
    this.executionRole.addStatements({
      Sid: 'WriteLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `${this.logGroup.arn}:*`,
    });
    this.executionRole.addStatements(...secretReadStatements(svc));

    this.taskRole = new Role(this, 'task-role', {
      name: names.taskRole,
      description: `Application in ${names.family}`,
      ...taskTrust,
    });
    if (svc.enableExecuteCommand) {
      this.taskRole.addStatementsWithoutResourceScope(
        'The Session Manager channel actions ECS Exec needs have no resource-level permissions in AWS; who may open a session is decided by ecs:ExecuteCommand on the operator side.',
        {
          Sid: 'EcsExecChannels',
          Effect: 'Allow',
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Resource: '*',
        },
      );
    }

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${names.family}-tasks`,
      description: `Tasks of ${names.family}: reachable from the load balancer only`,
      vpcId: props.network.vpc.id,
      tags: { Name: `${names.family}-tasks` },
    });
    props.loadBalancer.allowTrafficTo(names.service, this.securityGroup, svc.containerPort);
    new VpcSecurityGroupEgressRule(this, 'egress-https', {
      securityGroupId: this.securityGroup.id,
      description: 'HTTPS to AWS APIs (endpoints or NAT) and external services',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    });
    new VpcSecurityGroupEgressRule(this, 'egress-vpc', {
      securityGroupId: this.securityGroup.id,
      description: 'Services inside the VPC (databases, caches, DNS)',
      ipProtocol: '-1',
      cidrIpv4: props.network.cidr,
    });

    const hc = svc.healthCheck;
    const targetGroupConfig: LbTargetGroupConfig = {
      name: names.targetGroup,
      port: svc.containerPort,
      protocol: 'HTTP',
      targetType: 'ip',
      vpcId: props.network.vpc.id,
      deregistrationDelay: String(svc.deployment.deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        path: hc.path,
        matcher: hc.matcher,
        interval: hc.intervalSeconds,
        timeout: hc.timeoutSeconds,
        healthyThreshold: hc.healthyThresholdCount,
        unhealthyThreshold: hc.unhealthyThresholdCount,
        protocol: 'HTTP',
        port: 'traffic-port',
      },
      tags: { Name: names.targetGroup },
    };
    this.targetGroup = new LbTargetGroup(this, 'tg', targetGroupConfig);
    if (!blueGreen) {
      this.listenerRule = new LbListenerRule(this, 'rule', {
        listenerArn: props.loadBalancer.productionListener.arn,
        priority: props.listenerRulePriority ?? 100,
        action: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
        condition: [{ pathPattern: { values: props.pathPatterns ?? ['/*'] } }],
      });
    }

    this.releaseParameter = new SsmParameter(this, 'release-image', {
      name: names.releaseParameter,
      description: `Image the release CLI last deployed to ${names.family} (Terraform only seeds it)`,
      type: 'String',
      insecureValue: svc.bootstrapImage,
      lifecycle: { ignoreChanges: ['insecure_value'] },
    });

    const spec = containerSpec(svc, names, this.logGroup.name, props.region);
    this.containerSpec = new TerraformData(this, 'container-spec', { input: spec });
    this.taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: names.family,
      cpu: String(svc.cpu),
      memory: String(svc.memoryMiB),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { cpuArchitecture: svc.cpuArchitecture, operatingSystemFamily: 'LINUX' },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: Fn.jsonencode([{ ...spec, image: this.releaseParameter.insecureValue }]),
      skipDestroy: true,
      tags: { 'ecs-coexist:owner': 'terraform' },
      lifecycle: {
        ignoreChanges: ['container_definitions'],
        // A plain address: cdktf would wrap a resource object in ${...}, which Terraform rejects here.
        replaceTriggeredBy: [`${TerraformData.tfResourceType}.${this.containerSpec.friendlyUniqueId}`],
      },
    });

    const ignore = ['task_definition'];
    if (autoScaling) ignore.push('desired_count');
    // CodeDeploy's UpdateServicePrimaryTaskSet moves the service to the other target group after every deployment.
    if (blueGreen) ignore.push('load_balancer');
    this.service = new EcsService(this, 'service', {
      name: names.service,
      cluster: props.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: svc.desiredCount,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: {
        subnets: props.network.privateSubnets.map((s) => s.id),
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [{ targetGroupArn: this.targetGroup.arn, containerName: svc.containerName, containerPort: svc.containerPort }],
      // The circuit breaker exists for the ECS controller only; under CodeDeploy, rollback is the deployment group's.
      deploymentController: blueGreen ? { type: 'CODE_DEPLOY' } : undefined,
      deploymentCircuitBreaker: blueGreen ? undefined : { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: svc.deployment.minimumHealthyPercent,
      deploymentMaximumPercent: svc.deployment.maximumPercent,
      healthCheckGracePeriodSeconds: svc.deployment.healthCheckGracePeriodSeconds,
      enableExecuteCommand: svc.enableExecuteCommand,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      // AZ rebalancing stops and starts the service's tasks itself; under CodeDeploy the tasks belong to task sets.
      availabilityZoneRebalancing: blueGreen ? 'DISABLED' : 'ENABLED',
      waitForSteadyState: false,
      lifecycle: { ignoreChanges: ignore },
      // The target group must be attached to a listener before ECS accepts it.
      dependsOn: blueGreen ? [props.loadBalancer.productionListener, props.loadBalancer.testListener!] : [this.listenerRule!],
    });
    if (blueGreen) {
      this.blueGreen = new BlueGreenDeployment(this, 'blue-green', {
        names,
        accountId: props.accountId,
        region: props.region,
        deployment: svc.deployment,
        cluster: props.cluster,
        service: this.service,
        containerName: svc.containerName,
        containerPort: svc.containerPort,
        loadBalancer: props.loadBalancer,
        blueTargetGroup: this.targetGroup,
        targetGroupConfig,
        passRoles: [this.executionRole, this.taskRole],
      });
    }

    if (svc.enableExecuteCommand && svc.executeCommandReason) {
      // The configured reason is the accepted risk of the ecs-exec-production rule, listed in every policy report.
      suppress(this.service, { ruleId: 'ecs-exec-production', reason: svc.executeCommandReason });
    }

    if (autoScaling && props.createAutoScaling !== false) {
      this.scalingTarget = new AppautoscalingTarget(this, 'scaling-target', {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${props.cluster.name}/${names.service}`,
        minCapacity: autoScaling.minCapacity,
        maxCapacity: autoScaling.maxCapacity,
        dependsOn: [this.service],
      });
      const metrics: [string, string, number | undefined][] = [
        ['cpu', 'ECSServiceAverageCPUUtilization', autoScaling.targetCpuPercent],
        ['memory', 'ECSServiceAverageMemoryUtilization', autoScaling.targetMemoryPercent],
      ];
      for (const [metricId, metric, target] of metrics) {
        if (target === undefined) continue;
        new AppautoscalingPolicy(this, `scaling-${metricId}`, {
          name: `${names.family}-${metricId}`,
          policyType: 'TargetTrackingScaling',
          serviceNamespace: this.scalingTarget.serviceNamespace,
          scalableDimension: this.scalingTarget.scalableDimension,
          resourceId: this.scalingTarget.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: target,
            scaleInCooldown: autoScaling.scaleInCooldownSeconds,
            scaleOutCooldown: autoScaling.scaleOutCooldownSeconds,
            predefinedMetricSpecification: { predefinedMetricType: metric },
          },
        });
      }
    }

    const descriptor: ReleaseDescriptor = {
      schemaVersion: 1,
      environment: props.environment,
      accountId: props.accountId,
      region: props.region,
      cluster: props.cluster.name,
      service: names.service,
      container: svc.containerName,
      family: names.family,
      taskDefinitionArn: this.taskDefinition.arn,
      releaseParameter: names.releaseParameter,
      repositoryUrl: props.registry.repository.repositoryUrl,
      subnets: props.network.privateSubnets.map((s) => s.id),
      securityGroups: [this.securityGroup.id],
      strategy: svc.deployment.strategy,
      codeDeploy: this.blueGreen?.descriptor,
    };
    this.descriptorParameter = new SsmParameter(this, 'descriptor', {
      name: names.descriptorParameter,
      description: `Release descriptor of ${names.family}, read by ecs-release`,
      type: 'String',
      insecureValue: JSON.stringify(descriptor),
    });
  }

  /**
   * What the release CLI needs to ship this service and nothing more: register revisions of this family (tagging
   * them while registering), mark its own revisions deployed (one tag key, only on revisions it registered), update
   * this service (only to revisions of this family), run one-off tasks from this family in this cluster (tagged as
   * such), follow tasks of this cluster and stop only its one-off tasks, pass exactly this service's two roles to
   * ECS tasks, read the image digest, read/write the release pointer, read the descriptor and the service's logs.
   *
   * Each action's resource scope follows the Service Authorization Reference: only DescribeTaskDefinition and
   * ListTaskDefinitions have no resource type and take "*" (accepted by Sid). Where ECS offers a condition key the
   * grant is narrowed further; `...IfExists` keeps a call that omits the field working.
   */
  grantRelease(role: Role): void {
    const { accountId, region, names, config: svc } = this.props;
    const ecs = `arn:aws:ecs:${region}:${accountId}`;
    const familyArn = `${ecs}:task-definition/${names.family}:*`;
    const serviceArn = `${ecs}:service/${names.cluster}/${names.service}`;
    const taskArns = `${ecs}:task/${names.cluster}/*`;
    // Where Exec is off, the deploy identity cannot switch it on through UpdateService or RunTask.
    const execStaysOff: Record<string, Record<string, string>> = svc.enableExecuteCommand ? {} : { StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } };
    role.addStatementsWithoutResourceScope(
      'ecs:DescribeTaskDefinition and ecs:ListTaskDefinitions have no resource-level permissions in AWS (Service Authorization Reference); both only read task-definition metadata.',
      {
        Sid: 'DescribeWithoutResourceScope',
        Effect: 'Allow',
        Action: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'],
        Resource: '*',
      },
    );
    const statements: PolicyStatement[] = [
      {
        Sid: 'RegisterRevisionsOfFamily',
        Effect: 'Allow',
        Action: ['ecs:RegisterTaskDefinition'],
        Resource: familyArn,
      },
      {
        // Tags are copied onto each new revision while it is registered.
        Sid: 'TagRevisionsWhileRegistering',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: familyArn,
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      },
      {
        // After a rollout completes ecs-release tags the revision `ecs-release:deployed-at` (rollback looks for it).
        // Only that one key (ForAllValues alone would also match a request without tags, hence the Null check), and
        // only on revisions ecs-release registered (their owner tag): Terraform's
        // revision stays untouched, a tag added there would show as drift in `terraform plan`.
        Sid: 'MarkOwnRevisionsDeployed',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: familyArn,
        Condition: {
          StringEquals: { [`aws:ResourceTag/${RELEASE_TAG.owner}`]: RELEASE_OWNER },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [RELEASE_TAG.deployed] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
      {
        // `ecs-release revisions prune`: only revisions ecs-release registered (their owner tag). Terraform's revisions
        // carry `terraform` and stay; the CLI also keeps every revision in use and the last deployed ones.
        Sid: 'DeregisterOwnRevisions',
        Effect: 'Allow',
        Action: ['ecs:DeregisterTaskDefinition'],
        Resource: familyArn,
        Condition: { StringEquals: { [`aws:ResourceTag/${RELEASE_TAG.owner}`]: RELEASE_OWNER } },
      },
      {
        Sid: 'DescribeThisService',
        Effect: 'Allow',
        Action: ['ecs:DescribeServices'],
        Resource: serviceArn,
      },
      {
        // UpdateService needs no iam:PassRole: without this condition the service could be pointed at another
        // family's revision running with that family's (possibly broader) task role.
        Sid: 'UpdateThisService',
        Effect: 'Allow',
        Action: ['ecs:UpdateService'],
        Resource: serviceArn,
        Condition: { ArnLikeIfExists: { 'ecs:task-definition': familyArn }, ...execStaysOff },
      },
      {
        Sid: 'RunOneOffTasks',
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: familyArn,
        Condition: { ArnEquals: { 'ecs:cluster': this.props.cluster.arn }, ...execStaysOff },
      },
      {
        // `ecs-release run` tags its one-off task at RunTask (plus the revision's tags it propagates); tags can be set
        // only while the task is created, never on the service's running tasks.
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
        Resource: [taskArns, `${ecs}:container-instance/${names.cluster}/*`],
      },
      {
        // Stopping a migration that went wrong, never the service's own tasks: only tasks carrying the one-off tag.
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
        Resource: [this.executionRole.arn, this.taskRole.arn],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Sid: 'ReleasePointer',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: this.releaseParameter.arn,
      },
      {
        Sid: 'ReadDescriptor',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: this.descriptorParameter.arn,
      },
      {
        // CloudWatch Logs authorizes these against "log-group:<name>:*" (its IAM documentation).
        Sid: 'ReadServiceEventsAndLogs',
        Effect: 'Allow',
        Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'],
        Resource: `${this.logGroup.arn}:*`,
      },
    ];
    role.addStatements(...statements);
    this.grantVerify(role);
    this.props.registry.grantReadMetadata(role);
    this.blueGreen?.grantRelease(role);
  }

  /**
   * `ecs-release verify`: read that this service's two roles exist and trust ECS tasks (GetRole returns the trust
   * policy), which inline policies the execution role has (to evaluate its secret grants), and that each configured
   * secret exists: DescribeParameters/DescribeSecret return metadata, never values.
   */
  private grantVerify(role: Role): void {
    const svc = this.props.config;
    role.addStatementsWithoutResourceScope(
      'ssm:DescribeParameters has no resource-level permissions in AWS (Service Authorization Reference); it returns parameter metadata, never values.',
      { Sid: 'VerifySecretsExist', Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' },
    );
    role.addStatements(
      { Sid: 'VerifyServiceRoles', Effect: 'Allow', Action: ['iam:GetRole'], Resource: [this.executionRole.arn, this.taskRole.arn] },
      {
        Sid: 'VerifyExecutionRoleGrants',
        Effect: 'Allow',
        Action: ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'],
        Resource: this.executionRole.arn,
      },
    );
    const secretsManager = Object.values(svc.secrets).filter((arn) => arn.split(':')[2] === 'secretsmanager').map((arn) => arn.split(':').slice(0, 7).join(':'));
    if (secretsManager.length > 0) {
      role.addStatements({ Sid: 'VerifySecretsManagerSecretsExist', Effect: 'Allow', Action: ['secretsmanager:DescribeSecret'], Resource: [...new Set(secretsManager)] });
    }
  }
}

/** The container definition Terraform owns: everything but the image. */
function containerSpec(svc: ServiceConfig, names: ResourceNames, logGroupName: string, region: string): Record<string, unknown> {
  const byName = <T>(record: Record<string, T>) => Object.keys(record).sort().map((k) => [k, record[k]] as const);
  return {
    name: svc.containerName,
    essential: true,
    portMappings: [{ name: 'http', containerPort: svc.containerPort, hostPort: svc.containerPort, protocol: 'tcp', appProtocol: 'http' }],
    environment: byName(svc.environment).map(([name, value]) => ({ name, value })),
    secrets: byName(svc.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': logGroupName, 'awslogs-region': region, 'awslogs-stream-prefix': names.service },
    },
    readonlyRootFilesystem: svc.readonlyRootFilesystem,
    versionConsistency: svc.versionConsistency,
    // An init process reaps zombies and is what ECS Exec expects.
    linuxParameters: { initProcessEnabled: true },
    stopTimeout: 30,
  };
}

/** Execution-role statements for the secrets the task definition references: scoped to exactly those ARNs. */
function secretReadStatements(svc: ServiceConfig): PolicyStatement[] {
  const arns = Object.values(svc.secrets);
  const ssm = [...new Set(arns.filter((a) => a.includes(':ssm:')))].sort();
  const sm = [...new Set(arns.filter((a) => a.includes(':secretsmanager:')))].sort();
  const out: PolicyStatement[] = [];
  if (ssm.length) out.push({ Sid: 'ReadSsmSecrets', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: ssm });
  if (sm.length) out.push({ Sid: 'ReadSecretsManagerSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: sm });
  if (svc.secretsKmsKeyArns.length) {
    out.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [...svc.secretsKmsKeyArns].sort() });
  }
  return out;
}
