import { Aspects, Lazy, TerraformStack } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { suppress } from '../rules';
import { policyDocument, Role, type PolicyStatement } from './iam';
import { partitionOf } from '../contracts/partition';

export interface WorkloadBoundaryProps {
  readonly accountId: string;
  /** The stack's region: its partition spells the literal ARNs. */
  readonly region: string;
  /** Name of the managed policy (`<project>-<env>-workload-boundary`). */
  readonly name: string;
  /** Roles the boundary does not apply to (the CI roles: nothing in CI can write them, see CiAccess). */
  readonly exempt: readonly IamRole[];
  /**
   * The environment's name prefix (`<project>-<env>`). A statement granting the same access on several of the
   * environment's resources (each service's log group, family, roles) is bounded by one ARN pattern ending in `*`
   * when the resources' common beginning already names this prefix, so the one managed policy keeps bounding an
   * environment of 20 services and more. @default undefined (resources listed one by one)
   */
  readonly resourcePrefix?: string;
  /**
   * Bound exactly these roles, with a policy of their own statements, instead of every role outside `exempt`; the
   * stack's other boundaries then leave them out (the delivery pipeline's roles hold the deploy role's rights, which
   * would not fit the workload boundary's size, and are administrator-managed like it). @default every non-exempt role
   */
  readonly roles?: readonly Role[];
}

/** Roles a boundary of their own (`roles`) covers: every other boundary leaves them out. */
const dedicated = new WeakSet<IamRole>();

/** The largest managed policy IAM accepts, in characters without whitespace. */
const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * The permissions boundary of every role the stack creates for its workloads (task, execution, flow-log and CodeDeploy
 * roles): a managed policy whose statements are the statements those roles hold today (merged by actions and
 * conditions), so no role the apply identity creates or rewrites can ever do more than the stack's workloads already may, whatever inline policy it
 * writes and whoever its trust policy names.
 *
 * The policy is part of the stack but out of the apply identity's reach (CiAccess denies it every write on this ARN),
 * like the CI roles: the first apply, by an administrator with the environment's Terraform role, creates it; a pull
 * request that widens a workload role widens this document too, and that apply fails with AccessDenied on the policy
 * until an administrator applies it. Widening what a workload may do is an administrator's change.
 *
 * Every IamRole of the stack outside `exempt` gets `permissions_boundary` at synthesis (an Aspect), including roles of
 * modules created after this construct.
 */
export class WorkloadBoundary extends Construct {
  public readonly policy: IamPolicy;
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: WorkloadBoundaryProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const exempt = new Set<IamRole>(props.exempt);
    for (const r of props.roles ?? []) dedicated.add(r.role);
    const mine = props.roles ? new Set<IamRole>(props.roles.map((r) => r.role)) : undefined;
    const covers = (r: IamRole) => (mine ? mine.has(r) : !exempt.has(r) && !dedicated.has(r));
    const groupsOf = props.roles ? compactGroups : boundaryGroups;
    const workloadRoles = () => stack.node.findAll().filter((c): c is Role => c instanceof Role && covers(c.role));
    // A literal ARN, not a reference: the apply identity's conditions compare it with iam:PermissionsBoundary.
    this.arn = `arn:${partitionOf(props.region)}:iam::${props.accountId}:policy/${props.name}`;
    this.policy = new IamPolicy(this, 'policy', {
      name: props.name,
      description: 'Permissions boundary of the workload roles: nothing beyond what the stack grants them (administrator-managed)',
      policy: Lazy.stringValue({
        produce: (context) => {
          // Role ARNs as literals, not references: every workload role depends on this policy (below), so a
          // reference back to a role would be a dependency cycle.
          const roles = new Map(stack.node.findAll().filter((c): c is IamRole => c instanceof IamRole).map((r) => [r.friendlyUniqueId, r]));
          const literal = policyDocument(context.resolve(groupsOf(workloadRoles()).map((g) => g.statement)) as PolicyStatement[]).replace(/\$\{aws_iam_role\.([\w-]+)\.arn\}/g, (ref, id: string) => {
            const role = roles.get(id);
            return role?.nameInput ? `arn:${partitionOf(props.region)}:iam::${props.accountId}:role${role.pathInput ?? '/'}${role.nameInput}` : ref;
          });
          const doc = props.resourcePrefix ? collapseByPrefix(literal, props.resourcePrefix) : literal;
          const size = doc.replace(/\s/g, '').length;
          if (size > MANAGED_POLICY_MAX_CHARS) {
            throw new Error(`WorkloadBoundary ${this.node.path}: policy size: received ${size} characters; allowed: at most ${MANAGED_POLICY_MAX_CHARS} (IAM's managed-policy limit)`);
          }
          return doc;
        },
      }),
    });
    const arn = this.arn;
    const policy = this.policy;
    // The roles' own "*" statements were accepted with a reason, and their copies here carry the same one: for the
    // roles that exist now, and again at synthesis (on the stack itself, before the policy checks added later visit
    // it) for roles of constructs created after this one.
    const accepted = new Set<string>();
    const acceptCopies = () => {
      const reasons = new Map<string, string[]>();
      for (const { statement, reason } of groupsOf(workloadRoles())) {
        if (statement.Resource !== '*' || !reason || accepted.has(statement.Sid)) continue;
        accepted.add(statement.Sid);
        reasons.set(reason, [...(reasons.get(reason) ?? []), statement.Sid]);
      }
      for (const [reason, sids] of reasons) suppress(policy, { ruleId: 'iam-no-wildcard-resources', reason, appliesTo: sids });
    };
    acceptCopies();
    Aspects.of(stack).add({
      visit(node: IConstruct) {
        if (node === stack) acceptCopies();
        if (!(node instanceof IamRole) || !covers(node)) return;
        node.permissionsBoundary = arn;
        // IAM refuses CreateRole with a boundary that does not exist yet: the policy first.
        const dependency = `${IamPolicy.tfResourceType}.${policy.friendlyUniqueId}`;
        if (!(node.dependsOn ?? []).includes(dependency)) node.dependsOn = [...(node.dependsOn ?? []), dependency];
      },
    });
  }
}

/** `service/execution-role` + `PullImages` → `ServiceExecutionRolePullImages` (Sids are alphanumeric and unique). */
function boundarySid(role: Role, sid: string): string {
  const path = role.node.path.split('/').slice(1).join('-');
  return `${path.replace(/(^|[-_/])(\w)/g, (_m, _s, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}${sid}`;
}

/**
 * The roles' Allow statements, those with the same actions and conditions merged into one (their resources united, "*"
 * absorbing the rest), so a stack with many services stays within IAM's size limit. Each group keeps the Sid of its
 * first statement and, for "*", the reason that statement was accepted with.
 */
function boundaryGroups(roles: readonly Role[]): { statement: PolicyStatement; reason?: string }[] {
  const groups = new Map<string, { statement: PolicyStatement; resources: string[]; reason?: string }>();
  for (const role of roles) {
    for (const s of role.policyStatements) {
      if (s.Effect !== 'Allow' || s.Resource === undefined) continue;
      const key = JSON.stringify([s.Action, s.Condition ?? null]);
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      const group = groups.get(key);
      if (group) {
        for (const r of resources) if (!group.resources.includes(r)) group.resources.push(r);
      } else {
        groups.set(key, { statement: { ...s, Sid: boundarySid(role, s.Sid) }, resources: [...resources], reason: role.unscopedReasons.get(s.Sid) });
      }
    }
  }
  return [...groups.values()].map(({ statement, resources, reason }) => ({
    statement: { ...statement, Resource: resources.includes('*') ? '*' : resources.length === 1 ? resources[0] : resources },
    reason,
  }));
}

/**
 * A dedicated boundary: the iam:PassRole statements as they are (iam:PassedToService must stay in the cap), every other scoped action on the union of their resources, and the actions AWS only grants on "*"
 * (each accepted by its role with a reason) on "*". Coarser than the roles' own statements (their
 * conditions and action-resource pairs stay in the identity policy, which the boundary only caps), and small enough
 * for a role holding a whole environment's deploy rights.
 */
function compactGroups(roles: readonly Role[]): { statement: PolicyStatement; reason?: string }[] {
  const scoped = { actions: new Set<string>(), resources: new Set<string>() };
  const unscoped = { actions: new Set<string>(), reasons: new Set<string>() };
  const conditional: { statement: PolicyStatement; reason?: string }[] = [];
  for (const role of roles) {
    for (const s of role.policyStatements) {
      if (s.Effect !== 'Allow' || s.Resource === undefined) continue;
      if (s.Condition && s.Action.includes('iam:PassRole')) {
        conditional.push({ statement: { ...s, Sid: roles.length === 1 ? s.Sid : boundarySid(role, s.Sid) }, reason: role.unscopedReasons.get(s.Sid) });
      } else if (s.Resource === '*') {
        s.Action.forEach((a) => unscoped.actions.add(a));
        unscoped.reasons.add(role.unscopedReasons.get(s.Sid) ?? '');
      } else {
        s.Action.forEach((a) => scoped.actions.add(a));
        (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).forEach((r) => scoped.resources.add(r));
      }
    }
  }
  const groups = [...conditional];
  if (scoped.actions.size > 0) groups.push({ statement: { Sid: 'ScopedActions', Effect: 'Allow', Action: [...scoped.actions].sort(), Resource: [...scoped.resources].sort() } });
  if (unscoped.actions.size > 0) {
    const reason = [...unscoped.reasons].filter(Boolean).join(' ');
    groups.push({ statement: { Sid: 'ActionsWithoutResourceScope', Effect: 'Allow', Action: [...unscoped.actions].sort(), Resource: '*' }, reason: reason || undefined });
  }
  return groups;
}

/**
 * Each statement's list of resources whose common beginning names `prefix` becomes that beginning plus `*`: the
 * boundary is an upper bound (the roles keep their exact grants), and `<prefix>` keeps it inside this environment.
 * Secrets are never widened: their ARNs (SSM parameters, Secrets Manager, KMS keys) stay listed one by one.
 */
export function collapseByPrefix(doc: string, prefix: string): string {
  const parsed = JSON.parse(doc) as { Version: string; Statement: PolicyStatement[] };
  // Resolved, the statements of several services are often equal but for their resources (references to one
  // cluster or repository are distinct tokens before resolution): merge them again, resources united.
  const merged = new Map<string, { statement: PolicyStatement; resources: string[] }>();
  for (const s of parsed.Statement) {
    const key = JSON.stringify([s.Effect, s.Action, s.Condition ?? null, s.NotResource ?? null]);
    const resources = s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    const group = merged.get(key);
    if (group) for (const r of resources) group.resources.push(r);
    else merged.set(key, { statement: s, resources: [...resources] });
  }
  const exact = /:(ssm|secretsmanager|kms):/;
  const statements = [...merged.values()].map(({ statement, resources }) => {
    if (statement.Resource === undefined) return statement;
    const unique = [...new Set(resources)];
    if (unique.includes('*')) return { ...statement, Resource: '*' };
    if (unique.length < 2 || unique.some((r) => exact.test(r))) return { ...statement, Resource: unique.length === 1 ? unique[0] : unique };
    const sorted = [...unique].sort();
    let common = sorted[0];
    for (const r of sorted) while (!r.startsWith(common)) common = common.slice(0, -1);
    return { ...statement, Resource: common.includes(prefix) ? `${common}*` : unique };
  });
  return policyDocument(statements);
}
