import { identityStatements, IDENTITY_POLICY_TYPES, isUnscopedResource } from './lib/iam';
import { fromFindings, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/**
 * Grants name their resources. Some actions have no resource-level permissions in AWS (the Service Authorization
 * Reference lists no resource type for them) and only accept "*": each such statement is suppressed, by Sid, with
 * the reason, so the exceptions are listed rather than hidden.
 */
export const rule: PolicyRule = {
  id: 'iam-no-wildcard-resources',
  requirement: 'Identity policies scope every Allow to named resources; "*" only where AWS offers no resource-level permission, each accepted by Sid with its reason.',
  level: 'error',
  resourceTypes: [...IDENTITY_POLICY_TYPES],
  evaluate(resource) {
    const docs = identityStatements(resource);
    if (!docs) return NOT_APPLICABLE;
    if (!docs.ok) return nonCompliant(docs.reason);
    return fromFindings(
      docs.statements
        .filter((s) => s.effect === 'Allow')
        .flatMap((s) => {
          if (s.notResources.length > 0) return [{ id: s.name, reason: `statement ${s.name} applies to every resource except ${s.notResources.join(', ')} (NotResource)` }];
          const wide = s.resources.filter(isUnscopedResource);
          return wide.length > 0 ? [{ id: s.name, reason: `statement ${s.name} grants ${s.actions.join(', ')} on ${wide.join(', ')}` }] : [];
        }),
    );
  },
};
