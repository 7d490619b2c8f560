import { actionMatches, conditionKeys, identityStatements, IDENTITY_POLICY_TYPES } from './lib/iam';
import { fromFindings, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Without iam:PassedToService a role passed for ECS tasks could be handed to any service that accepts roles. */
export const rule: PolicyRule = {
  id: 'iam-passrole-condition',
  requirement: 'Every statement that allows iam:PassRole carries an iam:PassedToService condition.',
  level: 'error',
  resourceTypes: [...IDENTITY_POLICY_TYPES],
  evaluate(resource) {
    const docs = identityStatements(resource);
    if (!docs) return NOT_APPLICABLE;
    if (!docs.ok) return nonCompliant(docs.reason);
    return fromFindings(
      docs.statements
        .filter((s) => s.effect === 'Allow')
        .filter((s) => (s.notActions.length > 0 ? !s.notActions.some((a) => actionMatches(a, 'iam:PassRole')) : s.actions.some((a) => actionMatches(a, 'iam:PassRole'))))
        .filter((s) => !conditionKeys(s).includes('iam:passedtoservice'))
        .map((s) => ({ id: s.name, reason: `statement ${s.name} allows iam:PassRole without an iam:PassedToService condition` })),
    );
  },
};
