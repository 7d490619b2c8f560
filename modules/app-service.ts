import { Construct } from 'constructs';
import type { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import type { SchedulerScheduleGroup } from '@cdktf/provider-aws/lib/scheduler-schedule-group';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { ServiceNames } from '../contracts/names';
import type { ServiceConfig } from '../environments/schema';
import { BlueGreenDeployment } from './blue-green';
import type { EcsCluster } from './cluster';
import type { LoadBalancer } from './load-balancer';
import type { LogEncryptionKey } from './log-key';
import type { Network } from './network';
import type { ContainerRegistry } from './registry';
import { descriptorParameter, type ReleaseDescriptor } from './service/descriptor';
import { fargateService, taskSecurityGroup } from './service/ecs-service';
import { ScheduledTask } from './service/scheduled-task';
import { ServiceScaling } from './service/scaling';
import { ServiceTaskDefinition } from './service/task-definition';
import { WebRouting } from './service/web-routing';

export interface AppServiceProps {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  /** AWS partition (from `data.aws_partition`). */
  readonly partition: string;
  readonly names: ServiceNames;
  readonly config: ServiceConfig;
  readonly cluster: EcsCluster;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  readonly registry: ContainerRegistry;
  /** Web services on rolling deployments: the listener-rule priority (environments/schema/routing.ts). */
  readonly listenerRulePriority?: number;
  /** Scheduled services: the environment's EventBridge Scheduler group. */
  readonly scheduleGroup?: SchedulerScheduleGroup;
  /** CloudWatch Logs retention, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Key encrypting the log group. @default undefined (CloudWatch Logs' AWS-owned key) */
  readonly logEncryptionKey?: LogEncryptionKey;
  /**
   * Create the target-tracking scaling resources. Only the moto emulator tier turns this off, because moto does not
   * implement Application Auto Scaling's ListTagsForResource and the provider retries it for many minutes.
   * @default true
   */
  readonly createAutoScaling?: boolean;
}

/** Construct ids inside an AppService that group resources by responsibility (see `legacyPath`). */
export const APP_SERVICE_PARTS = ['task-definition', 'routing', 'scaling'] as const;

/**
 * One service of the environment, of any kind, built from configuration so Terraform and the release CLI coexist the
 * same way for every kind:
 *
 * - every kind: a task definition with the release pointer and the coexistence lifecycle (ServiceTaskDefinition), a
 *   security group, and the release descriptor ecs-release reads;
 * - web: an ECS service behind the load balancer (WebRouting: target group and listener rule, or CodeDeploy
 *   blue/green through BlueGreenDeployment), optional target-tracking scaling;
 * - worker: an ECS service without a load balancer, scaling on CPU and optionally its queue's backlog per task;
 * - scheduled: no ECS service; EventBridge Scheduler runs the family's latest revision (ScheduledTask).
 */
export class AppService extends Construct {
  public readonly names: ServiceNames;
  public readonly config: ServiceConfig;
  public readonly region: string;
  public readonly accountId: string;
  public readonly partition: string;
  public readonly cluster: EcsCluster;
  public readonly task: ServiceTaskDefinition;
  public readonly securityGroup: SecurityGroup;
  /** Web and worker services. */
  public readonly service?: EcsService;
  /** Web services. */
  public readonly routing?: WebRouting;
  /** The blue/green web service. */
  public readonly blueGreen?: BlueGreenDeployment;
  public readonly scaling?: ServiceScaling;
  /** Scheduled services. */
  public readonly scheduled?: ScheduledTask;
  public readonly descriptor: ReleaseDescriptor;
  public readonly descriptorParameter: SsmParameter;

  constructor(scope: Construct, id: string, props: AppServiceProps) {
    super(scope, id);
    const { config: svc, names } = props;
    if (id !== names.service) throw new Error(`AppService ${id}: names.service: received ${JSON.stringify(names.service)}; allowed: "${id}" (the construct id is the service name)`);
    this.names = names;
    this.config = svc;
    this.region = props.region;
    this.accountId = props.accountId;
    this.partition = props.partition;
    this.cluster = props.cluster;

    this.task = new ServiceTaskDefinition(this, 'task-definition', {
      accountId: props.accountId,
      region: props.region,
      partition: props.partition,
      names,
      config: svc,
      registry: props.registry,
      logRetentionDays: props.logRetentionDays,
      logEncryptionKey: props.logEncryptionKey,
    });
    this.securityGroup = taskSecurityGroup(this, {
      names,
      network: props.network,
      reachableFrom: svc.kind === 'web' ? 'reachable from the load balancer only' : 'no inbound traffic',
    });

    let loadBalancerMapping: ReleaseDescriptor['loadBalancer'];
    if (svc.kind === 'scheduled') {
      if (!props.scheduleGroup) throw new Error(`AppService ${id}: scheduleGroup: received nothing; allowed: the environment's schedule group (kind scheduled)`);
      this.scheduled = new ScheduledTask(this, 'schedule', {
        accountId: props.accountId,
        region: props.region,
        partition: props.partition,
        names,
        config: svc,
        cluster: props.cluster,
        network: props.network,
        task: this.task,
        securityGroup: this.securityGroup,
        group: props.scheduleGroup,
      });
    } else {
      const blueGreen = svc.kind === 'web' && svc.deployment.strategy === 'blue-green';
      if (svc.kind === 'web') {
        this.routing = new WebRouting(this, 'routing', {
          names,
          config: svc,
          network: props.network,
          loadBalancer: props.loadBalancer,
          taskSecurityGroup: this.securityGroup,
          priority: blueGreen ? undefined : props.listenerRulePriority,
        });
        if (!blueGreen) loadBalancerMapping = { targetGroupArn: this.routing.targetGroup.arn, containerName: svc.containerName, containerPort: svc.containerPort };
      }
      const lb = props.loadBalancer;
      this.service = fargateService(this, {
        names,
        config: svc,
        cluster: props.cluster,
        network: props.network,
        task: this.task,
        securityGroup: this.securityGroup,
        loadBalancer: this.routing
          ? { targetGroupArn: this.routing.targetGroup.arn, codeDeploy: blueGreen, dependsOn: blueGreen ? [lb.productionListener, lb.testListener!] : [this.routing.listenerRule!] }
          : undefined,
        autoScaled: svc.autoScaling !== undefined,
      });
      if (blueGreen && svc.kind === 'web' && this.routing) {
        this.blueGreen = new BlueGreenDeployment(this, 'blue-green', {
          names,
          accountId: props.accountId,
          region: props.region,
          deployment: svc.deployment,
          cluster: props.cluster,
          service: this.service,
          containerName: svc.containerName,
          containerPort: svc.containerPort,
          loadBalancer: lb,
          blueTargetGroup: this.routing.targetGroup,
          targetGroupConfig: this.routing.targetGroupConfig,
          passRoles: [this.task.executionRole, this.task.taskRole],
        });
      }
      if (svc.autoScaling && props.createAutoScaling !== false) {
        this.scaling = new ServiceScaling(this, 'scaling', {
          names,
          clusterName: props.cluster.name,
          service: this.service,
          autoScaling: svc.autoScaling,
          desiredCount: svc.desiredCount,
        });
      }
    }

    this.descriptor = {
      schemaVersion: 1,
      environment: props.environment,
      accountId: props.accountId,
      region: props.region,
      cluster: props.cluster.name,
      service: names.service,
      kind: svc.kind,
      ...(svc.releaseGroup ? { releaseGroup: svc.releaseGroup } : {}),
      container: svc.containerName,
      sidecars: Object.keys(svc.sidecars).sort(),
      family: names.family,
      taskDefinitionArn: this.task.taskDefinition.arn,
      releaseParameter: names.releaseParameter,
      repositoryUrl: props.registry.repository.repositoryUrl,
      ...(svc.imageSource
        ? { imageSource: { registry: svc.imageSource.registry, ...(svc.imageSource.pullCredentials ? { credentialsSecretArn: svc.imageSource.pullCredentials.secretArn } : {}) } }
        : {}),
      subnets: props.network.privateSubnets.map((s) => s.id),
      securityGroups: [this.securityGroup.id],
      strategy: svc.kind === 'web' ? svc.deployment.strategy : 'rolling',
      ...(loadBalancerMapping ? { loadBalancer: loadBalancerMapping } : {}),
      ...(this.blueGreen ? { codeDeploy: this.blueGreen.descriptor } : {}),
      ...(this.scheduled ? { schedule: { name: names.scheduleName, groupName: props.scheduleGroup!.nameInput! } } : {}),
    };
    this.descriptorParameter = descriptorParameter(this, { names, descriptor: this.descriptor });
  }

  /** The log group's ARN (the deploy and operator identities read the service's logs). */
  get logGroupArn(): string {
    return this.task.logGroupArn;
  }
}

/**
 * Where a resource of the environment's first web service lived in the single-service layout: the module was the
 * construct `service` and had no parts, so `services/<name>/<part>/<id>...` was `service/<id>...`. Undefined for any
 * other path. (The stack writes a `moved` block for each such resource, so its state keeps following it.)
 */
export function legacyPath(components: readonly string[], legacyService: string): string[] | undefined {
  if (components[0] !== 'services' || components[1] !== legacyService || components.length < 3) return undefined;
  const rest = components.slice(2);
  // Resources the single-service module never had: nothing to move them from.
  if (rest.includes('sidecar-spec')) return undefined;
  return ['service', ...((APP_SERVICE_PARTS as readonly string[]).includes(rest[0]) ? rest.slice(1) : rest)];
}
