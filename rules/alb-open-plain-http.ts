import { containerDefinitions } from './lib/containers';
import { isApplicationLoadBalancer, listenerProtocol, LISTENER_TYPES, loadBalancerOf, redirectsToHttps, rulesOf, servicesBehind } from './lib/load-balancers';
import { isWorldOpen } from '../contracts/open-cidr';
import { asStringList, blocks, referencing, resolveReference } from './lib/synthesized';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule, type StackFacts, type SynthesizedResource } from './lib/types';

/**
 * What makes plain HTTP dangerous on this listener: the services it reaches (every web service behind it, never a
 * worker or scheduled task) hold secrets or accept ECS Exec sessions.
 */
function exposure(stack: StackFacts, listener: SynthesizedResource): string | undefined {
  const services = servicesBehind(stack, listener);
  if (services.some((r) => r.attributes.enable_execute_command === true)) return 'ECS Exec is on';
  const withSecrets = services.some((s) => {
    const task = resolveReference(stack, s.attributes.task_definition);
    // A task definition declared elsewhere, or unreadable definitions, count as holding secrets: the check fails closed.
    if (!task) return true;
    const parsed = containerDefinitions(task.attributes.container_definitions);
    return !parsed.ok || parsed.containers.some((c) => (c.secrets ?? []).length > 0);
  });
  return withSecrets ? 'the tasks hold secrets' : undefined;
}

function covers(port: number, from: unknown, to: unknown, protocol: unknown): boolean {
  if (String(protocol) === '-1') return true;
  return ['tcp', '6'].includes(String(protocol).toLowerCase()) && Number(from) <= port && port <= Number(to);
}

/** World-open sources the security group admits on `port`, from rule resources and inline blocks. */
function worldOpenSources(stack: StackFacts, group: SynthesizedResource, port: number): string[] {
  const out: string[] = [];
  for (const r of referencing(stack, 'aws_vpc_security_group_ingress_rule', 'security_group_id', group)) {
    const a = r.attributes;
    if (covers(port, a.from_port, a.to_port, a.ip_protocol)) out.push(...asStringList(a.cidr_ipv4), ...asStringList(a.cidr_ipv6));
  }
  for (const r of referencing(stack, 'aws_security_group_rule', 'security_group_id', group)) {
    const a = r.attributes;
    if (a.type === 'ingress' && covers(port, a.from_port, a.to_port, a.protocol)) out.push(...asStringList(a.cidr_blocks), ...asStringList(a.ipv6_cidr_blocks));
  }
  for (const i of blocks(group.attributes.ingress)) {
    if (covers(port, i.from_port, i.to_port, i.protocol)) out.push(...asStringList(i.cidr_blocks), ...asStringList(i.ipv6_cidr_blocks));
  }
  return out.filter(isWorldOpen);
}

/**
 * Plain HTTP from the whole internet to tasks that hold a database secret or accept ECS Exec sessions is refused in
 * every environment: whatever they answer crosses the internet in clear text. Named source ranges or TLS fix it.
 */
export const rule: PolicyRule = {
  id: 'alb-open-plain-http',
  requirement: 'No internet-facing Application Load Balancer serves plain HTTP to world-open sources (wider than /8) while ECS Exec is on or the tasks hold secrets.',
  level: 'error',
  resourceTypes: [...LISTENER_TYPES],
  evaluate(resource, stack) {
    const lb = loadBalancerOf(stack, resource);
    if (!lb || !isApplicationLoadBalancer(lb) || lb.attributes.internal === true || listenerProtocol(resource) !== 'HTTP') return NOT_APPLICABLE;
    if (redirectsToHttps(resource.attributes.default_action) && rulesOf(stack, resource).every((r) => redirectsToHttps(r.attributes.action))) return NOT_APPLICABLE;
    const why = exposure(stack, resource);
    if (!why) return NOT_APPLICABLE;
    const port = Number(resource.attributes.port ?? 80);
    const groups = asStringList(lb.attributes.security_groups).map((g) => resolveReference(stack, g));
    if (groups.some((g) => g === undefined)) return nonCompliant(`the load balancer uses a security group not declared in this stack, so who reaches plain HTTP on port ${port} cannot be checked`);
    const open = [...new Set(groups.flatMap((g) => worldOpenSources(stack, g!, port)))];
    if (open.length === 0) return COMPLIANT;
    return nonCompliant(`plain HTTP on port ${port} is open to ${open.join(' and ')} while ${why}; restrict loadBalancer.allowedIngressCidrs to named ranges or set loadBalancer.certificateArn`);
  },
};
