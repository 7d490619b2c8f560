import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Aspects, TerraformBackend, TerraformStack, type IAspect, type ISynthesisSession } from 'cdktf';
import type { IConstruct } from 'constructs';
import { evaluatePolicy, formatReport, PolicyViolation, type PolicyReport } from './engine';
import { suppressionsOf, type AttachedSuppression } from './suppressions';
import { synthesizedResources, type TerraformConfig } from './synthesized';
import type { PolicyRule, PolicyTarget } from './types';

/** File written next to each stack's cdk.tf.json: every finding and accepted risk, for reviewers and CI. */
export const POLICY_REPORT_FILE = 'policy-report.json';

export interface PolicyChecksOptions {
  readonly production: boolean;
  readonly target: PolicyTarget;
  readonly rules: readonly PolicyRule[];
  /** Where the synthesis summary goes. @default one line per call on stdout (see `attachPolicyChecks`) */
  readonly log?: (line: string) => void;
}

/**
 * The Aspect that runs the policy rules at synthesis. It acts on the stack node (cdktf visits it before any child)
 * and reads the stack's synthesized configuration as a whole: rules see resolved values and can follow references
 * between resources (which security group belongs to the load balancer, which route table a subnet uses).
 * Error-level findings throw `PolicyViolation`, which stops synthesis before anything is written.
 */
export class PolicyChecks implements IAspect {
  private last?: PolicyReport;

  constructor(readonly options: PolicyChecksOptions) {}

  /** The report of the latest evaluation (undefined before synthesis). */
  get report(): PolicyReport | undefined {
    return this.last;
  }

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const report = checkStack(node, this.options);
    this.last = report;
    if (report.errors.length > 0) throw new PolicyViolation(report);
  }
}

/** Evaluates the rules over a stack as it would synthesize now. */
export function checkStack(stack: TerraformStack, options: Pick<PolicyChecksOptions, 'production' | 'target' | 'rules'>): PolicyReport {
  const tf = stack.toTerraform() as TerraformConfig;
  const constructs = stack.node.findAll();
  const byPath = new Map(constructs.map((c) => [c.node.path, c] as const));
  const backend = constructs.find((c) => c instanceof TerraformBackend);
  const resources = synthesizedResources(tf, stack.node.id, backend?.node.path);
  const attached = new Map<IConstruct, AttachedSuppression[]>();
  const suppressionsFor = (path: string): AttachedSuppression[] => {
    const out: AttachedSuppression[] = [];
    for (let c: IConstruct | undefined = byPath.get(path); c; c = c.node.scope) {
      if (!attached.has(c)) attached.set(c, suppressionsOf(c));
      out.push(...attached.get(c)!);
      if (c === stack) break;
    }
    return out;
  };
  return evaluatePolicy({ stack: stack.node.id, production: options.production, target: options.target, resources }, options.rules, suppressionsFor);
}

/**
 * Adds the policy Aspect to `stack` and, on a real synthesis, writes `policy-report.json` into the stack's output
 * folder and prints the summary (warnings and every accepted risk with its reason).
 */
export function attachPolicyChecks(stack: TerraformStack, options: PolicyChecksOptions): PolicyChecks {
  const checks = new PolicyChecks(options);
  Aspects.of(stack).add(checks);
  // stdout, not stderr: the cdktf CLI shows everything an app writes to stderr as red `[ERROR]` lines, and a report
  // of warnings and accepted risks on a synthesis that succeeded is no error (errors throw PolicyViolation instead).
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const inner = stack.synthesizer;
  stack.synthesizer = {
    synthesize(session: ISynthesisSession): void {
      inner.synthesize(session);
      const report = checks.report;
      if (!report) return;
      const file = join(session.outdir, session.manifest.forStack(stack).workingDirectory, POLICY_REPORT_FILE);
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      const shown = relative(process.cwd(), file);
      for (const line of formatReport(report, shown.startsWith('..') ? file : shown)) log(line);
    },
  };
  return checks;
}
