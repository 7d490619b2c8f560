import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { suppress } from '../rules';

/** One IAM policy statement. Policies are built here, in code, so tests can assert them statement by statement. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  /** Exactly one of Resource and NotResource (NotResource only on a Deny: "everything but these"). */
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface TrustPrincipal {
  readonly Service?: string;
  readonly Federated?: string;
  readonly AWS?: string;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export interface ManagedPolicy {
  readonly arn: string;
  /** Why this AWS-maintained grant is acceptable for the role: at least one sentence. */
  readonly reason: string;
}

export interface RoleProps {
  /** Physical role name. */
  readonly name: string;
  readonly description: string;
  /** Who may assume the role. */
  readonly principal: TrustPrincipal;
  /** Assume action. @default 'sts:AssumeRole' */
  readonly assumeAction?: string;
  /** Conditions on the trust statement (e.g. OIDC subject, aws:SourceAccount). @default none */
  readonly trustConditions?: Record<string, Record<string, string | string[]>>;
  /** Further trust statements, each with its own Sid (a second identity provider's jobs). @default none */
  readonly extraTrust?: readonly Record<string, unknown>[];
  /**
   * AWS managed policies to attach, each with the reason its broad grant is acceptable here (the reason is listed as
   * an accepted risk of the iam-aws-managed-policy rule). @default none
   */
  readonly managedPolicies?: readonly ManagedPolicy[];
  /** AWS managed policies to attach without a recorded reason: the policy rules then fail until one is given. @default none */
  readonly managedPolicyArns?: string[];
  /** Longest session, seconds. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/**
 * An IAM role whose single inline policy is assembled from `grant*` calls of other constructs
 * (`registry.grantPull(role)`), aws-cdk style. The inline policy is produced lazily at synthesis.
 */
export class Role extends Construct {
  public readonly role: IamRole;
  private readonly statements: PolicyStatement[] = [];
  private inlinePolicy?: IamRolePolicy;
  /** Sid → the reason its `"*"` resource was accepted (addStatementsWithoutResourceScope). */
  private readonly unscoped = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    const trust: Record<string, unknown> = {
      Sid: 'Trust',
      Effect: 'Allow',
      Principal: props.principal,
      Action: props.assumeAction ?? 'sts:AssumeRole',
    };
    if (props.trustConditions) trust.Condition = props.trustConditions;
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: props.description,
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [trust, ...(props.extraTrust ?? [])] }),
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
    });
    const managed = [...(props.managedPolicies ?? []), ...(props.managedPolicyArns ?? []).map((arn) => ({ arn, reason: undefined }))];
    managed.forEach(({ arn, reason }, i) => {
      const attachment = new IamRolePolicyAttachment(this, `managed-${i}`, { role: this.role.name, policyArn: arn });
      if (reason !== undefined) suppress(attachment, { ruleId: 'iam-aws-managed-policy', reason });
    });
  }

  get arn(): string {
    return this.role.arn;
  }

  get name(): string {
    return this.role.name;
  }

  /**
   * Adds statements to the role's inline policy, created with the first grant (a role nobody granted anything keeps
   * no inline policy: IAM rejects an empty one). A Sid already present is rejected (copy-paste guard).
   */
  addStatements(...statements: PolicyStatement[]): void {
    if (!this.inlinePolicy) {
      this.inlinePolicy = new IamRolePolicy(this, 'policy', {
        name: 'inline',
        role: this.role.id,
        policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
      });
    }
    for (const s of statements) {
      if ((s.Resource === undefined) === (s.NotResource === undefined) || (s.NotResource !== undefined && s.Effect !== 'Deny')) {
        throw new Error(`role ${this.node.path}: statement ${s.Sid}: received ${s.Resource === undefined ? 'no Resource' : 'Resource and NotResource'}; allowed: a Resource, or a NotResource on a Deny`);
      }
      if (this.statements.some((o) => o.Sid === s.Sid)) throw new Error(`role ${this.node.path}: duplicate statement Sid "${s.Sid}"`);
      this.statements.push(s);
    }
  }

  /**
   * Adds statements whose actions have no resource-level permissions in AWS (the Service Authorization Reference lists
   * no resource type, so IAM only accepts `"Resource": "*"`), recording `reason` as the accepted risk of the
   * iam-no-wildcard-resources rule for exactly these Sids. Statements with any other Resource are refused: scope them.
   */
  addStatementsWithoutResourceScope(reason: string, ...statements: PolicyStatement[]): void {
    for (const s of statements) {
      if (s.Resource !== '*') {
        throw new Error(`role ${this.node.path}: statement ${s.Sid}: Resource: received ${JSON.stringify(s.Resource)}; allowed: "*" (use addStatements for scoped resources)`);
      }
    }
    this.addStatements(...statements);
    for (const s of statements) this.unscoped.set(s.Sid, reason);
    suppress(this.inlinePolicy!, { ruleId: 'iam-no-wildcard-resources', reason, appliesTo: statements.map((s) => s.Sid) });
  }

  /** The reason each statement with `"Resource": "*"` was accepted, by Sid (a permissions boundary copying them reuses it). */
  get unscopedReasons(): ReadonlyMap<string, string> {
    return this.unscoped;
  }

  /** The statements granted so far (for tests and for the policy rules). */
  get policyStatements(): readonly PolicyStatement[] {
    return this.statements;
  }
}
