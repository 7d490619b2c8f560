import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** ECS Exec is a shell into running tasks: in production only with a written reason, which becomes the suppression. */
export const rule: PolicyRule = {
  id: 'ecs-exec-production',
  requirement: 'ECS Exec is off in production unless a reason is configured (service.executeCommandReason, listed as an accepted risk).',
  level: 'error',
  resourceTypes: ['aws_ecs_service'],
  evaluate(resource, stack) {
    if (!stack.production) return NOT_APPLICABLE;
    if (resource.attributes.enable_execute_command !== true) return COMPLIANT;
    return nonCompliant('ECS Exec is enabled in production: anyone with ecs:ExecuteCommand gets a shell in the tasks; turn it off or set service.executeCommandReason');
  },
};
