import { containerDefinitions } from './lib/containers';
import { fromFindings, nonCompliant, type PolicyRule } from './lib/types';

/**
 * With version consistency off, a scale-out after a tag moved starts tasks with other bytes than the rest of the
 * deployment: errors cannot be matched to an image and rollback is not clean.
 */
export const rule: PolicyRule = {
  id: 'ecs-version-consistency',
  requirement: 'Containers keep ECS software version consistency (one digest per deployment) unless pinned by digest.',
  level: { production: 'error', otherwise: 'warning' },
  resourceTypes: ['aws_ecs_task_definition'],
  evaluate(resource) {
    const defs = containerDefinitions(resource.attributes.container_definitions);
    if (!defs.ok) return nonCompliant(defs.reason);
    return fromFindings(
      defs.containers
        .filter((c) => c.versionConsistency === 'disabled' && !String(c.image ?? '').includes('@sha256:'))
        .map((c) => ({ id: c.name, reason: `container ${c.name} has versionConsistency "disabled": tasks of one deployment may run different images` })),
    );
  },
};
