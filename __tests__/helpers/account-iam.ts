import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments/schema';
import { canAssumeRole, evaluatePrincipal, type Decision, type IamRequest, type PolicyDocument, type PrincipalPolicies } from './iam-evaluator';
import { resources, synth, type TerraformJson } from './stacks';

/**
 * One AWS account's IAM as the stack leaves it (roles, trust policies, inline policies, attached managed policies,
 * permissions boundaries), and the IAM/STS calls an attacker would make against it, each authorized by the evaluator
 * before it changes the model. Built from the synthesized stack, or from the fixture of the policies before issue 12,
 * so one escalation scenario can be replayed against both.
 */

const FIXTURES = join(__dirname, '..', 'fixtures');
const MANAGED: Record<string, PolicyDocument> = JSON.parse(readFileSync(join(FIXTURES, 'aws-managed-policies.json'), 'utf8'));

export interface ModelRole {
  readonly name: string;
  readonly arn: string;
  trust: PolicyDocument;
  readonly inline: Map<string, PolicyDocument>;
  readonly attached: string[];
  boundary?: string;
}

/** Who makes a call: a role of the account (by name), or an identity outside it (another account's role). */
export type Caller = { readonly role: string } | { readonly external: string };

export interface Step {
  readonly what: string;
  readonly decision: Decision;
}

type IamResources = Pick<TerraformJson, 'resource'>;

export class Account {
  readonly roles = new Map<string, ModelRole>();
  readonly policies = new Map<string, PolicyDocument>();
  readonly oidcProviderArn: string;

  constructor(readonly env: EnvironmentConfig, tf: IamResources) {
    this.oidcProviderArn = `arn:aws:iam::${env.accountId}:oidc-provider/token.actions.githubusercontent.com`;
    const resolve = (text: string) =>
      text.replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws').replace(/\$\{([\w-]+)\.([\w-]+)\.(\w+)\}/g, (_m, type: string, id: string) => this.arnOf(tf, type, id));
    for (const [, p] of Object.entries(resources(tf as TerraformJson, 'aws_iam_policy'))) {
      this.policies.set(this.policyArn(String(p.name)), JSON.parse(resolve(String(p.policy))));
    }
    const byId = new Map<string, ModelRole>();
    for (const [id, r] of Object.entries(resources(tf as TerraformJson, 'aws_iam_role'))) {
      const role: ModelRole = {
        name: String(r.name),
        arn: this.roleArn(String(r.name)),
        trust: JSON.parse(resolve(String(r.assume_role_policy))),
        inline: new Map(),
        attached: [],
        boundary: r.permissions_boundary as string | undefined,
      };
      byId.set(id, role);
      this.roles.set(role.name, role);
    }
    const roleOf = (ref: unknown) => byId.get(/\$\{aws_iam_role\.([\w-]+)\.(?:id|name)\}/.exec(String(ref))?.[1] ?? '');
    for (const [, p] of Object.entries(resources(tf as TerraformJson, 'aws_iam_role_policy'))) roleOf(p.role)?.inline.set(String(p.name), JSON.parse(resolve(String(p.policy))));
    for (const [, a] of Object.entries(resources(tf as TerraformJson, 'aws_iam_role_policy_attachment'))) roleOf(a.role)?.attached.push(String(a.policy_arn));
  }

  roleArn(name: string): string {
    return `arn:aws:iam::${this.env.accountId}:role/${name}`;
  }

  policyArn(name: string): string {
    return `arn:aws:iam::${this.env.accountId}:policy/${name}`;
  }

  role(name: string): ModelRole {
    const r = this.roles.get(name);
    if (!r) throw new Error(`no role ${name} in the ${this.env.name} account model (roles: ${[...this.roles.keys()].join(', ')})`);
    return r;
  }

  /** The policies IAM evaluates for a session of this role. */
  principal(name: string): PrincipalPolicies {
    const r = this.role(name);
    const managed = (arn: string) => {
      const doc = MANAGED[arn] ?? this.policies.get(arn);
      if (!doc) throw new Error(`managed policy ${arn}: not in __tests__/fixtures/aws-managed-policies.json nor in the stack`);
      return doc;
    };
    return { identity: [...r.inline.values(), ...r.attached.map(managed)], boundary: r.boundary ? managed(r.boundary) : undefined };
  }

  /** Any other request of a role (reading a secret, writing the lock, creating a user), authorized as AWS would. */
  request(caller: string, action: string, resource: string, context: IamRequest['context'] = {}): Decision {
    return evaluatePrincipal(this.principal(caller), { action, resource, context });
  }

  /** iam:CreateRole: the boundary given with the call is the request's iam:PermissionsBoundary. */
  createRole(caller: string, name: string, trust: PolicyDocument, boundary?: string): Decision {
    const decision = this.request(caller, 'iam:CreateRole', this.roleArn(name), boundary ? { 'iam:PermissionsBoundary': boundary } : {});
    if (decision.allowed) this.roles.set(name, { name, arn: this.roleArn(name), trust, inline: new Map(), attached: [], boundary });
    return decision;
  }

  /** iam:PutRolePolicy: authorized against the boundary the role has (iam:PermissionsBoundary). */
  putRolePolicy(caller: string, roleName: string, policyName: string, doc: PolicyDocument): Decision {
    const target = this.role(roleName);
    const decision = this.request(caller, 'iam:PutRolePolicy', target.arn, target.boundary ? { 'iam:PermissionsBoundary': target.boundary } : {});
    if (decision.allowed) target.inline.set(policyName, doc);
    return decision;
  }

  attachRolePolicy(caller: string, roleName: string, policyArn: string): Decision {
    const target = this.role(roleName);
    const decision = this.request(caller, 'iam:AttachRolePolicy', target.arn, { 'iam:PolicyARN': policyArn, ...(target.boundary ? { 'iam:PermissionsBoundary': target.boundary } : {}) });
    if (decision.allowed) target.attached.push(policyArn);
    return decision;
  }

  putRolePermissionsBoundary(caller: string, roleName: string, boundary: string): Decision {
    const target = this.role(roleName);
    const decision = this.request(caller, 'iam:PutRolePermissionsBoundary', target.arn, { 'iam:PermissionsBoundary': boundary });
    if (decision.allowed) target.boundary = boundary;
    return decision;
  }

  deleteRolePermissionsBoundary(caller: string, roleName: string): Decision {
    const target = this.role(roleName);
    const decision = this.request(caller, 'iam:DeleteRolePermissionsBoundary', target.arn, target.boundary ? { 'iam:PermissionsBoundary': target.boundary } : {});
    if (decision.allowed) target.boundary = undefined;
    return decision;
  }

  updateAssumeRolePolicy(caller: string, roleName: string, trust: PolicyDocument): Decision {
    const target = this.role(roleName);
    const decision = this.request(caller, 'iam:UpdateAssumeRolePolicy', target.arn);
    if (decision.allowed) target.trust = trust;
    return decision;
  }

  /** iam:CreatePolicyVersion with --set-as-default: the managed policy's document becomes `doc`. */
  createPolicyVersion(caller: string, policyArn: string, doc: PolicyDocument): Decision {
    const decision = this.request(caller, 'iam:CreatePolicyVersion', policyArn);
    if (decision.allowed) this.policies.set(policyArn, doc);
    return decision;
  }

  /** sts:AssumeRole by a role of this account or by an identity of another account (whose own policies allow it). */
  assumeRole(caller: Caller, roleName: string): Decision {
    const target = this.role(roleName);
    if ('external' in caller) {
      // The other account is the attacker's: its own policies allow the call; only this account's trust policy decides.
      return canAssumeRole({ arn: caller.external, policies: { identity: [{ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }] } }, target);
    }
    return canAssumeRole({ arn: this.role(caller.role).arn, policies: this.principal(caller.role) }, target);
  }

  private arnOf(tf: IamResources, type: string, id: string): string {
    const r = (tf.resource[type] ?? {})[id] ?? {};
    const at = `${this.env.region}:${this.env.accountId}`;
    switch (type) {
      case 'aws_iam_role':
        return this.roleArn(String(r.name));
      case 'aws_iam_policy':
        return this.policyArn(String(r.name));
      case 'aws_iam_openid_connect_provider':
        // Each provider by its issuer (GitHub's and, when configured, GitLab's): a token of one never matches the other.
        return r.url ? `arn:aws:iam::${this.env.accountId}:oidc-provider/${String(r.url).replace(/^https:\/\//, '')}` : this.oidcProviderArn;
      case 'aws_ecr_repository':
        return `arn:aws:ecr:${at}:repository/${String(r.name)}`;
      case 'aws_ssm_parameter':
        return `arn:aws:ssm:${at}:parameter${String(r.name).startsWith('/') ? '' : '/'}${String(r.name)}`;
      default:
        // Resources the escalation paths never touch (log groups, repositories, listeners): a stand-in ARN that
        // matches only itself, so a statement naming them can neither match nor be mistaken for a wildcard.
        return `arn:aws:terraform:${at}:${type}/${id}`;
    }
  }
}

const synthesized = new Map<string, string>();

/** The account as the current stack synthesizes it (a fresh model each call; the synthesis is done once per environment). */
export function accountNow(env: EnvironmentConfig): Account {
  const key = JSON.stringify(env);
  if (!synthesized.has(key)) synthesized.set(key, JSON.stringify(synth(env).tf));
  return new Account(env, JSON.parse(synthesized.get(key)!));
}

/** The account as the stack synthesized it before issue 12 (fixture of its IAM resources, see iam-before-issue-12.json). */
export function accountBefore(env: EnvironmentConfig): Account {
  const all = JSON.parse(readFileSync(join(FIXTURES, 'iam-before-issue-12.json'), 'utf8')) as Record<string, { roles: object; inline: object; attachments: object }>;
  const e = all[env.name];
  if (!e) throw new Error(`no ${env.name} in iam-before-issue-12.json`);
  return new Account(env, { resource: { aws_iam_role: e.roles, aws_iam_role_policy: e.inline, aws_iam_role_policy_attachment: e.attachments } as TerraformJson['resource'] });
}

/** A policy allowing every action on every resource: what an attacker writes into a role it controls. */
export const EVERYTHING: PolicyDocument = { Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }] };

export const trustedBy = (aws: string): PolicyDocument => ({ Version: '2012-10-17', Statement: [{ Sid: 'Trust', Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }] });
