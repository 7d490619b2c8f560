import { asStringList, blocks, parseReference, referencing, resolveReference } from './lib/synthesized';
import { fromFindings, NOT_APPLICABLE, type Finding, type PolicyRule, type StackFacts, type SynthesizedResource } from './lib/types';

/** true: a default route to an internet gateway; false: none; undefined: the route table is not known here. */
function routesToInternet(stack: StackFacts, subnet: SynthesizedResource): boolean | undefined {
  const associations = referencing(stack, 'aws_route_table_association', 'subnet_id', subnet);
  if (associations.length === 0) return undefined;
  for (const association of associations) {
    const table = resolveReference(stack, association.attributes.route_table_id);
    if (!table) return undefined;
    const routes = [...referencing(stack, 'aws_route', 'route_table_id', table).map((r) => r.attributes), ...blocks(table.attributes.route)];
    const viaGateway = routes.some((r) => {
      const gateway = r.gateway_id;
      const target = parseReference(gateway);
      return target ? target.address.startsWith('aws_internet_gateway.') : typeof gateway === 'string' && gateway.startsWith('igw-');
    });
    if (viaGateway) return true;
  }
  return false;
}

/** Tasks get no public address and live in subnets without a route to the internet gateway. */
export const rule: PolicyRule = {
  id: 'ecs-tasks-private',
  requirement: 'ECS services run tasks without public IPs, in subnets of this stack whose route tables have no internet gateway route.',
  level: { production: 'error', otherwise: 'warning' },
  resourceTypes: ['aws_ecs_service'],
  evaluate(resource, stack) {
    const network = blocks(resource.attributes.network_configuration)[0];
    if (!network) return NOT_APPLICABLE;
    const findings: Finding[] = [];
    if (network.assign_public_ip === true) findings.push({ reason: 'assign_public_ip is true: every task gets a public address' });
    const subnets = asStringList(network.subnets);
    if (subnets.length === 0) findings.push({ reason: 'network_configuration names no subnets' });
    for (const ref of subnets) {
      const subnet = resolveReference(stack, ref);
      if (!subnet || subnet.type !== 'aws_subnet') {
        findings.push({ reason: `subnet ${ref} is not declared in this stack, so it cannot be shown to be private` });
        continue;
      }
      if (subnet.attributes.map_public_ip_on_launch === true) findings.push({ reason: `subnet ${subnet.path} hands out public IPs (map_public_ip_on_launch)` });
      const internet = routesToInternet(stack, subnet);
      if (internet === undefined) findings.push({ reason: `subnet ${subnet.path} uses a route table this stack does not declare, so it cannot be shown to be private` });
      else if (internet) findings.push({ reason: `subnet ${subnet.path} routes to an internet gateway (a public subnet); use the private subnets` });
    }
    return fromFindings(findings);
  },
};
