import { AUDIENCE, BRANCH, ENVIRONMENT, GITLAB_AUDIENCE, HOST, PROJECT_PATH } from '../contracts/gitlab';

export { GITLAB_AUDIENCE };
/**
 * The GitLab OIDC subjects the deploy roles trust when an environment's pipeline runs on GitLab CI.
 *
 * AWS evaluates only `aud` and `sub` of a generic OIDC provider's token (no other GitLab claim is a condition key),
 * and GitLab's default subject (`project_path:<p>:ref_type:<t>:ref:<r>`) does not name the job's environment: every
 * job of the default branch would get the prod role. The application project therefore sets its subject components
 * (`PUT /projects/:id` with `ci_id_token_sub_claim_components`, GitLab 17.10+) to GITLAB_SUB_CLAIM_COMPONENTS, and the
 * trust matches the whole subject with StringEquals: project, branch and environment at once.
 */
export const GITLAB_SUB_CLAIM_COMPONENTS = ['project_path', 'ref_type', 'ref', 'environment'] as const;


export interface GitlabSubjectClaims {
  /** `group/subgroup/project` */
  readonly projectPath: string;
  /** A branch name as GitLab writes it (no refs/heads/ prefix). */
  readonly ref: string;
  /** The job's `environment:name`. */
  readonly environment: string;
}


/**
 * The subject GitLab issues under GITLAB_SUB_CLAIM_COMPONENTS. A value carrying `:` (which would shift the claim
 * boundaries of the subject) or an IAM wildcard character is refused by throwing, naming the claim.
 */
export function gitlabSubject(claims: GitlabSubjectClaims): string {
  const check = (name: string, value: string, re: RegExp, allowed: string) => {
    if (!re.test(value) || value.includes('..')) throw new Error(`gitlab ${name}: received ${JSON.stringify(value)}; allowed: ${allowed}`);
  };
  check('projectPath', claims.projectPath, PROJECT_PATH, 'group/project (letters, digits, _ . -; subgroups with /)');
  check('ref', claims.ref, BRANCH, 'a branch name (letters, digits, . _ / -)');
  check('environment', claims.environment, ENVIRONMENT, 'an environment name (lowercase letters, digits, -)');
  return `project_path:${claims.projectPath}:ref_type:branch:ref:${claims.ref}:environment:${claims.environment}`;
}

export interface GitlabTrustInputs {
  /** The GitLab instance's host (`gitlab.com`): the issuer is https://<host> and the IAM condition keys are <host>:sub/aud. */
  readonly host: string;
  /** ARN of the account's IAM OIDC provider for that issuer. */
  readonly providerArn: string;
  readonly projectPaths: readonly string[];
  /** The branch whose jobs are trusted (`refs` adds more). */
  readonly ref: string;
  /** Further branches trusted like `ref`. @default none */
  readonly refs?: readonly string[];
  readonly environment: string;
  /** The `aud` the jobs' id_tokens request. @default GITLAB_AUDIENCE */
  readonly audience?: string;
}

/** The trust statement of a role a GitLab job assumes with its id_token: exactly these projects, branches and environment. */
export function gitlabTrustStatement(inputs: GitlabTrustInputs): Record<string, unknown> {
  if (!HOST.test(inputs.host)) throw new Error(`gitlab host: received ${JSON.stringify(inputs.host)}; allowed: a host name such as gitlab.com`);
  if (inputs.projectPaths.length === 0) throw new Error('gitlab projectPaths: received none; allowed: at least one application project');
  const audience = inputs.audience ?? GITLAB_AUDIENCE;
  if (!AUDIENCE.test(audience)) throw new Error(`gitlab audience: received ${JSON.stringify(audience)}; allowed: letters, digits and . _ : / - (no wildcard)`);
  const refs = [...new Set([inputs.ref, ...(inputs.refs ?? [])])];
  const subjects = [...new Set(inputs.projectPaths.flatMap((projectPath) => refs.map((ref) => gitlabSubject({ projectPath, ref, environment: inputs.environment }))))].sort();
  return {
    Sid: 'GitlabJob',
    Effect: 'Allow',
    Principal: { Federated: inputs.providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${inputs.host}:aud`]: audience, [`${inputs.host}:sub`]: subjects.length === 1 ? subjects[0] : subjects } },
  };
}

/** The trust policy of a role only GitLab jobs assume (gitlabTrustStatement alone). */
export function gitlabTrustPolicy(inputs: GitlabTrustInputs): { Version: string; Statement: Record<string, unknown>[] } {
  return { Version: '2012-10-17', Statement: [gitlabTrustStatement(inputs)] };
}
