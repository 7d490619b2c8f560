/**
 * The GitHub OIDC subjects the CI roles trust, and the repository subject templates that make GitHub issue them.
 *
 * GitHub's default subject (`repo:<owner>/<name>:environment:<env>`) names neither the workflow nor the branch: any
 * job of any branch that declares the environment gets the role, unless the Environment restricts branches. With a
 * custom template (`PUT /repos/{owner}/{repo}/actions/oidc/customization/sub`, set by scripts/oidc-subject.ts) the
 * subject carries the claims below, in this order, and each trust policy matches the whole string.
 */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/**
 * Claims of the infrastructure repository's subject. Its workflows run from its own ref, so `job_workflow_ref`
 * (`<owner>/<name>/.github/workflows/<file>@<ref>`) pins workflow file and branch at once.
 */
export const INFRA_CLAIM_KEYS = ['repo', 'context', 'job_workflow_ref'] as const;
/**
 * Claims of an application repository's subject: its jobs run the infrastructure repository's reusable deploy.yml, so
 * `job_workflow_ref` names that workflow and its ref, and `ref` the application branch that called it.
 */
export const APP_CLAIM_KEYS = ['repo', 'context', 'ref', 'job_workflow_ref'] as const;

/** The branch whose workflows may apply and deploy, in the infrastructure and the application repositories. */
export const PROTECTED_REF = 'refs/heads/main';

export const WORKFLOWS = { plan: 'plan.yml', apply: '_apply.yml', deploy: 'deploy.yml' } as const;

/** One subject a role trusts: literal (StringEquals), or with `*` for a pull request's number only (StringLike). */
export interface GithubSubject {
  readonly value: string;
  readonly pattern: boolean;
}

export interface SubjectInputs {
  readonly infraRepository: string;
  readonly appRepositories: readonly string[];
  readonly githubEnvironment: string;
  /** Blue/green: the approval job's GitHub Environment. @default none (no approve role) */
  readonly approvalEnvironment?: string;
}

/** The subject GitHub issues for these claim values under the template `claimKeys` (documented format `key:value:...`). */
export function subjectOf(claims: { repo: string; context: string; ref?: string; job_workflow_ref: string }, claimKeys: readonly string[]): string {
  return claimKeys
    .map((key) => {
      if (key === 'repo') return `repo:${claims.repo}`;
      if (key === 'context') return claims.context;
      const value = (claims as Record<string, string | undefined>)[key];
      if (value === undefined) throw new Error(`subject claim ${key}: received no value; allowed: a value for every key of the template`);
      return `${key}:${value}`;
    })
    .join(':');
}

const workflowRef = (infra: string, file: string, ref: string) => `${infra}/.github/workflows/${file}@${ref}`;

export function githubSubjects(inputs: SubjectInputs): Record<'plan' | 'apply' | 'deploy' | 'approve', GithubSubject[]> {
  const infra = inputs.infraRepository;
  const literal = (value: string): GithubSubject => ({ value, pattern: false });
  const app = (environment: string) =>
    inputs.appRepositories.map((repo) =>
      literal(subjectOf({ repo, context: `environment:${environment}`, ref: PROTECTED_REF, job_workflow_ref: workflowRef(infra, WORKFLOWS.deploy, PROTECTED_REF) }, APP_CLAIM_KEYS)),
    );
  return {
    // A pull request runs plan.yml from its merge ref, whose number varies: the only wildcard, and only there. The pull
    // request can edit plan.yml itself, so the plan identity is made harmless instead (no secret, no write).
    plan: [{ value: subjectOf({ repo: infra, context: 'pull_request', job_workflow_ref: workflowRef(infra, WORKFLOWS.plan, 'refs/pull/*/merge') }, INFRA_CLAIM_KEYS), pattern: true }],
    apply: [literal(subjectOf({ repo: infra, context: `environment:${inputs.githubEnvironment}`, job_workflow_ref: workflowRef(infra, WORKFLOWS.apply, PROTECTED_REF) }, INFRA_CLAIM_KEYS))],
    deploy: app(inputs.githubEnvironment),
    approve: inputs.approvalEnvironment ? app(inputs.approvalEnvironment) : [],
  };
}
