import { identityStatements, IDENTITY_POLICY_TYPES } from './lib/iam';
import { fromFindings, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Actions are named one by one: a wildcard silently grows with every new API AWS adds to the service. */
export const rule: PolicyRule = {
  id: 'iam-no-wildcard-actions',
  requirement: 'Identity policies name every action: no `*` in Action, no NotAction.',
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
          if (s.notActions.length > 0) return [{ id: s.name, reason: `statement ${s.name} allows every action except ${s.notActions.join(', ')} (NotAction)` }];
          const wild = s.actions.filter((a) => a.includes('*') || a.includes('?'));
          return wild.length > 0 ? [{ id: s.name, reason: `statement ${s.name} allows wildcard actions ${wild.join(', ')}` }] : [];
        }),
    );
  },
};
