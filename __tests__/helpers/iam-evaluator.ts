/**
 * A small IAM policy evaluator for tests: enough of AWS's evaluation logic to decide whether one identity policy
 * allows one request, so a test can replay the calls a tool makes against the policy its role gets. It knows
 * wildcard matching of actions and resources, explicit Deny over Allow, and exactly the condition operators the
 * policies of this repository use; any other operator throws, so a policy that starts using one cannot pass a test
 * by being misread.
 *
 * Not modelled (not needed by the policies under test): NotAction/NotResource, policy variables, permission
 * boundaries, SCPs, resource policies, session policies.
 */

export type ConditionBlock = Record<string, Record<string, string | string[] | boolean>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Statement[];
}

/** One authorization request: what AWS evaluates for a call (a call may imply several, e.g. iam:PassRole). */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context keys (case-insensitive, as in AWS); multi-valued keys are arrays. */
  readonly context: Record<string, string | string[]>;
  /** Which call this request comes from, for failure messages. */
  readonly origin?: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** The Sid of the statement that allowed (or explicitly denied) the request. */
  readonly statement?: string;
}

/** `*` matches any run of characters, `?` one character (IAM's wildcards in actions, resources and *Like values). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
  return re.test(value);
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function lookup(context: IamRequest['context'], key: string): string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  if (found === undefined) return undefined;
  return list(context[found]);
}

type Matcher = (policyValue: string, contextValue: string) => boolean;

const MATCHERS: Record<string, Matcher> = {
  StringEquals: (p, c) => p === c,
  StringLike: (p, c) => wildcardMatch(p, c),
  // IAM's ArnEquals and ArnLike both accept wildcards in each ARN segment.
  ArnEquals: (p, c) => wildcardMatch(p, c),
  ArnLike: (p, c) => wildcardMatch(p, c),
  Bool: (p, c) => p.toLowerCase() === c.toLowerCase(),
};

/** Whether one condition operator's block holds for the context (every key must hold; values of a key are ORed). */
export function conditionHolds(operator: string, block: Record<string, string | string[] | boolean>, context: IamRequest['context']): boolean {
  const values = (v: string | string[] | boolean) => list(v).map(String);
  if (operator === 'Null') {
    return Object.entries(block).every(([key, v]) => {
      const absent = (lookup(context, key) ?? []).length === 0;
      return String(v) === 'true' ? absent : !absent;
    });
  }
  const setMatch = /^(ForAllValues|ForAnyValue):(.+)$/.exec(operator);
  if (setMatch) {
    const matcher = MATCHERS[setMatch[2]];
    if (!matcher) throw new Error(`iam-evaluator: unsupported condition operator ${operator}`);
    return Object.entries(block).every(([key, v]) => {
      const present = lookup(context, key) ?? [];
      const allowed = values(v);
      // ForAllValues holds for a missing or empty key (hence the Null checks next to it in real policies).
      if (setMatch[1] === 'ForAllValues') return present.every((c) => allowed.some((p) => matcher(p, c)));
      return present.some((c) => allowed.some((p) => matcher(p, c)));
    });
  }
  const ifExists = operator.endsWith('IfExists');
  const matcher = MATCHERS[ifExists ? operator.slice(0, -'IfExists'.length) : operator];
  if (!matcher) throw new Error(`iam-evaluator: unsupported condition operator ${operator}`);
  return Object.entries(block).every(([key, v]) => {
    const present = lookup(context, key);
    if (present === undefined) return ifExists;
    return present.some((c) => values(v).some((p) => matcher(p, c)));
  });
}

function statementMatches(statement: Statement, request: IamRequest): boolean {
  if (!list(statement.Action).some((a) => wildcardMatch(a, request.action, true))) return false;
  if (!list(statement.Resource).some((r) => wildcardMatch(r, request.resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) => conditionHolds(operator, block, request.context));
}

/** AWS's order for one identity policy: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluate(policy: PolicyDocument, request: IamRequest): Decision {
  const deny = policy.Statement.find((s) => s.Effect === 'Deny' && statementMatches(s, request));
  if (deny) return { allowed: false, statement: deny.Sid };
  const allow = policy.Statement.find((s) => s.Effect === 'Allow' && statementMatches(s, request));
  return allow ? { allowed: true, statement: allow.Sid } : { allowed: false };
}
