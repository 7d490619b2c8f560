import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { ServiceNames } from '../../contracts/names';
import type { WebServiceConfig, WorkerServiceConfig } from '../../environments/schema';
import type { EcsCluster } from '../cluster';
import type { Network } from '../network';
import { suppress } from '../../rules';
import type { ServiceTaskDefinition } from './task-definition';

export interface TaskSecurityGroupProps {
  readonly names: ServiceNames;
  readonly network: Network;
  /** What reaches the tasks, for the description. */
  readonly reachableFrom: string;
}

/** The tasks' security group: HTTPS out (AWS APIs through endpoints or NAT) and the VPC; ingress is added by routing. */
export function taskSecurityGroup(scope: Construct, props: TaskSecurityGroupProps): SecurityGroup {
  const { names } = props;
  const sg = new SecurityGroup(scope, 'sg', {
    name: names.securityGroup,
    description: `Tasks of ${names.family}: ${props.reachableFrom}`,
    vpcId: props.network.vpc.id,
    tags: { Name: names.securityGroup },
  });
  new VpcSecurityGroupEgressRule(scope, 'egress-https', {
    securityGroupId: sg.id,
    description: 'HTTPS to AWS APIs (endpoints or NAT) and external services',
    ipProtocol: 'tcp',
    fromPort: 443,
    toPort: 443,
    cidrIpv4: '0.0.0.0/0',
  });
  new VpcSecurityGroupEgressRule(scope, 'egress-vpc', {
    securityGroupId: sg.id,
    description: 'Services inside the VPC (databases, caches, DNS)',
    ipProtocol: '-1',
    cidrIpv4: props.network.cidr,
  });
  return sg;
}

export interface FargateServiceProps {
  readonly names: ServiceNames;
  readonly config: WebServiceConfig | WorkerServiceConfig;
  readonly cluster: EcsCluster;
  readonly network: Network;
  readonly task: ServiceTaskDefinition;
  readonly securityGroup: SecurityGroup;
  /** Web only: the target group the service registers its tasks in, and what must exist first (the listener rule). */
  readonly loadBalancer?: { readonly targetGroupArn: string; readonly dependsOn: ITerraformDependable[]; readonly codeDeploy: boolean };
  /** Auto scaling is attached: Terraform then ignores desired_count. */
  readonly autoScaled: boolean;
}

/**
 * The long-running ECS service of a web or worker service. It ignores `task_definition` (and `desired_count` when
 * auto scaling is attached), so `apply` never reverts a deployment: the revision Terraform created reaches the service
 * through the release CLI. A web service also ignores `load_balancer`: under CodeDeploy because CodeDeploy moves it to
 * the other target group; under rolling because a port change must reach the service together with the revision
 * that listens on the new port (`ecs-release rollout` sends both in one UpdateService, from the descriptor).
 */
export function fargateService(scope: Construct, props: FargateServiceProps): EcsService {
  const { names, config: svc } = props;
  const lb = props.loadBalancer;
  const codeDeploy = lb?.codeDeploy ?? false;
  const ignore = ['task_definition'];
  if (props.autoScaled) ignore.push('desired_count');
  // CodeDeploy moves the service to the other target group; ecs-release moves a rolling service's mapping together
  // with the revision (a containerPort change: see WebRouting).
  if (lb) ignore.push('load_balancer');
  const service = new EcsService(scope, 'service', {
    name: names.service,
    cluster: props.cluster.arn,
    taskDefinition: props.task.taskDefinition.arn,
    desiredCount: svc.desiredCount,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    networkConfiguration: {
      subnets: props.network.privateSubnets.map((s) => s.id),
      securityGroups: [props.securityGroup.id],
      assignPublicIp: false,
    },
    loadBalancer: lb && svc.kind === 'web' ? [{ targetGroupArn: lb.targetGroupArn, containerName: svc.containerName, containerPort: svc.containerPort }] : undefined,
    // The circuit breaker exists for the ECS controller only; under CodeDeploy, rollback is the deployment group's.
    deploymentController: codeDeploy ? { type: 'CODE_DEPLOY' } : undefined,
    deploymentCircuitBreaker: codeDeploy ? undefined : { enable: true, rollback: true },
    deploymentMinimumHealthyPercent: svc.deployment.minimumHealthyPercent,
    deploymentMaximumPercent: svc.deployment.maximumPercent,
    healthCheckGracePeriodSeconds: svc.kind === 'web' ? svc.deployment.healthCheckGracePeriodSeconds : undefined,
    enableExecuteCommand: svc.enableExecuteCommand,
    enableEcsManagedTags: true,
    propagateTags: 'SERVICE',
    // AZ rebalancing stops and starts the service's tasks itself; under CodeDeploy the tasks belong to task sets.
    availabilityZoneRebalancing: codeDeploy ? 'DISABLED' : 'ENABLED',
    waitForSteadyState: false,
    lifecycle: { ignoreChanges: ignore },
    // The target group must be attached to a listener before ECS accepts it.
    dependsOn: lb?.dependsOn,
  });
  if (svc.enableExecuteCommand && svc.executeCommandReason) {
    // The configured reason is the accepted risk of the ecs-exec-production rule, listed in every policy report.
    suppress(service, { ruleId: 'ecs-exec-production', reason: svc.executeCommandReason });
  }
  return service;
}
