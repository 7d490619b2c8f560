import { COMPLIANT, nonCompliant, type PolicyRule } from './lib/types';

/** CloudWatch keeps logs forever by default: cost grows without bound and personal data outlives its purpose. */
export const rule: PolicyRule = {
  id: 'logs-retention',
  requirement: 'CloudWatch log groups set a retention period.',
  level: 'error',
  resourceTypes: ['aws_cloudwatch_log_group'],
  evaluate(resource) {
    const days = resource.attributes.retention_in_days;
    if (typeof days === 'number' && days > 0) return COMPLIANT;
    return nonCompliant(`retention_in_days is ${days === undefined ? 'unset' : JSON.stringify(days)}: logs are kept forever (AWS default); set logRetentionDays`);
  },
};
