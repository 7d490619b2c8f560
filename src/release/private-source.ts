import type { DescriptorImageSource } from '../../contracts/descriptor';
import { parseRegistryReference } from '../registry';
import type { RegistryAccess } from './context';
import { ReleaseError, usageError } from './errors';
import type { ImageReference } from './image';
import { requirePrivateDigest, resolvePrivateImage, type PrivateImageOptions, type PrivateRelease } from './registry-image';
import type { Target } from './target';
import type { Check } from './verify';

/**
 * The release side of a service whose images live in a private registry (issue 16): which credentials resolve its
 * tags, the `--image` check that needs no call, and what deploy and promote ship. The descriptor carries the source
 * (contracts/descriptor.ts), so the CLI needs nothing else.
 *
 * Credentials, one rule: the service's pull secret (read through Secrets Manager with the command's AWS identity:
 * what the tasks pull with, so a tag that resolves is one they can pull) when the service configures one; the local
 * Docker credential store (`docker login`, credential helpers) when it configures none, or when
 * `--registry-credentials docker` asks for it (a workstation whose identity may not read the secret). Without either,
 * anonymous.
 */

export const REGISTRY_CREDENTIALS = ['secret', 'docker'] as const;
export type RegistryCredentialsChoice = (typeof REGISTRY_CREDENTIALS)[number];
export type { RegistryAccess };

/** `--registry-credentials`, checked without a call. */
export function checkCredentialsChoice(value: string | undefined): RegistryCredentialsChoice | undefined {
  if (value === undefined) return undefined;
  if (!(REGISTRY_CREDENTIALS as readonly string[]).includes(value)) throw usageError('--registry-credentials', value, REGISTRY_CREDENTIALS.join(' or '));
  return value as RegistryCredentialsChoice;
}

/** Preflight: the image must be in the registry the service pulls from (its credentials reach no other). */
export function checkSourceRegistry(ref: ImageReference, text: string, registry: string, option = '--image'): void {
  if (ref.repositoryUri.split('/')[0] !== registry) {
    throw usageError(option, text, `an image in ${registry} (the service's imageSource.registry; its tasks pull from there only)`);
  }
}

/** The options resolving an image of `source` with the chosen credentials and the command's Secrets Manager client. */
export function privateImageOptions(
  target: Pick<Target, 'clients' | 'descriptor'>,
  source: DescriptorImageSource,
  choice: RegistryCredentialsChoice | undefined,
  access: RegistryAccess = {},
  option = '--image',
): PrivateImageOptions {
  if (choice === 'secret' && !source.credentialsSecretArn) {
    throw usageError('--registry-credentials', choice, `docker (service ${target.descriptor.service} configures no pull secret in imageSource.pullCredentials)`);
  }
  const useSecret = choice !== 'docker' && source.credentialsSecretArn !== undefined;
  return {
    source: { registry: source.registry, ...(useSecret ? { credentialsSecretArn: source.credentialsSecretArn } : {}) },
    ...(useSecret ? { secretsmanager: target.clients.secretsmanager } : { dockerConfig: access.dockerConfig }),
    fetch: access.fetch,
    option,
  };
}

/** Deploy: the tag pinned to its digest through the OCI API; call `confirm()` before reporting success. */
export function resolveForDeploy(
  target: Pick<Target, 'clients' | 'descriptor'>,
  image: string,
  flags: { readonly allowMutableTag?: boolean; readonly registryCredentials?: RegistryCredentialsChoice },
  access: RegistryAccess = {},
): Promise<PrivateRelease> {
  const source = target.descriptor.imageSource;
  if (!source) throw new Error(`resolveForDeploy: service ${target.descriptor.service} has no imageSource`);
  return resolvePrivateImage(image, { ...privateImageOptions(target, source, flags.registryCredentials, access), allowMutableTag: flags.allowMutableTag });
}

/**
 * Promote into a service that pulls from a private registry: the digest that runs upstream, under the same
 * repository path, must already be in the registry this environment pulls from (copied there, never rebuilt).
 * Returns the image to ship. Reads only: a refusal writes nothing.
 */
export async function promotedPrivateImage(
  target: Pick<Target, 'clients' | 'descriptor'>,
  sourceImage: string,
  digest: string,
  choice: RegistryCredentialsChoice | undefined,
  access: RegistryAccess = {},
): Promise<string> {
  const source = target.descriptor.imageSource;
  if (!source) throw new Error(`promotedPrivateImage: service ${target.descriptor.service} has no imageSource`);
  const repository = parseRegistryReference(sourceImage, '--from').repository;
  const image = `${source.registry}/${repository}`;
  await requirePrivateDigest(image, digest, privateImageOptions(target, source, choice, access, '--to'));
  return `${image}@${digest}`;
}

/**
 * `verify` of a service with an imageSource: the image the next deploy ships is in the source's registry and resolves
 * there with the pull credentials (reads only). An image elsewhere (the bootstrap image) is only a warning.
 */
export async function checkPrivateImage(target: Pick<Target, 'clients' | 'descriptor'>, image: string | undefined, access: RegistryAccess = {}): Promise<Check> {
  const source = target.descriptor.imageSource!;
  if (!image) return { check: 'image', subject: '(none)', status: 'fail', detail: 'no image to check' };
  if (!image.startsWith(`${source.registry}/`)) {
    return { check: 'image', subject: image, status: 'warn', detail: `not in ${source.registry} (the service's imageSource): not checked; a deploy ships an image of that registry` };
  }
  try {
    const release = await resolvePrivateImage(image, { ...privateImageOptions(target, source, undefined, access), allowMutableTag: true });
    return { check: 'image', subject: image, status: 'pass', detail: `exists (${release.pinned.digest}), resolved with the service's pull credentials` };
  } catch (e) {
    if (e instanceof ReleaseError) return { check: 'image', subject: image, status: 'fail', detail: e.message };
    throw e;
  }
}
