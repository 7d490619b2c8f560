import { isApplicationLoadBalancer, LB_TYPES } from './lib/load-balancers';
import { blocks } from './lib/synthesized';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Every request through a load balancer is recorded (client, path, status, TLS), so an incident can be traced. */
export const rule: PolicyRule = {
  id: 'alb-access-logs',
  requirement: 'Application Load Balancers write access logs to an S3 bucket.',
  level: { production: 'error', otherwise: 'warning' },
  resourceTypes: [...LB_TYPES],
  evaluate(resource) {
    if (!isApplicationLoadBalancer(resource)) return NOT_APPLICABLE;
    const logs = blocks(resource.attributes.access_logs)[0];
    if (!logs || logs.enabled !== true || typeof logs.bucket !== 'string' || logs.bucket === '') {
      return nonCompliant('access logs are off: requests through the load balancer leave no record; set loadBalancer.accessLogs.enabled');
    }
    return COMPLIANT;
  },
};
