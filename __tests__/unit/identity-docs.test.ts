import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { web, dev, policy, prod, resources, synth } from '../helpers/stacks';

/**
 * docs/guardrails.md lists each CI identity's grant statement by statement: every Sid of the synthesized policy has a
 * row in that identity's section (the deploy identity's own check is in deploy-identity.test.ts).
 */
const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'guardrails.md'), 'utf8');
function documentedSids(heading: string): Set<string> {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/guardrails.md has no section "${heading}"`);
  const next = doc.indexOf('\n## ', start + heading.length + 2);
  const section = doc.slice(start, next < 0 ? undefined : next);
  return new Set([...section.matchAll(/^\| ([A-Za-z, ]+) \|/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim())));
}

describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s: every statement of every CI identity has a row in docs/guardrails.md', (_name, env) => {
  const tf = synth(env).tf;
  const inline = (role: string) => Object.entries(resources(tf, 'aws_iam_role_policy')).find(([id]) => id.startsWith(`ci_${role}_policy_`))?.[1];

  test.each([
    ['plan', '## Plan identity'],
    ['apply', '## Apply identity'],
    ['approve', '## Approval identity'],
    ['operator', '## Operator identity'],
  ])('%s role (section "%s")', (role, heading) => {
    const p = inline(role);
    if (role === 'approve' && web(env).deployment.strategy !== 'blue-green') {
      expect(p).toBeUndefined();
      return;
    }
    const sids = policy(p!.policy).Statement.map((s) => s.Sid);
    expect(sids.length).toBeGreaterThan(0);
    const documented = documentedSids(heading);
    expect(sids.filter((sid) => !documented.has(sid))).toEqual([]);
  });
});
