import { isApplicationLoadBalancer, LB_TYPES } from './lib/load-balancers';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Malformed header fields are a request-smuggling vector; AWS forwards them unless told otherwise. */
export const rule: PolicyRule = {
  id: 'alb-drop-invalid-headers',
  requirement: 'Application Load Balancers drop invalid HTTP header fields.',
  level: 'error',
  resourceTypes: [...LB_TYPES],
  evaluate(resource) {
    if (!isApplicationLoadBalancer(resource)) return NOT_APPLICABLE;
    if (resource.attributes.drop_invalid_header_fields === true) return COMPLIANT;
    return nonCompliant('drop_invalid_header_fields is not true: malformed headers reach the targets (AWS default)');
  },
};
