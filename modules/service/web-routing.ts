import { Construct } from 'constructs';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup, type LbTargetGroupConfig } from '@cdktf/provider-aws/lib/lb-target-group';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { ServiceNames } from '../../contracts/names';
import type { WebServiceConfig } from '../../environments/schema';
import type { LoadBalancer } from '../load-balancer';
import type { Network } from '../network';

export interface WebRoutingProps {
  readonly names: ServiceNames;
  readonly config: WebServiceConfig;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  /** The tasks' security group: the load balancer is allowed in on the container port. */
  readonly taskSecurityGroup: SecurityGroup;
  /** Rolling only: this service's listener-rule priority (environments/schema/routing.ts allocates it). */
  readonly priority?: number;
}

/**
 * How requests reach a web service: its target group, and for a rolling service a listener rule on the production
 * listener matching its hosts and paths (none = the catch-all `/*`). A blue/green service gets no rule: CodeDeploy
 * forwards the production and test listeners' default action (see BlueGreenDeployment).
 *
 * The target group never has to be replaced for a port change: with target type `ip` ECS registers every task with the
 * container port of the service's load-balancer mapping, and the health check probes `traffic-port` (the registered
 * port). So its `port` (a ForceNew attribute that only sets the default for registrations without one) is ignored
 * after creation: a containerPort change moves the service's tasks to the new port inside the same target group,
 * under the same listener rule, with no ResourceInUse and no gap in traffic.
 */
export class WebRouting extends Construct {
  public readonly targetGroup: LbTargetGroup;
  public readonly targetGroupConfig: LbTargetGroupConfig;
  public readonly listenerRule?: LbListenerRule;

  constructor(scope: Construct, id: string, props: WebRoutingProps) {
    super(scope, id);
    const { config: svc, names } = props;
    const blueGreen = svc.deployment.strategy === 'blue-green';
    const routed = svc.routing.hosts.length > 0 || svc.routing.paths.length > 0 || svc.routing.priority !== undefined;
    if (blueGreen && (routed || props.priority !== undefined)) {
      throw new Error(`WebRouting ${id}: routing: received ${JSON.stringify(svc.routing)}; allowed: unset when deployment.strategy is blue-green (CodeDeploy forwards whole listeners)`);
    }
    if (!blueGreen && props.priority === undefined) throw new Error(`WebRouting ${id}: priority: received nothing; allowed: a listener-rule priority 1..50000 for a rolling service`);
    if (blueGreen && !props.loadBalancer.testListener) {
      throw new Error(`WebRouting ${id}: loadBalancer.testListener: received nothing; allowed: a load balancer with a test listener when deployment.strategy is blue-green`);
    }

    props.loadBalancer.allowTrafficTo(names.service, props.taskSecurityGroup, svc.containerPort);
    const hc = svc.healthCheck;
    this.targetGroupConfig = {
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
      lifecycle: { ignoreChanges: ['port'] },
    };
    this.targetGroup = new LbTargetGroup(this, 'tg', this.targetGroupConfig);
    if (!blueGreen) {
      const conditions: { hostHeader?: { values: string[] }; pathPattern?: { values: string[] } }[] = [];
      if (svc.routing.hosts.length) conditions.push({ hostHeader: { values: [...svc.routing.hosts] } });
      conditions.push({ pathPattern: { values: svc.routing.paths.length ? [...svc.routing.paths] : ['/*'] } });
      this.listenerRule = new LbListenerRule(this, 'rule', {
        listenerArn: props.loadBalancer.productionListener.arn,
        priority: props.priority,
        action: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
        condition: conditions,
      });
    }
  }
}
