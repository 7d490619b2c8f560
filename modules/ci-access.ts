import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { GitlabAccess, type GitlabAccessProps } from './ci-gitlab';
import { githubSubjects, GITHUB_OIDC_HOST, type GithubSubject } from './github-oidc';
import { Role, type RoleProps } from './iam';
import { grantOperate, operatorRoleProps } from './operator-access';
import { grantPlanIdentity } from './plan-reads';
import type { AppService } from './app-service';
import type { ContainerRegistry } from './registry';
import { grantRelease, releaseStatements } from './service/release-grants';
import { WorkloadBoundary } from './workload-boundary';
import { applyRoleStatements } from './ci-apply-policy';
import { partitionOf } from '../contracts/partition';

export { GITHUB_OIDC_HOST };

export interface CiAccessProps {
  readonly accountId: string;
  /** Role names. */
  readonly planRoleName: string;
  readonly applyRoleName: string;
  /**
   * The deploy role of the first application repository; every further repository gets `<deployRoleName>-<repo>`
   * (cut to 64 characters), so adding a repository never renames the existing role.
   */
  readonly deployRoleName: string;
  /** The production approval's role (blue/green only). @default `${managedRolePrefix}-ci-approve` */
  readonly approveRoleName?: string;
  /**
   * Name prefix of every IAM role this project manages (the apply role may manage only those, and never the CI roles,
   * which match the prefix too).
   */
  readonly managedRolePrefix: string;
  /** owner/name of the infrastructure repository. */
  readonly infraRepository: string;
  /** owner/name of the application repositories allowed to deploy. */
  readonly appRepositories: string[];
  /** GitHub Environment gating apply and deploy (its required reviewers are the approval). */
  readonly githubEnvironment: string;
  /**
   * GitHub Environment of the production approval job (its required reviewers approve the traffic shift).
   * @default `${githubEnvironment}-approve`
   */
  readonly approvalEnvironment?: string;
  /** Create the account's GitHub OIDC provider; false when it already exists. @default true */
  readonly createOidcProvider?: boolean;
  readonly stateBucket: string;
  readonly stateKey: string;
  /** KMS key encrypting the state object. @default undefined (S3-managed keys) */
  readonly stateKmsKeyArn?: string;
  /** The environment's services: each repository's deploy role ships the services whose `deployedBy` names it. */
  readonly services: readonly AppService[];
  /** The registry the services run from (the deploy roles read image metadata). */
  readonly registry: ContainerRegistry;
  /** The environment's region. */
  readonly region: string;
  /** The operator identity's role (ecs-release exec, logs, tasks, scale). @default `${managedRolePrefix}-operator` */
  readonly operatorRoleName?: string;
  /**
   * Who may assume the operator role: `aws:PrincipalArn` patterns of this account's roles.
   * @default the IAM Identity Center permission set `${managedRolePrefix}-operator` (its roles under aws-reserved/sso.amazonaws.com)
   */
  readonly operatorPrincipalArns?: readonly string[];
  /** GitLab CI jobs may assume the deploy and approve roles too (or instead). @default undefined (GitHub only) */
  readonly gitlab?: Omit<GitlabAccessProps, 'accountId' | 'region'>;
  /** Another environment's delivery-pipeline promote role, which may assume the deploy role. @default undefined */
  readonly deliveryPromoterRoleArn?: string;
}

/**
 * GitHub Actions access to one account through OIDC (no long-lived keys). Every trust policy matches the repository's
 * custom OIDC subject (modules/github-oidc.ts, set by scripts/oidc-subject.ts) exactly: repository, context
 * (environment or pull request), for application repositories their branch, and the workflow file with its ref.
 *
 * - plan: refreshes the stack's resource types and reads nothing secret, never writes state (pull-request `plan.yml`);
 * - apply: changes infrastructure (`_apply.yml` on main, in the environment's GitHub Environment); every role it
 *   creates or rewrites carries the workload permissions boundary, which it cannot change or remove; it assumes no role;
 * - deploy: what `ecs-release` needs for this service, from the application repositories' main branch through the
 *   infrastructure repository's `deploy.yml` on main, in the GitHub Environment;
 * - approve (blue/green): continues the deployment that holds before the production traffic shift, from the
 *   `deploy.yml` approval job in its own GitHub Environment (required reviewers); the deploy role cannot.
 *
 * The apply role is denied every change to the CI roles and to the boundary policy, its own role included. A change to
 * them is applied by an administrator with the environment's Terraform role (`terraformRoleArn`), like the first
 * apply; a CI apply of such a change fails with AccessDenied.
 */
export class CiAccess extends Construct {
  public readonly oidcProviderArn: string;
  public readonly oidcProvider?: IamOpenidConnectProvider;
  public readonly planRole: Role;
  public readonly applyRole: Role;
  /** The first application repository's deploy role (`deployRoles` has one per repository). */
  public readonly deployRole: Role;
  /** One deploy role per application repository, in `appRepositories` order. */
  public readonly deployRoles: ReadonlyMap<string, Role>;
  public readonly approveRole?: Role;
  /** People on call: exec, logs, tasks, scale (modules/operator-access.ts). Administrator-managed like the CI roles. */
  public readonly operatorRole: Role;
  /** GitLab's OIDC provider and trust, when configured (modules/ci-gitlab.ts). */
  public readonly gitlab?: GitlabAccess;
  public readonly boundary: WorkloadBoundary;
  private readonly readablePolicies: string[] = [];
  private readonly protectedRoles: string[] = [];
  /** The OIDC subject each role trusts, for tests, docs and the subject-template script. */
  public readonly subjects: Readonly<Record<'plan' | 'apply' | 'deploy' | 'approve', readonly GithubSubject[]>>;

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
      this.oidcProviderArn = `arn:${partitionOf(props.region)}:iam::${props.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
    }
    if (props.services.length === 0) throw new Error(`CiAccess ${id}: services: received []; allowed: at least one service`);
    const blueGreenService = props.services.find((s) => s.blueGreen);
    const blueGreen = blueGreenService?.blueGreen;
    this.subjects = githubSubjects({
      infraRepository: props.infraRepository,
      appRepositories: props.appRepositories,
      githubEnvironment: props.githubEnvironment,
      approvalEnvironment: blueGreen ? (props.approvalEnvironment ?? `${props.githubEnvironment}-approve`) : undefined,
    });

    const github = (subjects: readonly GithubSubject[]) => {
      const exact = subjects.filter((s) => !s.pattern).map((s) => s.value);
      const patterns = subjects.filter((s) => s.pattern).map((s) => s.value);
      return {
        principal: { Federated: this.oidcProviderArn },
        assumeAction: 'sts:AssumeRoleWithWebIdentity',
        trustConditions: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', ...(exact.length ? { [`${GITHUB_OIDC_HOST}:sub`]: exact } : {}) },
          ...(patterns.length ? { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: patterns } } : {}),
        },
      };
    };
    if (props.gitlab) this.gitlab = new GitlabAccess(this, 'gitlab', { ...props.gitlab, accountId: props.accountId, region: props.region });
    const jobTrust = (job: 'deploy' | 'approve', subjects: readonly GithubSubject[]) => (this.gitlab ? this.gitlab.trust(job, github(subjects)) : github(subjects));
    // The promote stage of another environment's CodePipeline: exactly that role, with the deploy role's rights.
    const promoter = props.deliveryPromoterRoleArn ? [{ Sid: 'DeliveryPromoter', Effect: 'Allow', Principal: { AWS: props.deliveryPromoterRoleArn }, Action: 'sts:AssumeRole' }] : [];
    const deployTrust = (subjects: readonly GithubSubject[]) => {
      const t: Pick<RoleProps, 'principal' | 'assumeAction' | 'trustConditions' | 'extraTrust'> = jobTrust('deploy', subjects);
      return promoter.length > 0 ? { ...t, extraTrust: [...(t.extraTrust ?? []), ...promoter] } : t;
    };
    const bucketArn = `arn:${partitionOf(props.region)}:s3:::${props.stateBucket}`;
    const stateObject = `${bucketArn}/${props.stateKey}`;

    this.planRole = new Role(this, 'plan', {
      name: props.planRoleName,
      description: 'Terraform plan from pull requests: refresh only, no secret, no state write',
      ...github(this.subjects.plan),
    });
    this.applyRole = new Role(this, 'apply', {
      name: props.applyRoleName,
      description: 'Terraform apply after merge, from the protected GitHub Environment only',
      ...github(this.subjects.apply),
      // PowerUserAccess excludes IAM; the statements below add IAM for this project's own roles only.
      managedPolicies: [
        {
          arn: `arn:${partitionOf(props.region)}:iam::aws:policy/PowerUserAccess`,
          reason:
            'terraform apply manages every resource type the stack declares; PowerUserAccess covers them except IAM, which the inline policy grants for this project\'s bounded roles only, sts:AssumeRole is denied, and only _apply.yml on main in the protected GitHub Environment can assume the role.',
        },
      ],
    });
    const deployRoles = new Map<string, Role>();
    props.appRepositories.forEach((repo, i) => {
      // The first repository's role keeps the single-repository id and name (state and workflows stay as they are).
      const suffix = i === 0 ? '' : `-${repo.split('/')[1].toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
      const subjects = githubSubjects({ infraRepository: props.infraRepository, appRepositories: [repo], githubEnvironment: props.githubEnvironment }).deploy;
      deployRoles.set(
        repo,
        new Role(this, i === 0 ? 'deploy' : `deploy-${i}`, {
          name: `${props.deployRoleName}${suffix}`.slice(0, 64),
          description: `ecs-release from ${repo}: ship images to ${servicesOf(props.services, repo).map((s) => s.names.service).join(', ') || 'no service'}`,
          // GitLab's projects and a promoting pipeline deploy what the first repository deploys (its role keeps the name).
          ...(i === 0 ? deployTrust(subjects) : github(subjects)),
        }),
      );
    });
    this.deployRoles = deployRoles;
    this.deployRole = deployRoles.get(props.appRepositories[0])!;
    if (blueGreen) {
      this.approveRole = new Role(this, 'approve', {
        name: props.approveRoleName ?? `${props.managedRolePrefix}-ci-approve`.slice(0, 64),
        description: 'Production approval: continue the blue/green deployment that holds before the traffic shift',
        ...jobTrust('approve', this.subjects.approve),
      });
    }
    const operatorProps = {
      accountId: props.accountId,
      region: props.region,
      roleName: props.operatorRoleName ?? `${props.managedRolePrefix}-operator`.slice(0, 64),
      principalArns: props.operatorPrincipalArns ?? [`arn:${partitionOf(props.region)}:iam::${props.accountId}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${props.managedRolePrefix}-operator_*`],
      services: props.services,
    };
    this.operatorRole = new Role(this, 'operator', operatorRoleProps(`${id}/operator`, operatorProps));
    // The operator role is exempt from the workload boundary and out of the apply identity's reach like the CI roles:
    // an apply that could rewrite its trust policy could hand a shell in the tasks to anyone.
    const ciRoles = [this.planRole, this.applyRole, ...deployRoles.values(), ...(this.approveRole ? [this.approveRole] : []), this.operatorRole];
    this.boundary = new WorkloadBoundary(this, 'boundary', {
      accountId: props.accountId,
      region: props.region,
      name: `${props.managedRolePrefix}-workload-boundary`,
      exempt: ciRoles.map((r) => r.role),
      resourcePrefix: props.managedRolePrefix,
    });

    grantPlanIdentity(this.planRole, { bucketArn, stateObject, stateKmsKeyArn: props.stateKmsKeyArn, where: `CiAccess ${this.node.path}: plan role` });
    this.applyRole.addStatements(
      ...applyRoleStatements({
        partition: partitionOf(props.region),
        accountId: props.accountId,
        managedRolePrefix: props.managedRolePrefix,
        stateBucketArn: bucketArn,
        stateObjectArn: stateObject,
        stateKmsKeyArn: props.stateKmsKeyArn,
        ciRoleNames: ciRoles.map((r) => `${r.role.nameInput}`),
        boundaryArn: this.boundary.arn,
        oidcProviderArns: this.gitlab ? [this.gitlab.providerArn] : [],
        servicesTrusted: () => this.servicesTrustedByProjectRoles(),
        readablePolicies: this.readablePolicies,
        protectedRoles: this.protectedRoles,
      }),
    );
    for (const [repo, role] of deployRoles) {
      const services = servicesOf(props.services, repo);
      if (services.length > 0) grantRelease(role, services, props.registry);
    }
    grantOperate(this.operatorRole, operatorProps);
    if (this.approveRole && blueGreenService) this.grantApprove(this.approveRole, blueGreenService, props.registry);
  }

  /**
   * Puts further administrator-managed IAM of the stack out of the apply role's reach, like the CI roles and the
   * boundary: `roleArns` (a role holding deploy rights, such as the delivery pipeline's build role) may not be changed or
   * passed, `policyArns` (a further boundary) may be read, never written.
   */
  protect(guarded: { readonly roleArns?: readonly string[]; readonly policyArns?: readonly string[] }): void {
    this.protectedRoles.push(...(guarded.roleArns ?? []));
    this.readablePolicies.push(...(guarded.policyArns ?? []));
  }

  /**
   * The approval: the deploy role's reads and release-pointer/tag writes that `ecs-release approve` needs after the
   * traffic shift, plus continuing (or stopping) this group's held deployment. No RegisterTaskDefinition, UpdateService,
   * RunTask, CreateDeployment or iam:PassRole: it can shift traffic to what the deploy identity staged, nothing else.
   */
  private grantApprove(role: Role, service: AppService, registry: ContainerRegistry): void {
    const reused = new Set(['DescribeWithoutResourceScope', 'MarkOwnRevisionsDeployed', 'DescribeThisService', 'ReleasePointer', 'ReadDescriptor', 'ReadServiceEventsAndLogs']);
    const { scoped, unscoped } = releaseStatements([service]);
    role.addStatements(...scoped.filter((s) => reused.has(s.Sid)));
    for (const u of unscoped.filter((u) => reused.has(u.statement.Sid))) role.addStatementsWithoutResourceScope(u.reason, u.statement);
    registry.grantReadMetadata(role);
    service.blueGreen!.grantApproval(role);
  }

  /**
   * The workload roles (all but the CI roles) by the service their trust policy names (`iam:PassedToService`): exactly
   * what the apply role must be able to pass, and to whom (ECS tasks, VPC flow logs, CodeDeploy, ... as the modules
   * create them), read at synthesis from the trust policies rather than from a hand-kept list.
   */
  servicesTrustedByProjectRoles(): { service: string; roleArns: string[] }[] {
    const ciRoles = new Set<IamRole>([this.planRole, this.applyRole, ...this.deployRoles.values(), ...(this.approveRole ? [this.approveRole] : []), this.operatorRole].map((r) => r.role));
    const byService = new Map<string, string[]>();
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
      const arn = `arn:${this.partition}:iam::${this.accountId}:role${role.pathInput ?? '/'}${role.nameInput}`;
      for (const statement of trust.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const service = statement.Principal?.Service;
        for (const s of Array.isArray(service) ? service : service ? [service] : []) byService.set(s, [...new Set([...(byService.get(s) ?? []), arn])]);
      }
    }
    return [...byService.keys()].sort().map((service) => ({ service, roleArns: byService.get(service)!.sort() }));
  }

  private get accountId(): string {
    return /^arn:[\w-]+:iam::(\d{12}):/.exec(this.boundary.arn)![1];
  }

  private get partition(): string {
    return /^arn:([\w-]+):iam::/.exec(this.boundary.arn)![1];
  }
}

/** The services whose `deployedBy` names `repository` (every service when it names none: all repositories deploy it). */
export function servicesOf(services: readonly AppService[], repository: string): AppService[] {
  return services.filter((s) => (s.config.deployedBy ?? [repository]).includes(repository));
}
