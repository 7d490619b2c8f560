import { CURRENT_TLS_POLICIES } from '../contracts/tls';
import { listenerProtocol, LISTENER_TYPES } from './lib/load-balancers';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** TLS listeners use a TLS 1.2+ policy with forward secrecy (the list the environment schema accepts). */
export const rule: PolicyRule = {
  id: 'alb-tls-policy',
  requirement: `HTTPS/TLS listeners use a current TLS policy (${CURRENT_TLS_POLICIES.join(', ')}).`,
  level: 'error',
  resourceTypes: [...LISTENER_TYPES],
  evaluate(resource) {
    if (!['HTTPS', 'TLS'].includes(listenerProtocol(resource))) return NOT_APPLICABLE;
    const policy = resource.attributes.ssl_policy;
    if (typeof policy === 'string' && (CURRENT_TLS_POLICIES as readonly string[]).includes(policy)) return COMPLIANT;
    // Without ssl_policy AWS applies ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.
    return nonCompliant(`ssl_policy is ${policy === undefined ? "unset (AWS applies ELBSecurityPolicy-2016-08, TLS 1.0+)" : JSON.stringify(policy)}; use ${CURRENT_TLS_POLICIES[0]} or newer`);
  },
};
