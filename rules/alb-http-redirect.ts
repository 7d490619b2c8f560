import { listenerProtocol, LISTENER_TYPES, loadBalancerOf, redirectsToHttps, rulesOf } from './lib/load-balancers';
import { blocks } from './lib/synthesized';
import { fromFindings, NOT_APPLICABLE, type Finding, type PolicyRule } from './lib/types';

/** Plain HTTP only ever answers with a redirect to HTTPS, and no listener rule bypasses that redirect. */
export const rule: PolicyRule = {
  id: 'alb-http-redirect',
  requirement: 'HTTP listeners of Application Load Balancers only redirect to HTTPS (default action and every listener rule).',
  level: { production: 'error', otherwise: 'warning' },
  resourceTypes: [...LISTENER_TYPES],
  evaluate(resource, stack) {
    const lb = loadBalancerOf(stack, resource);
    if ((lb && (lb.attributes.load_balancer_type ?? 'application') !== 'application') || listenerProtocol(resource) !== 'HTTP') return NOT_APPLICABLE;
    const port = resource.attributes.port;
    if (!redirectsToHttps(resource.attributes.default_action)) {
      const kind = blocks(resource.attributes.default_action).map((a) => a.type).join('+') || 'none';
      return fromFindings([{ reason: `HTTP listener on port ${port} answers requests (default action ${kind}) instead of redirecting to HTTPS` }]);
    }
    const findings: Finding[] = rulesOf(stack, resource)
      .filter((r) => !redirectsToHttps(r.attributes.action))
      .map((r) => ({ reason: `listener rule ${r.path} serves plain HTTP on port ${port}, bypassing the redirect to HTTPS` }));
    return fromFindings(findings);
  },
};
