import { createHash } from 'node:crypto';

/**
 * The logical id cdktf 0.21 gives a resource at construct path `components` (below the stack): its
 * HashedAddressingScheme (`makeUniqueId`), restated here because the framework keeps it private. Used to name where a
 * resource lived in an earlier layout (`moved` blocks) and, for `ecs-release init`, where an adopted resource is imported
 * to; __tests__/unit/stack-continuity.test.ts checks it against the ids the framework allocates. A naming contract:
 * the stacks and the release CLI read it from here.
 */
export function logicalId(components: readonly string[]): string {
  const parts = components.filter((c) => c !== 'Default');
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '');
  if (parts.length === 1 && clean(parts[0]).length <= 255) return clean(parts[0]);
  const hash = createHash('md5').update(parts.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of parts) if (human.length === 0 || !human[human.length - 1].endsWith(c)) human.push(c);
  return `${human.filter((c) => c !== 'Resource').map(clean).join('_').slice(0, 240)}_${hash}`;
}
