import { isApplicationLoadBalancer, LB_TYPES, listenerProtocol, listenersOf } from './lib/load-balancers';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Users reach the service over TLS. Dev may run plain HTTP until it has a certificate (warning). */
export const rule: PolicyRule = {
  id: 'alb-https',
  requirement: 'Every Application Load Balancer with listeners has an HTTPS listener.',
  level: { production: 'error', otherwise: 'warning' },
  resourceTypes: [...LB_TYPES],
  evaluate(resource, stack) {
    if (!isApplicationLoadBalancer(resource)) return NOT_APPLICABLE;
    const listeners = listenersOf(stack, resource);
    if (listeners.length === 0) return NOT_APPLICABLE;
    if (listeners.some((l) => listenerProtocol(l) === 'HTTPS')) return COMPLIANT;
    return nonCompliant('no HTTPS listener: clients reach the service over plain HTTP; set loadBalancer.certificateArn');
  },
};
