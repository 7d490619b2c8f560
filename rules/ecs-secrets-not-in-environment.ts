import { containerDefinitions } from './lib/containers';
import { secretLookingVariable } from '../contracts/secret-patterns';
import { fromFindings, nonCompliant, type Finding, type PolicyRule } from './lib/types';

/**
 * Plain `environment` values are stored in the task definition, readable by anyone with ecs:DescribeTaskDefinition
 * and printed in plans; `secrets` are fetched by the agent at start from SSM or Secrets Manager.
 */
export const rule: PolicyRule = {
  id: 'ecs-secrets-not-in-environment',
  requirement: 'Containers receive secrets through `secrets` (SSM / Secrets Manager); no plain environment variable looks like a secret.',
  level: 'error',
  resourceTypes: ['aws_ecs_task_definition'],
  evaluate(resource) {
    const defs = containerDefinitions(resource.attributes.container_definitions);
    if (!defs.ok) return nonCompliant(defs.reason);
    const findings: Finding[] = [];
    for (const c of defs.containers) {
      for (const v of c.environment ?? []) {
        const why = secretLookingVariable(String(v.name ?? ''), String(v.value ?? ''));
        if (why) findings.push({ id: `${c.name}.${v.name}`, reason: `environment variable ${v.name} of container ${c.name}: ${why}; pass it in service.secrets (valueFrom an SSM parameter or Secrets Manager secret)` });
      }
    }
    return fromFindings(findings);
  },
};
