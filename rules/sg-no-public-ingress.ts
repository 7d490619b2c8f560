import { isApplicationLoadBalancer, LB_TYPES } from './lib/load-balancers';
import { asStringList, blocks, listing, resolveReference } from './lib/synthesized';
import { fromFindings, NOT_APPLICABLE, type Finding, type PolicyRule, type StackFacts, type SynthesizedResource } from './lib/types';

const OPEN = new Set(['0.0.0.0/0', '::/0']);
const WEB_PORTS = new Set([80, 443]);

interface Ingress {
  readonly group?: SynthesizedResource;
  readonly cidrs: string[];
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
}

/** Ingress entries a resource declares, with the security group they open. */
function ingressOf(resource: SynthesizedResource, stack: StackFacts): Ingress[] | undefined {
  const a = resource.attributes;
  switch (resource.type) {
    case 'aws_vpc_security_group_ingress_rule':
      return [{ group: resolveReference(stack, a.security_group_id), cidrs: asStringList(a.cidr_ipv4).concat(asStringList(a.cidr_ipv6)), protocol: String(a.ip_protocol), fromPort: a.from_port as number, toPort: a.to_port as number }];
    case 'aws_security_group_rule':
      if (a.type !== 'ingress') return undefined;
      return [{ group: resolveReference(stack, a.security_group_id), cidrs: asStringList(a.cidr_blocks).concat(asStringList(a.ipv6_cidr_blocks)), protocol: String(a.protocol), fromPort: a.from_port as number, toPort: a.to_port as number }];
    case 'aws_security_group':
      return blocks(a.ingress).map((i) => ({ group: resource, cidrs: asStringList(i.cidr_blocks).concat(asStringList(i.ipv6_cidr_blocks)), protocol: String(i.protocol), fromPort: i.from_port as number, toPort: i.to_port as number }));
    default:
      return undefined;
  }
}

function belongsToApplicationLoadBalancer(stack: StackFacts, group: SynthesizedResource | undefined): boolean {
  return group !== undefined && LB_TYPES.some((t) => listing(stack, t, 'security_groups', group).some(isApplicationLoadBalancer));
}

/**
 * Only the internet-facing load balancer may take traffic from anywhere, and only web traffic on 80/443; tasks,
 * endpoints and test listeners are reachable from named sources only.
 */
export const rule: PolicyRule = {
  id: 'sg-no-public-ingress',
  requirement: 'No security group admits 0.0.0.0/0 or ::/0, except an Application Load Balancer\'s group on TCP 80 and 443.',
  level: 'error',
  resourceTypes: ['aws_vpc_security_group_ingress_rule', 'aws_security_group_rule', 'aws_security_group'],
  evaluate(resource, stack) {
    const entries = ingressOf(resource, stack);
    if (!entries || entries.length === 0) return NOT_APPLICABLE;
    const findings: Finding[] = [];
    for (const e of entries) {
      const open = e.cidrs.filter((c) => OPEN.has(c));
      if (open.length === 0) continue;
      const webOnly = ['tcp', '6'].includes(e.protocol.toLowerCase()) && e.fromPort === e.toPort && WEB_PORTS.has(Number(e.fromPort));
      if (webOnly && belongsToApplicationLoadBalancer(stack, e.group)) continue;
      const ports = e.protocol === '-1' ? 'all ports' : e.fromPort === e.toPort ? `port ${e.fromPort}` : `ports ${e.fromPort}-${e.toPort}`;
      findings.push({ reason: `admits ${open.join(' and ')} on ${ports} (${e.protocol}): only an Application Load Balancer's group may be open to the internet, on 80/443` });
    }
    return fromFindings(findings);
  },
};
