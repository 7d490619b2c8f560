import { COMPLIANT, fromFindings, NOT_APPLICABLE, type Finding, type PolicyRule } from './lib/types';

interface Action {
  readonly name?: string;
  readonly category?: string;
  readonly provider?: string;
}
interface Stage {
  readonly name?: string;
  readonly action?: readonly Action[];
}

/** Categories whose actions run code against an environment (CodeBuild running ecs-release, a Deploy, an Invoke). */
const DEPLOYING = new Set(['Build', 'Deploy', 'Invoke']);
const isApproval = (a: Action) => a.category === 'Approval' && a.provider === 'Manual';

/**
 * A delivery pipeline's first deploying stage (dev) runs on every commit; every later one (the promotion to
 * production) must wait for a person: a manual approval in a stage after the previous deploying stage and before it.
 * An approval in the same stage runs in parallel with the promotion, not before it.
 */
export const rule: PolicyRule = {
  id: 'codepipeline-approval-gate',
  requirement: 'Every CodePipeline stage that deploys after the first one is preceded by a manual approval stage (the promotion to production waits for a person).',
  level: 'error',
  resourceTypes: ['aws_codepipeline'],
  evaluate(resource) {
    const stages = (resource.attributes.stage ?? []) as readonly Stage[];
    const deploying = stages.map((s) => (s.action ?? []).some((a) => DEPLOYING.has(a.category ?? '')));
    if (deploying.filter(Boolean).length < 2) return NOT_APPLICABLE;
    const findings: Finding[] = [];
    let previous = -1;
    stages.forEach((stage, i) => {
      if (!deploying[i]) return;
      if (previous >= 0) {
        const gated = stages.slice(previous + 1, i).some((s) => (s.action ?? []).some(isApproval) && !(s.action ?? []).some((a) => DEPLOYING.has(a.category ?? '')));
        if (!gated) findings.push({ id: stage.name, reason: `stage ${stage.name} deploys after stage ${stages[previous].name} with no manual approval stage between them` });
      }
      previous = i;
    });
    return findings.length === 0 ? COMPLIANT : fromFindings(findings);
  },
};
