import { usageError } from '../release/errors';

/** An image reference split the way the OCI distribution API addresses it. */
export interface RegistryReference {
  /** `host[:port]` as written (Docker Hub's short names normalized to `docker.io`). */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `group/project/app`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The distribution spec's grammar (distribution/reference), restricted to what ECS accepts. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/;

/**
 * Parses `host[:port]/repo[:tag][@sha256:...]`. The first path component is a registry host when it has a dot or a
 * port or is `localhost` (Docker's rule); otherwise the image is on Docker Hub (`docker.io`, `library/` for one-part
 * names). Throws a one-line usage error naming `field` for anything else.
 */
export function parseRegistryReference(text: string, field = '--image'): RegistryReference {
  const bad = () => usageError(field, text, 'host[:port]/repository:tag or host[:port]/repository@sha256:<64 hex digits>');
  const at = text.indexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) throw bad();
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const path = tag === undefined ? name : name.slice(0, colon);
  if (tag !== undefined && !TAG.test(tag)) throw bad();
  if (tag === undefined && digest === undefined) throw bad();
  const first = path.split('/')[0];
  const hasHost = path.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  let repository = hasHost ? path.slice(first.length + 1) : path;
  if (!hasHost && !repository.includes('/')) repository = `library/${repository}`;
  if (!HOST.test(registry) || !REPOSITORY.test(repository) || repository.length > 255) throw bad();
  return { registry, repository, tag, digest };
}

/** `host/repo:tag@digest` back as text (what goes into a task definition, with the digest). */
export function formatReference(ref: RegistryReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host the HTTP API is served from (Docker Hub's API lives on registry-1.docker.io). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** Loopback registries speak plain HTTP by default, as Docker allows for 127.0.0.0/8 and localhost; all others HTTPS. */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/** True for an Amazon ECR private registry host (the release CLI resolves those through the ECR API instead). */
export function isEcrRegistry(registry: string): boolean {
  return /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(registry);
}
