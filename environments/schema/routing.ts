/**
 * Listener-rule priorities of the rolling web services on the shared production listener. A pure function of the
 * configuration: the stack, the checks and the tests call the same one.
 *
 * ALB evaluates rules from the lowest priority up, so more specific routing gets a lower band (host+path, then host
 * only, then path only, then the catch-all). Inside its band a service's priority is a stable hash of its name, so
 * adding or removing another service never moves it (a moved priority is an in-place change, but one nobody asked
 * for). `routing.priority` overrides; two services on one priority are refused in configuration.
 */

export interface Routing {
  readonly hosts: readonly string[];
  readonly paths: readonly string[];
  readonly priority?: number;
}

export type Specificity = 'host+path' | 'host' | 'path' | 'catch-all';

/** First priority of each band; each band is BAND_SIZE wide. */
export const PRIORITY_BANDS: Readonly<Record<Specificity, number>> = { 'host+path': 1000, host: 11000, path: 21000, 'catch-all': 41000 };
export const BAND_SIZE = 9000;

export function specificity(routing: Routing): Specificity {
  const host = routing.hosts.length > 0;
  const path = routing.paths.length > 0;
  return host && path ? 'host+path' : host ? 'host' : path ? 'path' : 'catch-all';
}

/** FNV-1a, 32 bits: stable across Node versions and platforms (no crypto, no locale). */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The priority of one service's rule: its own `routing.priority`, or its band plus the hash of its name. */
export function listenerRulePriority(serviceName: string, routing: Routing): number {
  if (routing.priority !== undefined) return routing.priority;
  return PRIORITY_BANDS[specificity(routing)] + (stableHash(serviceName) % BAND_SIZE);
}

/** Priorities of the given services by name; the caller refuses collisions (see `priorityCollision`). */
export function listenerRulePriorities(services: Readonly<Record<string, Routing>>): Record<string, number> {
  return Object.fromEntries(Object.entries(services).map(([name, r]) => [name, listenerRulePriority(name, r)]));
}

/** The first two services sharing a priority, or undefined. */
export function priorityCollision(priorities: Readonly<Record<string, number>>): { first: string; second: string; priority: number } | undefined {
  const seen = new Map<number, string>();
  for (const [name, p] of Object.entries(priorities)) {
    const other = seen.get(p);
    if (other !== undefined) return { first: other, second: name, priority: p };
    seen.set(p, name);
  }
  return undefined;
}

/** The host/path pairs a service answers; no hosts means any host (`*`), no paths means `/*`. */
export function routePairs(routing: Routing): string[] {
  const hosts = routing.hosts.length ? routing.hosts : ['*'];
  const paths = routing.paths.length ? routing.paths : ['/*'];
  return hosts.flatMap((h) => paths.map((p) => `${h} ${p}`));
}
