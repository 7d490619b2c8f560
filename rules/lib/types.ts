/**
 * The vocabulary of the policy rules (cdk-nag's design on cdktf): a rule is a pure function over one synthesized
 * resource and the facts of its stack, returning compliant, not applicable, or non-compliant with one-line reasons.
 */

export type Level = 'error' | 'warning';

/** A level that depends on the environment: typically an error in production and a warning elsewhere. */
export interface LevelByEnvironment {
  readonly production: Level;
  readonly otherwise: Level;
}

/** Where the stack is meant to run (mirrors `StackTarget` of stacks/environment-stack.ts). */
export type PolicyTarget = 'aws' | 'offline' | 'emulator';

/** Pseudo resource type under which the stack's state backend is checked (it is configuration, not a resource). */
export const BACKEND_TYPE = 'terraform_backend';

/** One resource exactly as Terraform will read it. */
export interface SynthesizedResource {
  /** Terraform type (`aws_lb`), or `terraform_backend` for the state backend. */
  readonly type: string;
  /** Terraform address (`aws_lb.load-balancer_alb_15AADC07`): what other resources' references point to. */
  readonly address: string;
  /** Construct path (`prod/load-balancer/alb`): where findings are reported and suppressions are looked up. */
  readonly path: string;
  /**
   * Attributes in Terraform's snake_case with every token resolved: references read `${aws_x.y.attr}`, and
   * `jsonencode()` of a literal is decoded to the JSON text Terraform will produce (references kept as `${...}`).
   */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** What a rule may know about the stack besides the resource it checks. */
export interface StackFacts {
  /** Stack id (= environment name). */
  readonly stack: string;
  readonly production: boolean;
  readonly target: PolicyTarget;
  /** Every resource of the stack (plus the backend), for rules that follow references. */
  readonly resources: readonly SynthesizedResource[];
}

export interface Finding {
  /** One line: what is wrong and, where it helps, what to do. */
  readonly reason: string;
  /** Names the part of the resource at fault (an IAM statement's Sid), so a suppression can cover just that part. */
  readonly id?: string;
}

export type RuleResult =
  | { readonly status: 'compliant' }
  | { readonly status: 'not-applicable' }
  | { readonly status: 'non-compliant'; readonly findings: readonly Finding[] };

export interface PolicyRule {
  /** Kebab-case id, equal to the rule's file name under rules/. */
  readonly id: string;
  /** One sentence saying what the rule requires (the docs table is generated from it). */
  readonly requirement: string;
  readonly level: Level | LevelByEnvironment;
  /** Resource types the rule reads; others are never shown to it. */
  readonly resourceTypes: readonly string[];
  evaluate(resource: SynthesizedResource, stack: StackFacts): RuleResult;
}

export const COMPLIANT: RuleResult = { status: 'compliant' };
export const NOT_APPLICABLE: RuleResult = { status: 'not-applicable' };

export function nonCompliant(reason: string, id?: string): RuleResult {
  return { status: 'non-compliant', findings: [id === undefined ? { reason } : { reason, id }] };
}

/** Non-compliant when any finding was collected, compliant otherwise. */
export function fromFindings(findings: readonly Finding[]): RuleResult {
  return findings.length > 0 ? { status: 'non-compliant', findings } : COMPLIANT;
}

export function levelFor(rule: Pick<PolicyRule, 'level'>, production: boolean): Level {
  return typeof rule.level === 'string' ? rule.level : production ? rule.level.production : rule.level.otherwise;
}

export function describeLevel(rule: Pick<PolicyRule, 'level'>): string {
  if (typeof rule.level === 'string') return rule.level;
  const { production, otherwise } = rule.level;
  return production === otherwise ? production : `${production} in production, ${otherwise} elsewhere`;
}
