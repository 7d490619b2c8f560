import { containerDefinitions } from './lib/containers';
import { actionMatches, identityStatements, type Statement } from './lib/iam';
import { parseReference, referencing, resolveReference } from './lib/synthesized';
import { fromFindings, nonCompliant, NOT_APPLICABLE, type Finding, type PolicyRule, type SynthesizedResource, type StackFacts } from './lib/types';

/** A complete Secrets Manager secret ARN: the name is followed by `-` and the six random characters AWS appends. */
const FULL_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
const SECRET_READ = 'secretsmanager:GetSecretValue';

/** `arn:...:secret:name-AbCdEf:json-key:stage:version` (a `secrets` valueFrom) -> the secret's ARN. */
function secretOf(valueFrom: string): string {
  const m = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)/.exec(valueFrom);
  return m ? m[1] : valueFrom;
}

/** The statements of every inline policy of the role `roleArn` points to (aws_iam_role_policy and inline_policy blocks). */
function roleStatements(stack: StackFacts, roleArn: unknown): { ok: true; statements: Statement[] } | { ok: false; reason: string } {
  const role = resolveReference(stack, roleArn);
  if (!role || role.type !== 'aws_iam_role') return { ok: false, reason: `the execution role ${String(roleArn)} is not a role of this stack, so its grants cannot be checked` };
  const sources: SynthesizedResource[] = [role, ...referencing(stack, 'aws_iam_role_policy', 'role', role)];
  const statements: Statement[] = [];
  for (const s of sources) {
    const docs = identityStatements(s);
    if (!docs) continue;
    if (!docs.ok) return docs;
    statements.push(...docs.statements);
  }
  return { ok: true, statements };
}

const grantsSecretRead = (s: Statement) =>
  s.effect === 'Allow' && (s.notActions.length > 0 ? !s.notActions.some((a) => actionMatches(a, SECRET_READ)) : s.actions.some((a) => actionMatches(a, SECRET_READ)));

/**
 * A task that pulls from a private registry names a Secrets Manager secret in `repositoryCredentials`; the agent
 * reads it with the execution role. The grant must name the secret's complete ARN (a name or partial ARN lacks the
 * random suffix and matches nothing, the common trap, "fixed" by a wildcard), and the role may read no other secret
 * than those the task definition references.
 */
export const rule: PolicyRule = {
  id: 'ecs-registry-credentials-scoped',
  requirement: 'A task definition\'s private-registry credentials are a complete Secrets Manager secret ARN that its execution role may read, and that role reads no secret the task definition does not reference.',
  level: 'error',
  resourceTypes: ['aws_ecs_task_definition'],
  evaluate(resource, stack) {
    const defs = containerDefinitions(resource.attributes.container_definitions);
    if (!defs.ok) return nonCompliant(defs.reason);
    const pulls = defs.containers
      .map((c) => ({ container: c.name ?? '?', secret: (c as { repositoryCredentials?: { credentialsParameter?: unknown } }).repositoryCredentials?.credentialsParameter }))
      .filter((p) => p.secret !== undefined);
    if (pulls.length === 0) return NOT_APPLICABLE;
    const role = roleStatements(stack, resource.attributes.execution_role_arn);
    if (!role.ok) return nonCompliant(role.reason);
    const reads = role.statements.filter(grantsSecretRead);
    const findings: Finding[] = [];
    for (const p of pulls) {
      const arn = typeof p.secret === 'string' ? p.secret : '';
      const isSecretRef = parseReference(arn) !== undefined && resolveReference(stack, arn)?.type === 'aws_secretsmanager_secret';
      if (!FULL_SECRET_ARN.test(arn) && !isSecretRef) {
        findings.push({ id: p.container, reason: `container ${p.container}: repositoryCredentials.credentialsParameter ${JSON.stringify(arn)} is not a complete Secrets Manager secret ARN (arn:...:secret:<name>-<6 random characters>); the execution role's grant must name exactly that ARN` });
        continue;
      }
      if (!reads.some((s) => s.resources.includes(arn))) {
        findings.push({ id: p.container, reason: `container ${p.container}: the execution role may not read its registry credentials ${arn} (no ${SECRET_READ} on that ARN), so the image cannot be pulled` });
      }
    }
    const referenced = new Set([
      ...pulls.map((p) => String(p.secret)),
      ...defs.containers.flatMap((c) => (c.secrets ?? []).map((s) => secretOf(String(s.valueFrom ?? '')))),
    ]);
    for (const s of reads) {
      const extra = s.notResources.length > 0 ? ['NotResource'] : s.resources.filter((r) => !referenced.has(r));
      if (extra.length > 0) {
        findings.push({ id: s.name, reason: `statement ${s.name} of the execution role lets it read ${extra.join(', ')}, which this task definition does not reference: grant exactly the registry credentials and the task's secrets` });
      }
    }
    return fromFindings(findings);
  },
};
