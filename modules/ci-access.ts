import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Role, type PolicyStatement } from './iam';
import type { WebService } from './web-service';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface CiAccessProps {
  readonly accountId: string;
  /** Role names. */
  readonly planRoleName: string;
  readonly applyRoleName: string;
  readonly deployRoleName: string;
  /**
   * Name prefix of every IAM role this project manages (the apply role may manage only those, and never the three CI
   * roles, which match the prefix too).
   */
  readonly managedRolePrefix: string;
  /** owner/name of the infrastructure repository. */
  readonly infraRepository: string;
  /** owner/name of the application repositories allowed to deploy. */
  readonly appRepositories: string[];
  /** GitHub Environment gating apply and deploy (its required reviewers are the approval). */
  readonly githubEnvironment: string;
  /** Create the account's GitHub OIDC provider; false when it already exists. @default true */
  readonly createOidcProvider?: boolean;
  readonly stateBucket: string;
  readonly stateKey: string;
  /** KMS key encrypting the state object. @default undefined (S3-managed keys) */
  readonly stateKmsKeyArn?: string;
  /** The service the deploy role ships. */
  readonly service: WebService;
}

/**
 * GitHub Actions access to one account through OIDC (no long-lived keys), three roles:
 *
 * - plan: read-only, assumable only from the infrastructure repository's pull-request workflows;
 * - apply: changes infrastructure, assumable only from jobs running in the environment's protected GitHub Environment;
 * - deploy: what `ecs-release` needs for this service, assumable only from the application repositories' jobs in
 *   that GitHub Environment.
 *
 * The apply role manages the project's other roles (`<managedRolePrefix>-*`) but is denied every change to the three
 * CI roles, its own included: it cannot widen its own policy or trust, nor the plan role's (assumable from any pull
 * request) or the deploy role's. A change to the CI roles is applied by an administrator with the environment's
 * Terraform role (`terraformRoleArn`), like the first apply; a CI apply of such a change fails with AccessDenied.
 *
 * It may pass the project's roles only to the services that trust them: the list is read at synthesis from the trust
 * policies of the roles in the stack, so a module that starts handing a role to a new service (CodeDeploy, flow logs,
 * ...) is covered without a hand-kept list.
 */
export class CiAccess extends Construct {
  public readonly oidcProviderArn: string;
  public readonly oidcProvider?: IamOpenidConnectProvider;
  public readonly planRole: Role;
  public readonly applyRole: Role;
  public readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    if (props.appRepositories.length === 0) throw new Error(`CiAccess ${id}: appRepositories: received []; allowed: at least one owner/name`);
    if (props.createOidcProvider ?? true) {
      this.oidcProvider = new IamOpenidConnectProvider(this, 'github', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: ['sts.amazonaws.com'],
      });
      this.oidcProviderArn = this.oidcProvider.arn;
    } else {
      this.oidcProviderArn = `arn:aws:iam::${props.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
    }

    const github = (subjects: string[]) => ({
      principal: { Federated: this.oidcProviderArn },
      assumeAction: 'sts:AssumeRoleWithWebIdentity',
      trustConditions: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: subjects },
      },
    });
    const bucketArn = `arn:aws:s3:::${props.stateBucket}`;
    const stateObject = `${bucketArn}/${props.stateKey}`;

    this.planRole = new Role(this, 'plan', {
      name: props.planRoleName,
      description: 'Terraform plan from pull requests (read-only)',
      ...github([`repo:${props.infraRepository}:pull_request`]),
      managedPolicies: [
        {
          arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
          reason:
            'terraform plan refreshes every resource type the stack declares, and ReadOnlyAccess is the read set AWS keeps current for them; only pull-request workflows of the infrastructure repository can assume the role.',
        },
      ],
    });
    this.planRole.addStatements(
      { Sid: 'ListStateBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn },
      { Sid: 'ReadState', Effect: 'Allow', Action: ['s3:GetObject'], Resource: stateObject },
      // S3-native locking: plan takes the lock file too.
      { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${stateObject}.tflock` },
    );

    this.applyRole = new Role(this, 'apply', {
      name: props.applyRoleName,
      description: 'Terraform apply after merge, from the protected GitHub Environment only',
      ...github([`repo:${props.infraRepository}:environment:${props.githubEnvironment}`]),
      // PowerUserAccess excludes IAM; the statements below add IAM for this project's own roles only.
      managedPolicies: [
        {
          arn: 'arn:aws:iam::aws:policy/PowerUserAccess',
          reason:
            'terraform apply manages every resource type the stack declares; PowerUserAccess covers them except IAM, which the inline policy grants for this project\'s roles only, and only jobs of the protected GitHub Environment can assume the role.',
        },
      ],
    });
    const projectRoles = `arn:aws:iam::${props.accountId}:role/${props.managedRolePrefix}-*`;
    const ciRoleArns = [props.planRoleName, props.applyRoleName, props.deployRoleName].map((n) => `arn:aws:iam::${props.accountId}:role/${n}`);
    const manageProjectRoles: PolicyStatement = {
      Sid: 'ManageProjectRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole',
        'iam:UntagRole', 'iam:ListRoleTags', 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy',
        'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
      ],
      Resource: projectRoles,
    };
    const passedToServices = () => this.servicesTrustedByProjectRoles();
    const passProjectRoles: PolicyStatement = {
      Sid: 'PassProjectRolesToTheirServices',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: projectRoles,
      Condition: {
        StringEquals: {
          // A getter, read when the inline policy is rendered at synthesis: by then every role of the stack exists,
          // including those created after this construct.
          get 'iam:PassedToService'() {
            return passedToServices();
          },
        },
      },
    };
    this.applyRole.addStatements(
      { Sid: 'ListStateBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn },
      { Sid: 'WriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: stateObject },
      { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${stateObject}.tflock` },
      // No iam:AttachRolePolicy: only the CI roles carry AWS managed policies, and they are out of reach (below).
      manageProjectRoles,
      passProjectRoles,
      {
        // The CI roles match the project prefix: without this, the apply role could put any policy on itself (or make
        // the plan role, which every pull request can assume, as powerful). An explicit Deny wins over every Allow,
        // PowerUserAccess included, and covers grants added later. Reads stay allowed so that plan and apply can
        // refresh the CI roles.
        Sid: 'NeverChangeTheCiRoles',
        Effect: 'Deny',
        Action: [
          ...manageProjectRoles.Action.filter((a) => !/^iam:(Get|List)/.test(a)),
          'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary',
          'iam:UpdateRoleDescription', 'iam:PassRole',
        ],
        Resource: ciRoleArns,
      },
      {
        Sid: 'ManageGithubOidcProvider',
        Effect: 'Allow',
        Action: [
          'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider',
          'iam:TagOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider',
          'iam:RemoveClientIDFromOpenIDConnectProvider',
        ],
        Resource: `arn:aws:iam::${props.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
      },
      {
        Sid: 'ServiceLinkedRolesOfUsedServices',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: `arn:aws:iam::${props.accountId}:role/aws-service-role/*`,
        Condition: {
          StringEquals: {
            'iam:AWSServiceName': ['ecs.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com', 'codedeploy.amazonaws.com'],
          },
        },
      },
    );
    if (props.stateKmsKeyArn) {
      const kms = { Effect: 'Allow' as const, Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: props.stateKmsKeyArn };
      this.planRole.addStatements({ Sid: 'StateKey', ...kms });
      this.applyRole.addStatements({ Sid: 'StateKey', ...kms });
    }

    this.deployRole = new Role(this, 'deploy', {
      name: props.deployRoleName,
      description: 'ecs-release from application repositories: ship images to this service',
      ...github(props.appRepositories.map((r) => `repo:${r}:environment:${props.githubEnvironment}`)),
    });
    props.service.grantRelease(this.deployRole);
  }

  /**
   * The services (`iam:PassedToService`) the stack's roles other than the CI roles are meant for: the `Service`
   * principals of their trust policies. A role goes only to the service that may assume it, so this is exactly what
   * the apply role must be able to pass (ECS tasks, VPC flow logs, CodeDeploy, ... as the modules create them).
   */
  servicesTrustedByProjectRoles(): string[] {
    const ciRoles = new Set<IamRole>([this.planRole.role, this.applyRole.role, this.deployRole.role]);
    const services = new Set<string>();
    for (const role of TerraformStack.of(this).node.findAll()) {
      if (!(role instanceof IamRole) || ciRoles.has(role)) continue;
      let trust: { Statement?: { Effect?: string; Principal?: { Service?: string | string[] } }[] };
      try {
        trust = JSON.parse(role.assumeRolePolicyInput ?? '');
      } catch {
        // Fail closed: a trust policy that cannot be read would leave its service out of the list silently.
        throw new Error(
          `CiAccess ${this.node.id}: ${role.node.path}: assume_role_policy: received ${JSON.stringify(role.assumeRolePolicyInput)}; allowed: a literal JSON trust policy (the services the apply role may pass roles to are read from it)`,
        );
      }
      for (const statement of trust.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const service = statement.Principal?.Service;
        for (const s of Array.isArray(service) ? service : service ? [service] : []) services.add(s);
      }
    }
    return [...services].sort();
  }
}
