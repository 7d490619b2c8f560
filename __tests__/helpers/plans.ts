import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { parsePlan, type TerraformPlan } from '../../src/plan-comment/plan';

/** A plan made by real Terraform, with what Terraform itself printed for it. */
export interface RealPlan {
  readonly plan: TerraformPlan;
  readonly json: string;
  /** `terraform show <planfile>`: Terraform's own human rendering of the same plan. */
  readonly text: string;
  /** The `Plan: …` line Terraform printed, if any. */
  readonly terraformPlanLine?: string;
  readonly terraformSaysNoChanges: boolean;
  readonly dir: string;
}

export interface ScenarioOptions {
  /** Configuration applied first (the "current" infrastructure); omitted for a plan from empty state. */
  readonly before?: string;
  /** Configuration planned. */
  readonly after: string;
  readonly planArgs?: string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Runs between apply and plan (e.g. change something outside Terraform). */
  readonly between?: (dir: string) => void | Promise<void>;
}

/** Applies `before` into local state, then plans `after`, in a scratch directory removed by `remove()`. */
export async function planScenario(name: string, o: ScenarioOptions): Promise<RealPlan & { remove: () => void }> {
  const scratch = scratchDir(`plan-${name}`);
  const dir = scratch.dir;
  const env = o.env;
  if (o.before !== undefined) {
    writeFileSync(join(dir, 'main.tf'), o.before);
    terraform(['init', '-input=false'], dir, { env });
    terraform(['apply', '-input=false', '-auto-approve'], dir, { env });
  }
  if (o.between) await o.between(dir);
  writeFileSync(join(dir, 'main.tf'), o.after);
  if (o.before === undefined) terraform(['init', '-input=false'], dir, { env });
  return { ...planIn(dir, o.planArgs ?? [], env), remove: scratch.remove };
}

/** plan -out + show -json + show, in a directory that is already initialised. */
export function planIn(dir: string, planArgs: string[] = [], env?: NodeJS.ProcessEnv): RealPlan {
  terraform(['plan', '-input=false', '-detailed-exitcode', '-out=tfplan', ...planArgs], dir, { okCodes: [0, 2], env });
  const json = terraform(['show', '-json', 'tfplan'], dir, { env }).stdout;
  const text = terraform(['show', 'tfplan'], dir, { env }).stdout;
  return {
    plan: parsePlan(json),
    json,
    text,
    terraformPlanLine: /^Plan: .*$/m.exec(text)?.[0],
    terraformSaysNoChanges: /^No changes\. Your infrastructure matches the configuration\.$/m.test(text),
    dir,
  };
}
