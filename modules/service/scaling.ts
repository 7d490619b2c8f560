import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import type { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import type { ServiceNames } from '../../contracts/names';
import type { WebServiceConfig, WorkerServiceConfig } from '../../environments/schema';

export interface ServiceScalingProps {
  readonly names: ServiceNames;
  readonly clusterName: string;
  readonly service: EcsService;
  readonly autoScaling: NonNullable<WebServiceConfig['autoScaling'] | WorkerServiceConfig['autoScaling']>;
  readonly desiredCount: number;
}

/**
 * Target-tracking auto scaling of one ECS service: average CPU (and memory when set) and, for a worker with a queue,
 * the SQS backlog per running task (messages visible / tasks running, a metric-math customized metric), which is what
 * AWS recommends for queue workers instead of the raw queue depth.
 */
export class ServiceScaling extends Construct {
  public readonly target: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: ServiceScalingProps) {
    super(scope, id);
    const a = props.autoScaling;
    if (props.desiredCount < a.minCapacity || props.desiredCount > a.maxCapacity) {
      throw new Error(`ServiceScaling ${id}: desiredCount: received ${props.desiredCount}; allowed: ${a.minCapacity}..${a.maxCapacity} (autoScaling bounds)`);
    }
    const { names } = props;
    this.target = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${names.service}`,
      minCapacity: a.minCapacity,
      maxCapacity: a.maxCapacity,
      dependsOn: [props.service],
    });
    const common = { scaleInCooldown: a.scaleInCooldownSeconds, scaleOutCooldown: a.scaleOutCooldownSeconds };
    const metrics: [string, string, number | undefined][] = [
      ['cpu', 'ECSServiceAverageCPUUtilization', a.targetCpuPercent],
      ['memory', 'ECSServiceAverageMemoryUtilization', a.targetMemoryPercent],
    ];
    for (const [metricId, metric, target] of metrics) {
      if (target === undefined) continue;
      new AppautoscalingPolicy(this, `scaling-${metricId}`, {
        name: `${names.family}-${metricId}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: this.target.serviceNamespace,
        scalableDimension: this.target.scalableDimension,
        resourceId: this.target.resourceId,
        targetTrackingScalingPolicyConfiguration: { targetValue: target, ...common, predefinedMetricSpecification: { predefinedMetricType: metric } },
      });
    }
    const queue = 'queue' in a ? a.queue : undefined;
    if (queue) {
      new AppautoscalingPolicy(this, 'scaling-queue', {
        name: `${names.family}-queue-backlog`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: this.target.serviceNamespace,
        scalableDimension: this.target.scalableDimension,
        resourceId: this.target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: queue.targetMessagesPerTask,
          ...common,
          customizedMetricSpecification: {
            metrics: [
              {
                id: 'visible',
                returnData: false,
                metricStat: { stat: 'Sum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: queue.queueName }] } },
              },
              {
                id: 'tasks',
                returnData: false,
                metricStat: {
                  stat: 'Average',
                  metric: { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensions: [{ name: 'ClusterName', value: props.clusterName }, { name: 'ServiceName', value: names.service }] },
                },
              },
              // No running task yet: the whole backlog is the per-task backlog (scale out from zero).
              { id: 'backlog', label: 'Messages per running task', returnData: true, expression: 'visible / MAX([tasks, 1])' },
            ],
          },
        },
      });
    }
  }
}
