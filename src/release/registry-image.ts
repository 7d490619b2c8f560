import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  confirmUnmoved,
  credentialsFromDockerConfig,
  credentialsFromSecret,
  parseRegistryReference,
  pinImage,
  RegistryClient,
  requireDigest,
  type DockerConfigOptions,
  type PinnedImage,
  type RegistryCredentials,
} from '../registry';
import { usageError } from './errors';
import { looksMutable } from './image';

/**
 * Where a service's images come from when they are not in the environment's ECR repository: a registry host and the
 * Secrets Manager secret ECS pulls with (`repositoryCredentials`). The release resolves tags with the same secret, so
 * a tag that resolves here is one the tasks can pull.
 */
export interface PrivateRegistrySource {
  /** `host[:port]` */
  readonly registry: string;
  /** Full ARN of the pull-credentials secret. @default anonymous pulls */
  readonly credentialsSecretArn?: string;
}

export interface PrivateImageOptions {
  readonly source: PrivateRegistrySource;
  /** Reads the pull secret; required when the source names one. */
  readonly secretsmanager?: Pick<SecretsManagerClient, 'send'>;
  /** Without a secret, a workstation's `docker login` credentials are used (CI passes the secret). */
  readonly dockerConfig?: DockerConfigOptions;
  readonly allowMutableTag?: boolean;
  readonly fetch?: typeof fetch;
  readonly option?: string;
}

/** A private-registry image pinned for one release: deploy `pinned.image`, call `confirm()` before reporting success. */
export interface PrivateRelease {
  readonly pinned: PinnedImage;
  /** Reads the tag again: refuses when it moved while the release ran (by-digest references never move). */
  confirm(): Promise<void>;
}

async function credentialsFor(options: PrivateImageOptions): Promise<RegistryCredentials | undefined> {
  const { source } = options;
  if (source.credentialsSecretArn) {
    if (!options.secretsmanager) throw new Error('resolvePrivateImage: a Secrets Manager client is required when the source names a secret');
    return credentialsFromSecret(options.secretsmanager, source.credentialsSecretArn);
  }
  return credentialsFromDockerConfig(source.registry, options.dockerConfig);
}

/**
 * `--image` of a service whose images live in a private registry: well-formed, in that registry, not a moving tag
 * (unless allowed), resolved to its digest through the OCI API with the pull credentials. No AWS write happens here,
 * so every refusal leaves AWS untouched.
 */
export async function resolvePrivateImage(text: string, options: PrivateImageOptions): Promise<PrivateRelease> {
  const option = options.option ?? '--image';
  const ref = parseRegistryReference(text, option);
  if (ref.registry !== options.source.registry) throw usageError(option, text, `an image in ${options.source.registry} (the registry the service pulls from)`);
  if (ref.tag && !ref.digest && looksMutable(ref.tag) && !options.allowMutableTag) {
    throw usageError(option, text, 'an immutable reference: a commit or full-version tag, or @sha256:<digest> (--allow-mutable-tag to override)');
  }
  const client = new RegistryClient(ref.registry, { credentials: await credentialsFor(options), fetch: options.fetch });
  const pinned = await pinImage(client, ref);
  return { pinned, confirm: () => confirmUnmoved(client, pinned) };
}

/** Promotion into an environment that pulls from a private registry: the tested digest must already be there. */
export async function requirePrivateDigest(repositoryImage: string, digest: string, options: PrivateImageOptions): Promise<void> {
  const ref = parseRegistryReference(`${repositoryImage}@${digest}`, options.option ?? '--to');
  const client = new RegistryClient(ref.registry, { credentials: await credentialsFor(options), fetch: options.fetch });
  await requireDigest(client, ref.repository, digest);
}
