/**
 * What a GitLab CI job's OIDC claims may look like where this project puts them into a trust policy's subject: read by
 * the configuration schema (environments/schema/pipelines.ts) and the trust itself (modules/gitlab-oidc.ts).
 */

/** The audience every template job requests (`id_tokens: { ...: { aud: sts.amazonaws.com } }`). */
export const GITLAB_AUDIENCE = 'sts.amazonaws.com';

export const PROJECT_PATH = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)+$/;
export const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
export const ENVIRONMENT = /^[a-z][a-z0-9-]{0,62}$/;
export const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/;
/** An audience a job may request: no IAM wildcard characters (the trust compares it with StringEquals). */
export const AUDIENCE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;
