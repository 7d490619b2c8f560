import { asStringList, blocks } from './synthesized';
import type { SynthesizedResource } from './types';

/** Resource types carrying identity-based policy documents, and where the document sits. */
export const IDENTITY_POLICY_TYPES = ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'] as const;

export interface Statement {
  /** The statement's Sid, or `statement <n>` when it has none: how findings and suppressions name it. */
  readonly name: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  readonly condition: Record<string, Record<string, unknown>>;
  /** Only in resource and trust policies. */
  readonly principal?: unknown;
}

export type Documents = { readonly ok: true; readonly statements: Statement[] } | { readonly ok: false; readonly reason: string };

/**
 * The identity-policy statements a resource grants (inline role policies, managed policies, `inline_policy` blocks
 * of a role). A document that is not literal JSON (a data source reference, a function) cannot be checked, so it is
 * reported rather than trusted.
 */
export function identityStatements(resource: SynthesizedResource): Documents | undefined {
  const docs: unknown[] =
    resource.type === 'aws_iam_role'
      ? blocks(resource.attributes.inline_policy).map((b) => b.policy)
      : (IDENTITY_POLICY_TYPES as readonly string[]).includes(resource.type)
        ? [resource.attributes.policy]
        : [];
  if (docs.length === 0) return undefined;
  const statements: Statement[] = [];
  for (const doc of docs) {
    const parsed = parseDocument(doc);
    if (!parsed.ok) return parsed;
    statements.push(...parsed.statements);
  }
  return { ok: true, statements };
}

export function parseDocument(doc: unknown): Documents {
  let json: unknown = doc;
  if (typeof doc === 'string') {
    try {
      json = JSON.parse(doc);
    } catch {
      return { ok: false, reason: `the policy is not a literal JSON document (${doc.slice(0, 60)}), so it cannot be checked; build it in code with PolicyStatement` };
    }
  }
  const raw = (json as { Statement?: unknown })?.Statement;
  if (raw === undefined) return { ok: false, reason: 'the policy has no Statement' };
  const list = Array.isArray(raw) ? raw : [raw];
  return {
    ok: true,
    statements: list.map((s: Record<string, unknown>, i) => ({
      name: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : `statement ${i + 1}`,
      effect: String(s.Effect),
      actions: asStringList(s.Action),
      notActions: asStringList(s.NotAction),
      resources: asStringList(s.Resource),
      notResources: asStringList(s.NotResource),
      condition: (s.Condition as Record<string, Record<string, unknown>>) ?? {},
      ...(s.Principal !== undefined ? { principal: s.Principal } : {}),
    })),
  };
}

/** IAM's wildcard matching for actions: case-insensitive, `*` any run, `?` one character. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return re.test(action);
}

/**
 * A resource that names no resource at all: `*`, or an ARN whose resource part is only a wildcard
 * (`arn:aws:logs:eu-west-1:111111111111:log-group:*`, `arn:aws:s3:::*`). A prefix (`role/webapp-dev-*`) or a
 * revision wildcard (`task-definition/family:*`) still scopes the grant and is not counted.
 */
export function isUnscopedResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const resourcePart = parts.slice(5).join(':');
  return /^(\*|[\w-]+[/:]\*)$/.test(resourcePart);
}

/** Condition keys of a statement, lower-cased, whatever the operator (`StringEquals`, `ForAnyValue:StringLike`...). */
export function conditionKeys(statement: Statement): string[] {
  return Object.values(statement.condition).flatMap((byKey) => Object.keys(byKey ?? {}).map((k) => k.toLowerCase()));
}
