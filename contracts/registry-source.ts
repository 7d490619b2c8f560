/**
 * The shapes a private-registry image source is written in (issue 16), shared by the configuration schema, the
 * execution role's grant (modules/private-registry.ts) and the release descriptor: one definition each.
 */

/** A complete Secrets Manager secret ARN: the name, `-`, and the six random characters AWS appends. Groups: region, account. */
export const FULL_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

export const FULL_SECRET_ARN_ALLOWED = 'a complete Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>)';

/** A KMS key ARN. Groups: region, account. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-f-]{36}$/;

/**
 * A registry as Docker names it: `host[:port]`, lowercase, no scheme, no path, no credentials. The host is a DNS name
 * or an IPv4 address (loopback is what the tests' registry listens on).
 */
export const REGISTRY_HOST = /^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;

export const REGISTRY_HOST_ALLOWED = 'a registry host[:port] such as registry.gitlab.com or harbor.example.com:8443 (lowercase, no scheme, no path)';

/** ECR authenticates with IAM, not with repositoryCredentials: an ECR host here is the default source spelled wrong. */
export const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The registry part of an image reference (`host[:port]/path...`), or undefined for a Docker Hub short name. */
export function registryOfImage(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  return /[.:]/.test(first) || first === 'localhost' ? first : undefined;
}
