import { Construct } from 'constructs';
import { EcsCluster as EcsClusterResource } from '@cdktf/provider-aws/lib/ecs-cluster';

export interface EcsClusterProps {
  readonly name: string;
  /** Container Insights level. AWS default is off; ours is on. @default 'enabled' */
  readonly containerInsights?: 'enabled' | 'enhanced';
}

/** An ECS cluster for Fargate services, with Container Insights on (AWS's default is off). */
export class EcsCluster extends Construct {
  public readonly cluster: EcsClusterResource;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: EcsClusterProps) {
    super(scope, id);
    this.name = props.name;
    this.cluster = new EcsClusterResource(this, 'cluster', {
      name: props.name,
      setting: [{ name: 'containerInsights', value: props.containerInsights ?? 'enabled' }],
    });
  }

  get arn(): string {
    return this.cluster.arn;
  }
}
