import type { AttachedSuppression } from './suppressions';
import { levelFor, type Level, type PolicyRule, type StackFacts } from './types';

export interface PolicyFinding {
  readonly ruleId: string;
  readonly level: Level;
  /** Construct path of the resource. */
  readonly path: string;
  /** Terraform address of the resource. */
  readonly address: string;
  /** Part of the resource at fault (an IAM statement's Sid), when the rule names one. */
  readonly findingId?: string;
  readonly reason: string;
}

/** A finding a suppression covers: listed in every report so a reviewer sees each accepted risk and its reason. */
export interface AcceptedRisk extends PolicyFinding {
  /** The suppression's reason. */
  readonly justification: string;
  /** Construct path the suppression is attached to. */
  readonly attachedTo: string;
}

export interface PolicyReport {
  readonly stack: string;
  readonly production: boolean;
  readonly target: string;
  /** Ids of the rules evaluated. */
  readonly rules: readonly string[];
  /** Resources (and the backend) in the stack. */
  readonly resourcesChecked: number;
  /** Rule x resource evaluations that applied (compliant or not). */
  readonly evaluations: number;
  readonly errors: readonly PolicyFinding[];
  readonly warnings: readonly PolicyFinding[];
  readonly accepted: readonly AcceptedRisk[];
  /** Suppressions that covered nothing: stale entries a reviewer should delete. */
  readonly unusedSuppressions: readonly AttachedSuppression[];
}

/**
 * Applies every rule to every resource of its types; findings covered by a suppression become accepted risks,
 * the rest are errors or warnings by the rule's level for this environment. A rule that throws is an error
 * finding (the check fails closed).
 */
export function evaluatePolicy(
  facts: StackFacts,
  rules: readonly PolicyRule[],
  suppressionsFor: (path: string) => readonly AttachedSuppression[],
): PolicyReport {
  const errors: PolicyFinding[] = [];
  const warnings: PolicyFinding[] = [];
  const accepted: AcceptedRisk[] = [];
  const used = new Set<AttachedSuppression>();
  const seen = new Set<AttachedSuppression>();
  let evaluations = 0;

  for (const resource of facts.resources) {
    const suppressions = suppressionsFor(resource.path);
    suppressions.forEach((s) => seen.add(s));
    for (const rule of rules) {
      if (!rule.resourceTypes.includes(resource.type)) continue;
      const level = levelFor(rule, facts.production);
      let findings: { reason: string; id?: string }[];
      try {
        const result = rule.evaluate(resource, facts);
        if (result.status === 'not-applicable') continue;
        evaluations++;
        if (result.status === 'compliant') continue;
        findings = [...result.findings];
      } catch (e) {
        evaluations++;
        findings = [{ reason: `the rule could not evaluate this resource (${(e as Error).message})` }];
      }
      for (const f of findings) {
        const finding: PolicyFinding = {
          ruleId: rule.id,
          level,
          path: resource.path,
          address: resource.address,
          ...(f.id !== undefined ? { findingId: f.id } : {}),
          reason: f.reason,
        };
        const cover = suppressions.find((s) => s.ruleId === rule.id && (s.appliesTo === undefined || (f.id !== undefined && s.appliesTo.includes(f.id))));
        if (cover) {
          used.add(cover);
          accepted.push({ ...finding, justification: cover.reason, attachedTo: cover.attachedTo });
        } else {
          (level === 'error' ? errors : warnings).push(finding);
        }
      }
    }
  }
  return {
    stack: facts.stack,
    production: facts.production,
    target: facts.target,
    rules: rules.map((r) => r.id),
    resourcesChecked: facts.resources.length,
    evaluations,
    errors,
    warnings,
    accepted,
    unusedSuppressions: [...seen].filter((s) => !used.has(s)),
  };
}

function where(f: PolicyFinding): string {
  return `${f.path}${f.findingId !== undefined ? ` [${f.findingId}]` : ''}`;
}

/** `error alb-https at prod/load-balancer/alb: <reason>`: one line per finding. */
export function formatFinding(f: PolicyFinding): string {
  return `${f.level} ${f.ruleId} at ${where(f)}: ${f.reason}`;
}

export function formatAccepted(a: AcceptedRisk): string {
  const attached = a.attachedTo === a.path ? '' : ` (suppressed at ${a.attachedTo})`;
  return `accepted ${a.ruleId} at ${where(a)}: ${a.justification}${attached}`;
}

export function formatUnused(s: AttachedSuppression): string {
  return `unused suppression of ${s.ruleId} at ${s.attachedTo}${s.appliesTo ? ` [${s.appliesTo.join(', ')}]` : ''}: it covers no finding; delete it`;
}

/** The lines printed at synthesis: a summary, then warnings, accepted risks and stale suppressions. */
export function formatReport(report: PolicyReport, reportFile?: string): string[] {
  const summary =
    `policy ${report.stack}: ${report.rules.length} rules, ${report.resourcesChecked} resources, ` +
    `${report.errors.length} errors, ${report.warnings.length} warnings, ${report.accepted.length} accepted risks` +
    (reportFile ? ` (${reportFile})` : '');
  return [
    summary,
    ...report.errors.map((f) => `  ${formatFinding(f)}`),
    ...report.warnings.map((f) => `  ${formatFinding(f)}`),
    ...report.accepted.map((a) => `  ${formatAccepted(a)}`),
    ...report.unusedSuppressions.map((s) => `  warning ${formatUnused(s)}`),
  ];
}

/** Thrown at synthesis when error-level findings remain: the message has one line per finding. */
export class PolicyViolation extends Error {
  constructor(readonly report: PolicyReport) {
    super(
      [
        `policy check failed for stack "${report.stack}": ${report.errors.length} error(s); fix each, or accept it with suppress() and a written reason (docs/guardrails.md)`,
        ...report.errors.map((f) => `  ${formatFinding(f)}`),
      ].join('\n'),
    );
    this.name = 'PolicyViolation';
  }
}
