/**
 * A small IAM policy evaluator for tests: enough of AWS's evaluation logic to decide whether one identity policy
 * allows one request, so a test can replay the calls a tool makes against the policy its role gets. It knows
 * wildcard matching of actions and resources, Action/NotAction and Resource/NotResource, explicit Deny over Allow, and
 * exactly the condition operators the policies of this repository use; any other operator throws, so a policy that
 * starts using one cannot pass a test by being misread.
 *
 * `evaluatePrincipal` combines a role's identity policies (inline and managed) with its permissions boundary the way
 * AWS does: an explicit Deny in any of them wins, then the request must be allowed by an identity policy AND by the
 * boundary. `evaluateTrust` decides a role's trust policy for one caller (sts:AssumeRole, AssumeRoleWithWebIdentity).
 *
 * Not modelled (not needed by the policies under test): policy variables, SCPs, session policies, resource policies
 * other than trust policies.
 */

export type ConditionBlock = Record<string, Record<string, string | string[] | boolean>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Principal?: Principal | '*';
  readonly Condition?: ConditionBlock;
}

/** A trust policy's principal: the services, federated providers and AWS identities it names. */
export interface Principal {
  readonly AWS?: string | string[];
  readonly Service?: string | string[];
  readonly Federated?: string | string[];
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
/** Negated operators: they hold when no value of the key matches, and (as in AWS) when the key is absent. */
const NEGATED: Record<string, string> = { StringNotEquals: 'StringEquals', StringNotLike: 'StringLike', ArnNotEquals: 'ArnEquals', ArnNotLike: 'ArnLike' };

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
  const negated = NEGATED[ifExists ? operator.slice(0, -'IfExists'.length) : operator];
  if (negated) {
    const positive = MATCHERS[negated];
    return Object.entries(block).every(([key, v]) => !(lookup(context, key) ?? []).some((c) => values(v).some((p) => positive(p, c))));
  }
  const matcher = MATCHERS[ifExists ? operator.slice(0, -'IfExists'.length) : operator];
  if (!matcher) throw new Error(`iam-evaluator: unsupported condition operator ${operator}`);
  return Object.entries(block).every(([key, v]) => {
    const present = lookup(context, key);
    if (present === undefined) return ifExists;
    return present.some((c) => values(v).some((p) => matcher(p, c)));
  });
}

function statementMatches(statement: Statement, request: IamRequest): boolean {
  const actionHit = (patterns: string | string[]) => list(patterns).some((a) => wildcardMatch(a, request.action, true));
  const resourceHit = (patterns: string | string[]) => list(patterns).some((r) => wildcardMatch(r, request.resource));
  if (statement.Action !== undefined ? !actionHit(statement.Action) : statement.NotAction === undefined || actionHit(statement.NotAction)) return false;
  if (statement.Resource !== undefined ? !resourceHit(statement.Resource) : statement.NotResource === undefined || resourceHit(statement.NotResource)) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) => conditionHolds(operator, block, request.context));
}

/** AWS's order for one identity policy: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluate(policy: PolicyDocument, request: IamRequest): Decision {
  const deny = policy.Statement.find((s) => s.Effect === 'Deny' && statementMatches(s, request));
  if (deny) return { allowed: false, statement: deny.Sid };
  const allow = policy.Statement.find((s) => s.Effect === 'Allow' && statementMatches(s, request));
  return allow ? { allowed: true, statement: allow.Sid } : { allowed: false };
}

/** What one role may do: its identity policies (inline and attached) and its permissions boundary, if any. */
export interface PrincipalPolicies {
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

/**
 * AWS's order for a principal of the account (no SCP, no session policy): an explicit Deny in any identity policy or
 * in the boundary wins; otherwise an identity policy must allow the request, and so must the boundary when the
 * role has one. The decision names the statement that decided (the Deny, the boundary's missing Allow, or the Allow).
 */
export function evaluatePrincipal(principal: PrincipalPolicies, request: IamRequest): Decision & { readonly by?: 'identity' | 'boundary'; readonly explicitDeny?: boolean } {
  const docs = [...principal.identity, ...(principal.boundary ? [principal.boundary] : [])];
  for (const doc of docs) {
    const deny = doc.Statement.find((s) => s.Effect === 'Deny' && statementMatches(s, request));
    if (deny) return { allowed: false, statement: deny.Sid, by: doc === principal.boundary ? 'boundary' : 'identity', explicitDeny: true };
  }
  let allow: Statement | undefined;
  for (const doc of principal.identity) allow ??= doc.Statement.find((s) => s.Effect === 'Allow' && statementMatches(s, request));
  if (!allow) return { allowed: false, by: 'identity' };
  if (principal.boundary && !principal.boundary.Statement.some((s) => s.Effect === 'Allow' && statementMatches(s, request))) {
    return { allowed: false, statement: 'no Allow in the permissions boundary', by: 'boundary' };
  }
  return { allowed: true, statement: allow.Sid, by: 'identity' };
}

/** Who asks to assume a role: an AWS identity (role ARN), an AWS service, or a web identity of a federated provider. */
export interface AssumeRequest {
  readonly action: 'sts:AssumeRole' | 'sts:AssumeRoleWithWebIdentity';
  readonly principal: { readonly AWS?: string; readonly Service?: string; readonly Federated?: string };
  /** Request context: the web identity token's claims as condition keys (`token.actions.githubusercontent.com:sub`). */
  readonly context: IamRequest['context'];
}

/** Whether a principal element names the caller: exact ARN, its account root (`arn:aws:iam::<acct>:root` or the id), `*`. */
function principalNames(principal: Statement['Principal'], caller: AssumeRequest['principal']): boolean {
  if (principal === '*') return true;
  if (!principal) return false;
  const named = (kind: keyof Principal) => list(principal[kind] ?? []);
  if (caller.Service && named('Service').includes(caller.Service)) return true;
  if (caller.Federated && named('Federated').includes(caller.Federated)) return true;
  if (caller.AWS) {
    const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(caller.AWS)?.[1];
    return named('AWS').some((p) => p === '*' || p === caller.AWS || (account !== undefined && (p === account || p === `arn:aws:iam::${account}:root`)));
  }
  return false;
}

/** A trust policy's decision for one caller: an explicit Deny wins, then an Allow naming the caller whose conditions hold. */
export function evaluateTrust(trust: PolicyDocument, request: AssumeRequest): Decision {
  const matches = (s: Statement) =>
    list(s.Action ?? []).some((a) => wildcardMatch(a, request.action, true)) &&
    principalNames(s.Principal, request.principal) &&
    Object.entries(s.Condition ?? {}).every(([operator, block]) => conditionHolds(operator, block, request.context));
  const deny = trust.Statement.find((s) => s.Effect === 'Deny' && matches(s));
  if (deny) return { allowed: false, statement: deny.Sid };
  const allow = trust.Statement.find((s) => s.Effect === 'Allow' && matches(s));
  return allow ? { allowed: true, statement: allow.Sid } : { allowed: false };
}

/**
 * sts:AssumeRole by a role of the same or another account: the target's trust policy must allow the caller, and the
 * caller's own policies must allow sts:AssumeRole on the target, except that a same-account trust naming the caller's
 * ARN itself suffices on its own; an explicit Deny in the caller's policies or boundary refuses either way.
 */
export function canAssumeRole(caller: { readonly arn: string; readonly policies: PrincipalPolicies }, target: { readonly arn: string; readonly trust: PolicyDocument }): Decision {
  const trust = evaluateTrust(target.trust, { action: 'sts:AssumeRole', principal: { AWS: caller.arn }, context: {} });
  if (!trust.allowed) return { allowed: false, statement: trust.statement ?? 'no trust statement names the caller' };
  const asked = evaluatePrincipal(caller.policies, { action: 'sts:AssumeRole', resource: target.arn, context: {} });
  if (asked.explicitDeny) return asked;
  const account = (arn: string) => /::(\d{12}):/.exec(arn)?.[1];
  const namesCallerItself = target.trust.Statement.some((s) => s.Effect === 'Allow' && s.Principal !== '*' && list(s.Principal?.AWS ?? []).includes(caller.arn));
  if (account(caller.arn) === account(target.arn) && namesCallerItself) return { allowed: true, statement: trust.statement };
  return asked.allowed ? { allowed: true, statement: asked.statement } : asked;
}
