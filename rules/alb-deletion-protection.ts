import { LB_TYPES } from './lib/load-balancers';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** A production load balancer carries the public DNS name; deleting it by accident is an outage. */
export const rule: PolicyRule = {
  id: 'alb-deletion-protection',
  requirement: 'Production load balancers have deletion protection on.',
  level: 'error',
  resourceTypes: [...LB_TYPES],
  evaluate(resource, stack) {
    if (!stack.production) return NOT_APPLICABLE;
    if (resource.attributes.enable_deletion_protection === true) return COMPLIANT;
    return nonCompliant('enable_deletion_protection is not true in production (AWS default: off)');
  },
};
