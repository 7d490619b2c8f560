import type { IConstruct } from 'constructs';
import { reasonProblem } from '../../contracts/suppression-reason';

/** Construct metadata type under which suppressions are stored (data on the construct, like cdk-nag's). */
export const SUPPRESSION_METADATA = 'ecs-coexist:policy-suppression';

/**
 * An accepted risk: a rule that may fail on this construct (and the resources under it), with the reason a reviewer
 * reads. Attach it to the narrowest construct that carries the risk, and narrow further with `appliesTo` when the
 * rule names parts of a resource (the Sids of an IAM policy's statements).
 */
export interface Suppression {
  readonly ruleId: string;
  /** Why the risk is accepted: at least one sentence (20+ characters, 4+ words), one line. */
  readonly reason: string;
  /** Finding ids covered (e.g. statement Sids); every finding of the rule when omitted. */
  readonly appliesTo?: readonly string[];
}

/** A suppression and the construct path it is attached to. */
export interface AttachedSuppression extends Suppression {
  readonly attachedTo: string;
}

/**
 * Attaches suppressions to `scope`. Each is validated now, so a bad one fails where it is written: one line naming
 * the construct, the field, what was received and what is allowed.
 */
export function suppress(scope: IConstruct, knownRuleIds: readonly string[], ...suppressions: Suppression[]): void {
  for (const s of suppressions) {
    const where = `suppression at ${scope.node.path}`;
    if (!knownRuleIds.includes(s.ruleId)) {
      throw new Error(`${where}: ruleId: received ${JSON.stringify(s.ruleId)}; allowed: one of ${knownRuleIds.join(', ')}`);
    }
    const problem = reasonProblem(s.reason);
    if (problem) throw new Error(`${where} (${s.ruleId}): reason: received ${JSON.stringify(s.reason)}; allowed: ${problem}`);
    if (s.appliesTo !== undefined && (s.appliesTo.length === 0 || s.appliesTo.some((a) => typeof a !== 'string' || a.trim() === ''))) {
      throw new Error(`${where} (${s.ruleId}): appliesTo: received ${JSON.stringify(s.appliesTo)}; allowed: finding ids (statement Sids), or omit it to cover the whole construct`);
    }
    const data: Suppression = { ruleId: s.ruleId, reason: s.reason.trim(), ...(s.appliesTo ? { appliesTo: [...s.appliesTo] } : {}) };
    scope.node.addMetadata(SUPPRESSION_METADATA, data);
  }
}

/** Suppressions attached directly to `scope`. */
export function suppressionsOf(scope: IConstruct): AttachedSuppression[] {
  return scope.node.metadata
    .filter((m) => m.type === SUPPRESSION_METADATA)
    .map((m) => ({ ...(m.data as Suppression), attachedTo: scope.node.path }));
}
