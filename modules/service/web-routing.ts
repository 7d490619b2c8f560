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
 * A containerPort change (8080 -> 9090) needs no replacement and leaves no request without a path:
 * - the target group stays: with target type `ip` ECS registers every task with the container port of the service's
 *   load-balancer mapping, and the health check probes `traffic-port` (the registered port); its `port` (ForceNew,
 *   only the default for registrations without one) is ignored after creation, so no ResourceInUse on the listener
 *   rule that forwards to it;
 * - the security-group path from the load balancer is opened per port: the new port's rules are added while the old
 *   port's stay (`previousContainerPorts`) until the tasks listening on it are replaced;
 * - the service's load-balancer mapping moves together with the revision that listens on the new port: the service
 *   ignores `load_balancer` and ecs-release sends the descriptor's mapping with the new revision in one UpdateService
 *   (old tasks drain from the target group on 8080 while new ones register on 9090).
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

    // One pair of rules per port, keyed by the port: a port change adds the new pair and keeps the old one (listed in
    // previousContainerPorts) until the tasks listening on it are gone, so no request finds its path closed.
    for (const port of [svc.containerPort, ...svc.previousContainerPorts]) {
      props.loadBalancer.allowTrafficTo(`${names.service}-${port}`, props.taskSecurityGroup, port);
    }
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
