/**
 * The environments CI plans and applies, as JSON for GitHub Actions matrices: exactly the list `main.ts` deploys
 * (`ENVIRONMENTS`), each checked against its configuration. A new environment is `environments/<name>.ts` plus its
 * line in environments/index.ts; the workflows pick it up from here, nothing in `.github/workflows/` names an environment.
 *
 *   node dist/scripts/environments.js                   # one JSON document
 *   node dist/scripts/environments.js --github-output   # `key=<json>` lines for $GITHUB_OUTPUT
 *
 * Keys:
 *   plan            [{ environment, plan-role-variable }]: plan.yml's matrix; the plan role ARN of each environment is
 *                   the repository variable PLAN_ROLE_ARN_<NAME> (upper case, `-` as `_`)
 *   non-production  names applied first, in parallel (each in its GitHub Environment of the same name)
 *   production      names applied after every non-production apply succeeded, each in its GitHub Environment, whose
 *                   protection rules (required reviewers) are the approval
 */
import { ENVIRONMENTS, loadEnvironment, type EnvironmentConfig } from '../environments';
import { checkPromotionChain } from '../environments/schema/chain';

export interface PlanMatrixEntry {
  readonly environment: string;
  readonly 'plan-role-variable': string;
}

export interface CiEnvironments {
  /** The promotion chain: every environment in the order an image travels (deploy.yml). */
  readonly chain: string[];
  readonly plan: PlanMatrixEntry[];
  readonly 'non-production': string[];
  readonly production: string[];
}

/** `PLAN_ROLE_ARN_<NAME>`: repository variables cannot hold `-`. */
export function planRoleVariable(name: string): string {
  return `PLAN_ROLE_ARN_${name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The CI view of the given environments (default: the environment list, loaded from environments/), checked as the
 * promotion chain first (environments/schema/chain.ts). Among those checks: an environment whose
 * `ci.githubEnvironment` is not its own name is refused, since the apply job runs in the GitHub Environment named after
 * the environment and the apply role trusts only `environment:<ci.githubEnvironment>`; a different name would fail
 * late, at the first apply after a merge, instead of on the pull request.
 */
export function ciEnvironments(names: readonly string[] = ENVIRONMENTS, load: (name: string) => EnvironmentConfig = loadEnvironment): CiEnvironments {
  if (names.length === 0) throw new Error('ENVIRONMENTS (environments/index.ts): received []; allowed: at least one environment');
  const configs = names.map((name) => load(name));
  checkPromotionChain(configs);
  return {
    chain: configs.map((e) => e.name),
    plan: configs.map((e) => ({ environment: e.name, 'plan-role-variable': planRoleVariable(e.name) })),
    'non-production': configs.filter((e) => !e.production).map((e) => e.name),
    production: configs.filter((e) => e.production).map((e) => e.name),
  };
}

/** `key=<json>` lines, the format of $GITHUB_OUTPUT (single-line JSON, so no delimiters are needed). */
export function githubOutput(ci: CiEnvironments): string {
  return Object.entries(ci).map(([key, value]) => `${key}=${JSON.stringify(value)}\n`).join('');
}

if (require.main === module) {
  try {
    const ci = ciEnvironments();
    process.stdout.write(process.argv.includes('--github-output') ? githubOutput(ci) : `${JSON.stringify(ci, null, 2)}\n`);
  } catch (e) {
    process.stderr.write(`environments: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
