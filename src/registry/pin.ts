import { EXIT, ReleaseError, show } from '../release/errors';
import type { RegistryClient } from './client';
import { formatReference, type RegistryReference } from './reference';

/** An image resolved for a release: the reference as given and the digest the task definition will name. */
export interface PinnedImage {
  readonly reference: RegistryReference;
  readonly digest: string;
  /** `host/repository@digest`: what the release deploys (never the tag, so every task pulls the same bytes). */
  readonly image: string;
}

/**
 * Resolves the reference to a digest. A reference with both a tag and a digest must agree (the tag points to that
 * digest now); a reference by digest must exist.
 */
export async function pinImage(client: RegistryClient, ref: RegistryReference): Promise<PinnedImage> {
  if (ref.registry !== client.registry) {
    throw new ReleaseError(EXIT.USAGE, `image: received ${show(formatReference(ref))}; allowed: an image in registry ${client.registry}`);
  }
  let digest: string;
  if (ref.tag) {
    digest = (await client.resolve(ref.repository, ref.tag)).digest;
    if (ref.digest && ref.digest !== digest) {
      throw new ReleaseError(EXIT.USAGE, `image: received ${show(formatReference(ref))}; allowed: a tag and digest of the same image (tag ${ref.tag} is ${digest} now)`);
    }
  } else {
    digest = (await client.resolve(ref.repository, ref.digest!)).digest;
  }
  return { reference: ref, digest, image: `${ref.registry}/${ref.repository}@${digest}` };
}

/**
 * Reads the tag again at the end of a release: a tag that now names another digest moved while the release ran (a
 * concurrent push re-used it), so the release refuses to report the tag as deployed. By-digest references never move.
 */
export async function confirmUnmoved(client: RegistryClient, pinned: PinnedImage): Promise<void> {
  const tag = pinned.reference.tag;
  if (!tag) return;
  const now = (await client.resolve(pinned.reference.repository, tag)).digest;
  if (now !== pinned.digest) {
    throw new ReleaseError(
      EXIT.REFUSED,
      `image ${show(formatReference({ ...pinned.reference, digest: undefined }))}: the tag moved during the release (${pinned.digest} at the start, ${now} now); the release deployed ${pinned.digest}, use immutable tags`,
    );
  }
}

/** Promotion's precondition: the digest tested upstream exists in the registry the target environment pulls from. */
export async function requireDigest(client: RegistryClient, repository: string, digest: string): Promise<void> {
  if (!(await client.exists(repository, digest))) {
    throw new ReleaseError(EXIT.REFUSED, `registry ${client.registry}: digest ${digest} not found in repository ${show(repository)}; copy the tested image there first (the same digest, never a rebuild)`);
  }
}
