import { GITHUB_OIDC_HOST } from './github-oidc';
import type { PolicyStatement } from './iam';

/** What the apply role's inline policy is built from (modules/ci-access.ts). */
export interface ApplyRolePolicyProps {
  readonly partition: string;
  readonly accountId: string;
  /** Roles named `<managedRolePrefix>-*` are the project's: the apply role manages them, bounded. */
  readonly managedRolePrefix: string;
  readonly stateBucketArn: string;
  /** The environment's state object; its lock file is `<object>.tflock`. */
  readonly stateObjectArn: string;
  /** @default the bucket's AWS managed key (no kms grant) */
  readonly stateKmsKeyArn?: string;
  /** The CI and operator roles: never changed, never passed by the apply role. */
  readonly ciRoleNames: readonly string[];
  /** The workload permissions boundary every role the apply role writes must carry. */
  readonly boundaryArn: string;
  /** OIDC providers the apply role manages besides GitHub's (GitLab's, when configured). */
  readonly oidcProviderArns: readonly string[];
  /** Read at synthesis, when every role of the stack exists: which roles may be passed to which service. */
  readonly servicesTrusted: () => readonly { readonly service: string; readonly roleArns: readonly string[] }[];
  /** Further administrator-managed policies (boundaries), readable, never writable; filled until synthesis. */
  readonly readablePolicies: readonly string[];
  /** Further administrator-managed roles (CiAccess.protect()); filled until synthesis. */
  readonly protectedRoles: readonly string[];
}


/**
 * The apply role's inline policy: state, the project's bounded roles, and the denies that keep it from escalating
 * (issue 12). Statements whose resources grow while the stack is built (protected roles, readable boundaries, passed
 * roles) are getters, read when the policy is rendered at synthesis.
 */
export function applyRoleStatements(props: ApplyRolePolicyProps): PolicyStatement[] {
  const { partition, accountId } = props;
  const projectRoles = `arn:${partition}:iam::${accountId}:role/${props.managedRolePrefix}-*`;
  const ciRoleArns = props.ciRoleNames.map((name) => `arn:${partition}:iam::${accountId}:role/${name}`);
  const bounded = { StringEquals: { 'iam:PermissionsBoundary': props.boundaryArn } };
  const manageProjectRoles: PolicyStatement = {
    Sid: 'ManageProjectRoles',
    Effect: 'Allow',
    Action: [
      'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:ListRoleTags',
      'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
    ],
    Resource: projectRoles,
  };
  const boundedWrites = ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'];
  const boundaryWrites = [
    'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy',
  ];
  const services = props.servicesTrusted;
  const orOne = (first: string, more: readonly string[]) => (more.length > 0 ? [first, ...more] : first);
  const githubProvider = `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  const statements: PolicyStatement[] = [
    { Sid: 'ListStateBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: props.stateBucketArn },
    { Sid: 'WriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: props.stateObjectArn },
    { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${props.stateObjectArn}.tflock` },
    manageProjectRoles,
    // iam:PermissionsBoundary is the boundary the role gets (CreateRole, PutRolePermissionsBoundary) or has (PutRolePolicy,
    // DeleteRolePolicy): every role the apply role writes a permission into is capped by the workload boundary.
    { Sid: 'WriteOnlyBoundedProjectRoles', Effect: 'Allow', Action: boundedWrites, Resource: projectRoles, Condition: bounded },
    {
      Sid: 'PassWorkloadRolesToTheirServices',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      get Resource() {
        return services().flatMap((s) => s.roleArns);
      },
      Condition: {
        StringEquals: {
          get 'iam:PassedToService'() {
            return [...new Set(services().map((s) => s.service))];
          },
        },
      },
    },
    {
      // The CI roles match the project prefix: without this, the apply role could put any policy on itself (or make
      // the plan role, which every pull request can assume, as powerful). An explicit Deny wins over every Allow,
      // PowerUserAccess included, and covers grants added later. Reads stay allowed so plan and apply can refresh them.
      Sid: 'NeverChangeTheCiRoles',
      Effect: 'Deny',
      Action: [
        ...manageProjectRoles.Action.filter((a) => !/^iam:(Get|List)/.test(a)), ...boundedWrites,
        'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRolePermissionsBoundary', 'iam:UpdateRoleDescription', 'iam:PassRole',
      ],
      get Resource() {
        return [...ciRoleArns, ...props.protectedRoles];
      },
    },
    // Nothing the apply role writes may lose or change its cap, nor the cap itself.
    { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
    {
      Sid: 'NeverAnUnboundedRole',
      Effect: 'Deny',
      Action: [...boundedWrites, 'iam:AttachRolePolicy'],
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': props.boundaryArn } },
    },
    {
      Sid: 'NeverChangeTheBoundary',
      Effect: 'Deny',
      Action: boundaryWrites,
      get Resource() {
        return orOne(props.boundaryArn, props.readablePolicies);
      },
    },
    // PowerUserAccess allows sts:*: the apply role would otherwise assume the roles it writes (or any role trusting it).
    { Sid: 'NeverAssumeRoles', Effect: 'Deny', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'], Resource: '*' },
    {
      Sid: 'ManageGithubOidcProvider',
      Effect: 'Allow',
      Action: [
        'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider',
        'iam:TagOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider',
        'iam:RemoveClientIDFromOpenIDConnectProvider',
      ],
      Resource: props.oidcProviderArns.length > 0 ? [githubProvider, ...props.oidcProviderArns] : githubProvider,
    },
    {
      Sid: 'ReadTheBoundary',
      Effect: 'Allow',
      Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags'],
      get Resource() {
        return orOne(props.boundaryArn, props.readablePolicies);
      },
    },
    {
      Sid: 'ServiceLinkedRolesOfUsedServices',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: `arn:${partition}:iam::${accountId}:role/aws-service-role/*`,
      Condition: {
        StringEquals: {
          'iam:AWSServiceName': ['ecs.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com', 'codedeploy.amazonaws.com'],
        },
      },
    },
  ];
  if (props.stateKmsKeyArn) {
    statements.push({ Sid: 'StateKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: props.stateKmsKeyArn });
  }
  return statements;
}
