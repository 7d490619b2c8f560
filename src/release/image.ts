import { DescribeImagesCommand, ImageNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import type { Target } from './target';
import { refusal, usageError } from './errors';

export interface ImageReference {
  /** `<registry>/<repository>` */
  readonly repositoryUri: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Splits `<repo>:<tag>`, `<repo>@sha256:<digest>` or `<repo>:<tag>@sha256:<digest>`; undefined when malformed. */
export function parseImage(text: string): ImageReference | undefined {
  const [name, digest, extra] = text.split('@');
  if (extra !== undefined || (digest !== undefined && !DIGEST.test(digest))) return undefined;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const repositoryUri = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  if (slash <= 0 || !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/.test(repositoryUri)) return undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (tag === undefined && digest === undefined) return undefined;
  return { repositoryUri, tag, digest };
}

/** Tags that name a moving line rather than one build. */
const MOVING_TAGS = new Set([
  'latest', 'stable', 'main', 'master', 'develop', 'development', 'dev', 'staging', 'stage', 'prod', 'production',
  'release', 'edge', 'nightly', 'canary', 'current', 'head', 'trunk', 'test', 'qa', 'next', 'beta', 'alpha', 'lts',
]);

/**
 * True for tags that usually move: `latest` and other branch/channel names, `-latest` suffixes, and major or
 * major.minor versions (`2`, `v1.4`). A commit id, a full version (`1.4.2`) or a build number (`1234`) passes.
 */
export function looksMutable(tag: string): boolean {
  const t = tag.toLowerCase();
  return MOVING_TAGS.has(t) || /-(latest|stable|nightly|edge)$/.test(t) || /^v?\d{1,3}(\.\d{1,3})?$/.test(t);
}

/** Digest of an image pinned by digest, else undefined. */
export function digestOf(image: string | undefined): string | undefined {
  const m = /@(sha256:[a-f0-9]{64})$/.exec(image ?? '');
  return m?.[1];
}

/** Checks an `--image` value without calling AWS: well-formed, and not a moving tag unless allowed. */
export function checkImageInput(text: string, allowMutableTag: boolean, option = '--image'): ImageReference {
  const ref = parseImage(text);
  if (!ref) throw usageError(option, text, `<repository-uri>:<tag> or <repository-uri>@sha256:<64 hex digits>`);
  if (ref.tag && !ref.digest && looksMutable(ref.tag) && !allowMutableTag) {
    throw usageError(option, text, 'an immutable reference: a commit or full-version tag, or @sha256:<digest> (--allow-mutable-tag to override)');
  }
  return ref;
}

/** The image must come from the environment's repository: its execution role can pull nothing else. */
export function checkRepository(ref: ImageReference, text: string, repositoryUrl: string, option = '--image'): void {
  if (ref.repositoryUri !== repositoryUrl) {
    throw usageError(option, text, `an image of ${repositoryUrl} (the environment's repository; its tasks can pull nothing else)`);
  }
}

/** Resolves the reference to its digest in ECR (the image must exist). One API call. */
export async function resolveDigest(target: Target, ref: ImageReference, option = '--image'): Promise<string> {
  const repositoryName = ref.repositoryUri.slice(ref.repositoryUri.indexOf('/') + 1);
  const registryId = /^(\d{12})\.dkr\.ecr\./.exec(ref.repositoryUri)?.[1];
  const shown = `${ref.repositoryUri}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  try {
    const r = await target.clients.ecr.send(
      new DescribeImagesCommand({ repositoryName, registryId, imageIds: [ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag }] }),
    );
    const found = r.imageDetails?.[0];
    if (!found?.imageDigest) throw usageError(option, shown, `an image that exists in ${ref.repositoryUri}`);
    if (ref.digest && ref.tag && !(found.imageTags ?? []).includes(ref.tag)) {
      throw usageError(option, shown, `a tag and digest of the same image (${ref.digest} is tagged ${JSON.stringify(found.imageTags ?? [])})`);
    }
    return found.imageDigest;
  } catch (e) {
    if (e instanceof ImageNotFoundException || (e as Error).name === 'ImageNotFoundException') {
      throw usageError(option, shown, `an image that exists in ${ref.repositoryUri} (push it first)`);
    }
    if (e instanceof RepositoryNotFoundException || (e as Error).name === 'RepositoryNotFoundException') {
      throw refusal('repository', ref.repositoryUri, `an existing ECR repository (apply the "${target.env.name}" stack)`);
    }
    throw e;
  }
}
