import { z } from 'zod';
import { AUDIENCE, BRANCH, ENVIRONMENT, GITLAB_AUDIENCE, HOST, PROJECT_PATH } from '../../contracts/gitlab';
import { str } from './primitives';

/**
 * The pipeline systems besides GitHub Actions (issue 16): GitLab CI's OIDC trust on the CI roles, and the
 * CodeBuild/CodePipeline delivery pipeline. Both are off unless an environment sets them.
 */

const NO_DOUBLE_DOT = { message: 'no ".." (GitLab refuses it in a path or branch)' };
const gitlabPath = str(PROJECT_PATH, 'group/project (letters, digits, _ . -; subgroups with /)').refine((v) => !v.includes('..'), NO_DOUBLE_DOT);
const gitlabBranch = str(BRANCH, 'a branch name (letters, digits, . _ / -)').refine((v) => !v.includes('..'), NO_DOUBLE_DOT);
const gitlabEnvironment = str(ENVIRONMENT, 'a GitLab environment name (lowercase letters, digits, -)');

/**
 * GitLab CI jobs assume the deploy role (and, blue/green, the approve role) with their OIDC id_token. The trust
 * matches the whole subject `project_path:<p>:ref_type:branch:ref:<r>:environment:<e>` (modules/gitlab-oidc.ts): the
 * application projects must set `ci_id_token_sub_claim_components` to project_path, ref_type, ref, environment.
 */
export const gitlabSchema = z.strictObject({
  /** The GitLab instance's issuer (its URL, no path). @default 'https://gitlab.com' */
  issuerUrl: str(new RegExp(`^https://${HOST.source.slice(1, -1)}$`), 'https://<host> of the GitLab instance, such as https://gitlab.com').default('https://gitlab.com'),
  /** The `aud` the jobs' `id_tokens` request (the template's is sts.amazonaws.com). @default 'sts.amazonaws.com' */
  audience: str(AUDIENCE, 'an audience without wildcards, such as sts.amazonaws.com').default(GITLAB_AUDIENCE),
  /** Application projects whose jobs may deploy here (`group/project`). */
  projectPaths: z.array(gitlabPath).min(1, { message: 'at least one group/project' }),
  /** Branches whose pipelines may deploy here. @default ['main'] */
  refs: z.array(gitlabBranch).min(1, { message: 'at least one branch' }).default(['main']),
  /** The GitLab environment of the deploy jobs here (protected in production: its approvers are the prod approval). */
  environment: gitlabEnvironment,
  /** The GitLab environment of the blue/green traffic-shift job. @default `${environment}-approve` */
  approvalEnvironment: gitlabEnvironment.optional(),
  /** Create the account's IAM OIDC provider for the issuer (false when it already exists). @default true */
  createOidcProvider: z.boolean().default(true),
  /** GitHub workflows of ci.appRepositories keep deploying too; false: only GitLab jobs assume the deploy and approve roles. @default true */
  githubDeploys: z.boolean().default(true),
});
export type GitlabConfig = z.output<typeof gitlabSchema>;

const CONNECTION_ARN = /^arn:aws(-[a-z]+)?:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)+$/;
const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/**
 * The CodeBuild project (build, push, `ecs-release deploy` here), its role with exactly the deploy role's rights, and a
 * CodePipeline whose manual approval stage precedes the promotion to production (modules/delivery-pipeline.ts).
 */
export const deliverySchema = z.strictObject({
  /** The CodeStar/CodeConnections connection the pipeline reads both repositories through. */
  connectionArn: str(CONNECTION_ARN, 'a CodeStar/CodeConnections connection ARN'),
  /** The application repository released (`owner/name`); one of ci.appRepositories: the build gets its deploy role's rights. */
  appRepository: str(REPOSITORY, 'owner/name of the application repository'),
  /** Branch whose commits are released. @default 'main' */
  appBranch: str(BRANCH, 'a branch name').default('main'),
  /** Branch of ci.infraRepository the release CLI is built from. @default 'main' */
  infraBranch: str(BRANCH, 'a branch name').default('main'),
  /** The production side of the approval. */
  promote: z.strictObject({
    /** Environment promoted to after the approval. @default 'prod' */
    environment: str(NAME, 'an environment name').default('prod'),
    /** That environment's deploy role (its deploy_role_arn output), assumed by the promote project. */
    roleArn: str(ROLE_ARN, 'an IAM role ARN'),
  }),
  /** The service the pipeline releases (ECS_RELEASE_SELECT `--service`); needs no value when the environment has one. @default undefined */
  service: str(NAME, 'a service name of this environment').optional(),
  /** The release group the pipeline releases (ECS_RELEASE_SELECT `--group`), instead of `service`. @default undefined */
  group: str(NAME, 'a release group of this environment').optional(),
  /** A build running longer is stopped, minutes. @default 60 */
  buildTimeoutMinutes: z.number().int().min(5).max(480).default(60),
});
export type DeliveryConfig = z.output<typeof deliverySchema>;
