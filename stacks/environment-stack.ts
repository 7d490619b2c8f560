import { LocalBackend, S3Backend, TerraformOutput, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { checkAgainstEarlier } from '../environments/schema/chain';
import { SchedulerScheduleGroup } from '@cdktf/provider-aws/lib/scheduler-schedule-group';
import { awsName, resourceNames, serviceNames, type ResourceNames } from '../contracts/names';
import { listenerRulePriority } from '../environments/schema/routing';
import { webAclEnabled, type EnvironmentConfig } from '../environments/schema';
import { AccessLogBucket } from '../modules/access-log-bucket';
import { CiAccess } from '../modules/ci-access';
import { DeliveryPipeline } from '../modules/delivery-pipeline';
import { EcsCluster } from '../modules/cluster';
import { LoadBalancer } from '../modules/load-balancer';
import { LogEncryptionKey } from '../modules/log-key';
import { Network } from '../modules/network';
import { ContainerRegistry } from '../modules/registry';
import { WebAcl } from '../modules/web-acl';
import { AppService, legacyPath } from '../modules/app-service';
import { logicalId } from './logical-id';
import { partitionOf } from '../contracts/partition';
import { applyPolicyChecks } from '../rules';

/**
 * Where the synthesized stack is meant to run. Set with the app context key `ecs-coexist:target`
 * (`CDKTF_CONTEXT_JSON='{"ecs-coexist:target":"offline"}'`).
 * - `aws` (default): the real account: assume-role, S3 state with locking.
 * - `offline`: `npm run preview` and the plan tests: local state, placeholder credentials, the provider's skip flags.
 * - `emulator`: the moto tier: local state, real STS/assume-role against the emulator, no Application Auto Scaling
 *   (moto lacks its ListTagsForResource; scaling stays covered by the synth and plan tiers).
 */
export type StackTarget = 'aws' | 'offline' | 'emulator';
export const TARGET_CONTEXT_KEY = 'ecs-coexist:target';
/** Terraform versions the synthesized stacks accept (`terraform.required_version`). */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

/** The offline provider's settings: placeholders, and skip flags so the provider never calls AWS while planning creates. */
export const OFFLINE_PROVIDER = {
  accessKey: 'offline-placeholder',
  secretKey: 'offline-placeholder',
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: 'true',
  skipRegionValidation: true,
} as const;

/** One environment = one AWS account = one stack (`cdktf plan <env.name>`), fenced to its account. */
export class EnvironmentStack extends TerraformStack {
  public readonly env: EnvironmentConfig;
  public readonly names: ResourceNames;
  public readonly target: StackTarget;
  public readonly logKey: LogEncryptionKey;
  public readonly network: Network;
  public readonly registry: ContainerRegistry;
  public readonly cluster: EcsCluster;
  public readonly loadBalancer: LoadBalancer;
  /** The load balancer's access-log bucket, unless loadBalancer.accessLogs.enabled is false (never in production). */
  public readonly accessLogs?: AccessLogBucket;
  /** The WAF web ACL in front of the load balancer (on by default in production, see webAclEnabled()). */
  public readonly webAcl?: WebAcl;
  /** The services by name, in configuration order. */
  public readonly services: ReadonlyMap<string, AppService>;
  /** The environment's EventBridge Scheduler group, when a service is scheduled. */
  public readonly scheduleGroup?: SchedulerScheduleGroup;
  public readonly ci: CiAccess;
  /** CodeBuild + CodePipeline with a manual approval before production, when `delivery` is configured. */
  public readonly delivery?: DeliveryPipeline;

  constructor(scope: Construct, env: EnvironmentConfig) {
    super(scope, env.name);
    this.env = env;
    this.names = resourceNames(env);
    this.target = readTarget(this);
    assertDistinctFromSiblings(scope, this);

    this.configureProviderAndState();
    // Checked by Terraform on every init/plan/apply (S3-native locking needs 1.10), rather than by probing whichever
    // `terraform` is on PATH at synthesis time (see modules/terraform-data.ts).
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);

    this.logKey = new LogEncryptionKey(this, 'log-key', { name: this.names.prefix, accountId: env.accountId, region: env.region });
    this.network = new Network(this, 'network', {
      name: this.names.prefix,
      region: env.region,
      ...env.network,
      flowLogs: { accountId: env.accountId, retentionDays: env.logRetentionDays, encryptionKey: this.logKey },
    });
    this.registry = new ContainerRegistry(this, 'registry', {
      accountId: env.accountId,
      region: env.region,
      ...env.registry,
    });
    this.cluster = new EcsCluster(this, 'cluster', { name: this.names.cluster });
    const edge = env.loadBalancer;
    if (edge.accessLogs.enabled) {
      this.accessLogs = new AccessLogBucket(this, 'access-logs', {
        // Bucket names are global: the account id keeps them unique, the cut keeps them within 63 characters.
        bucketName: `${awsName(this.names.prefix, 41)}-alb-logs-${env.accountId}`,
        accountId: env.accountId,
        region: env.region,
        retentionDays: edge.accessLogs.retentionDays,
        forceDestroy: !env.production,
      });
    }
    this.loadBalancer = new LoadBalancer(this, 'load-balancer', {
      name: this.names.loadBalancer,
      network: this.network,
      ...edge,
      accessLogBucket: this.accessLogs,
      testListener:
        Object.values(env.services).some((s) => s.kind === 'web' && s.deployment.strategy === 'blue-green')
          ? { port: env.loadBalancer.testListenerPort, allowedCidrs: env.loadBalancer.allowedTestCidrs }
          : undefined,
    });
    if (webAclEnabled(env)) {
      this.webAcl = new WebAcl(this, 'web-acl', {
        name: this.names.prefix,
        resourceArns: [this.loadBalancer.alb.arn],
        managedRuleGroups: edge.webAcl.managedRuleGroups,
        rateLimitPer5Minutes: edge.webAcl.rateLimitPer5Minutes,
        logging: { retentionDays: env.logRetentionDays, encryptionKey: this.logKey },
      });
    }
    // ARNs the stack writes itself name the partition the provider runs in (aws, aws-cn, aws-us-gov).
    const partition = new DataAwsPartition(this, 'partition').partition;
    if (Object.values(env.services).some((s) => s.kind === 'scheduled')) {
      this.scheduleGroup = new SchedulerScheduleGroup(this, 'schedule-group', { name: this.names.scheduleGroup });
    }
    const servicesScope = new Construct(this, 'services');
    const services = new Map<string, AppService>();
    for (const [name, config] of Object.entries(env.services)) {
      services.set(
        name,
        new AppService(servicesScope, name, {
          environment: env.name,
          accountId: env.accountId,
          region: env.region,
          partition,
          names: serviceNames(env, name),
          config,
          cluster: this.cluster,
          network: this.network,
          loadBalancer: this.loadBalancer,
          registry: this.registry,
          listenerRulePriority: config.kind === 'web' && config.deployment.strategy === 'rolling' ? listenerRulePriority(name, config.routing) : undefined,
          scheduleGroup: this.scheduleGroup,
          logRetentionDays: env.logRetentionDays,
          logEncryptionKey: this.logKey,
          createAutoScaling: this.target !== 'emulator',
        }),
      );
    }
    this.services = services;
    this.ci = new CiAccess(this, 'ci', {
      accountId: env.accountId,
      planRoleName: this.names.planRole,
      applyRoleName: this.names.applyRole,
      deployRoleName: this.names.deployRole,
      approveRoleName: `${this.names.prefix}-ci-approve`.slice(0, 64),
      managedRolePrefix: this.names.prefix,
      ...env.ci,
      stateBucket: env.state.bucket,
      stateKey: env.state.key,
      stateKmsKeyArn: env.state.kmsKeyArn,
      services: [...services.values()],
      registry: this.registry,
      region: env.region,
    });

    if (env.delivery) {
      // The build deploys here with exactly the rights of the released repository's deploy role.
      const deployRole = this.ci.deployRoles.get(env.delivery.appRepository)!;
      this.delivery = new DeliveryPipeline(this, 'delivery', {
        name: this.names.prefix,
        accountId: env.accountId,
        region: env.region,
        connectionArn: env.delivery.connectionArn,
        appRepository: env.delivery.appRepository,
        appBranch: env.delivery.appBranch,
        infraRepository: env.ci.infraRepository,
        infraBranch: env.delivery.infraBranch,
        // A literal ARN: the build role's statements are copied into its boundary (see DeliveryPipeline).
        imageRepository: { arn: `arn:${partitionOf(env.region)}:ecr:${env.region}:${env.accountId}:repository/${env.registry.repositoryName}`, url: this.registry.repository.repositoryUrl },
        deployStatements: deployRole.policyStatements,
        deployUnscopedReasons: deployRole.unscopedReasons,
        select: env.delivery.group ? { group: env.delivery.group } : env.delivery.service ? { service: env.delivery.service } : undefined,
        deployEnvironment: env.name,
        promote: env.delivery.promote,
        logRetentionDays: env.logRetentionDays,
        logKmsKeyArn: this.logKey.arn,
        buildTimeoutMinutes: env.delivery.buildTimeoutMinutes,
        boundary: true,
      });
      // The build role holds deploy rights: administrator-managed like the deploy role, out of the apply role's reach.
      this.ci.protect({ roleArns: [`arn:${partitionOf(env.region)}:iam::${env.accountId}:role/${this.delivery.buildRole.role.nameInput}`], policyArns: [this.delivery.boundary!.arn] });
    }

    new TerraformOutput(this, 'url', { value: this.loadBalancer.url, description: 'Public URL of the service' });
    new TerraformOutput(this, 'repository_url', { value: this.registry.repository.repositoryUrl });
    new TerraformOutput(this, 'deploy_role_arn', { value: this.ci.deployRole.arn });
    new TerraformOutput(this, 'plan_role_arn', { value: this.ci.planRole.arn });
    new TerraformOutput(this, 'apply_role_arn', { value: this.ci.applyRole.arn });
    if (this.ci.approveRole) new TerraformOutput(this, 'approve_role_arn', { value: this.ci.approveRole.arn });
    if (this.delivery) new TerraformOutput(this, 'delivery_promoter_role_arn', { value: this.delivery.promoterRoleArn, description: 'The role the promotion environment\'s deploy role must trust' });

    this.keepSingleServiceAddresses();

    // Policy rules (rules/) run at synthesis: errors stop it, warnings and accepted risks are printed and written
    // to policy-report.json next to cdk.tf.json.
    applyPolicyChecks(this, { production: env.production, target: this.target });
  }

  /**
   * State continuity with the single-service layout: the first web service's resources were the module at `service`.
   * Each gets a `moved` block from its old address, so Terraform moves its state instead of destroying and creating the
   * running service, target group, task definition and roles. (A `moved` block whose source is not in the state is
   * ignored, so an environment created after the change carries them harmlessly.)
   */
  private keepSingleServiceAddresses(): void {
    const legacy = Object.entries(this.env.services).find(([, s]) => s.kind === 'web')?.[0];
    if (!legacy) return;
    const moves: { from: string; to: string }[] = [];
    for (const node of this.node.findAll()) {
      if (!(node instanceof TerraformResource)) continue;
      const components = node.node.scopes.slice(node.node.scopes.indexOf(this) + 1).map((c) => c.node.id);
      const old = legacyPath(components, legacy);
      if (old) moves.push({ from: `${node.terraformResourceType}.${logicalId(old)}`, to: `${node.terraformResourceType}.${node.friendlyUniqueId}` });
    }
    // The load balancer's path to the tasks was one pair of rules per service (`in-web`, `out-web`); it is one pair per
    // port now (`in-web-8080`): the pair of today's port keeps the old addresses.
    const config = this.env.services[legacy];
    if (config.kind === 'web') {
      for (const dir of ['in', 'out']) {
        const rule = this.loadBalancer.node.tryFindChild(`${dir}-${legacy}-${config.containerPort}`) as TerraformResource | undefined;
        if (rule) moves.push({ from: `${rule.terraformResourceType}.${logicalId(['load-balancer', `${dir}-${legacy}`])}`, to: `${rule.terraformResourceType}.${rule.friendlyUniqueId}` });
      }
    }
    // Written as the stack's own `moved` list rather than through resource.moveFromId(): cdktf then runs
    // `terraform version` at every synthesis to check for >= 1.5, which required_version (>= 1.10) already enforces.
    if (moves.length > 0) this.addOverride('moved', moves);
  }

  private configureProviderAndState(): void {
    const env = this.env;
    const common = {
      region: env.region,
      defaultTags: [{ tags: { ...env.tags, Environment: env.tags.Environment ?? env.name } }],
    };
    if (this.target === 'offline') {
      // No allowed_account_ids: offline there is no account to check (the provider would reject the empty id).
      new AwsProvider(this, 'aws', { ...common, ...OFFLINE_PROVIDER });
      new LocalBackend(this, { path: 'terraform.tfstate' });
      return;
    }
    new AwsProvider(this, 'aws', {
      ...common,
      allowedAccountIds: [env.accountId],
      // `ambient` (CI): the job already holds the role meant for the step (read-only plan, apply) through GitHub OIDC;
      // assuming terraformRoleArn on top would fail, or widen a read-only plan to the Terraform role.
      assumeRole: readCredentials(this) === 'ambient' ? undefined : [{ roleArn: env.terraformRoleArn, sessionName: `terraform-${env.name}` }],
    });
    if (this.target === 'emulator') {
      new LocalBackend(this, { path: 'terraform.tfstate' });
      return;
    }
    new S3Backend(this, {
      bucket: env.state.bucket,
      key: env.state.key,
      region: env.state.region,
      encrypt: true,
      kmsKeyId: env.state.kmsKeyArn,
    });
    // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no typed field for it yet.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
  }
}

/**
 * How the provider gets credentials outside the offline target, set with the app context key
 * `ecs-coexist:credentials`: `assume-role` (default) assumes the environment's terraformRoleArn; `ambient` uses the
 * caller's credentials as they are (the CI roles of modules/ci-access.ts). The account fence stays either way.
 */
export const CREDENTIALS_CONTEXT_KEY = 'ecs-coexist:credentials';

function readCredentials(scope: Construct): 'assume-role' | 'ambient' {
  const value = scope.node.tryGetContext(CREDENTIALS_CONTEXT_KEY) ?? 'assume-role';
  if (value !== 'assume-role' && value !== 'ambient') {
    throw new Error(`context ${CREDENTIALS_CONTEXT_KEY}: received ${JSON.stringify(value)}; allowed: "assume-role" or "ambient"`);
  }
  return value;
}

function readTarget(scope: Construct): StackTarget {
  const value = scope.node.tryGetContext(TARGET_CONTEXT_KEY) ?? 'aws';
  if (value !== 'aws' && value !== 'offline' && value !== 'emulator') {
    throw new Error(`context ${TARGET_CONTEXT_KEY}: received ${JSON.stringify(value)}; allowed: "aws", "offline" or "emulator"`);
  }
  return value;
}

/**
 * Environments of one app may share an account (staging beside dev), never a state object, a GitHub Environment or an
 * account's singletons; each stack is checked against the ones built before it (environments/schema/chain.ts).
 */
function assertDistinctFromSiblings(scope: Construct, self: EnvironmentStack): void {
  const earlier = scope.node.children.filter((c): c is EnvironmentStack => c instanceof EnvironmentStack && c !== self);
  checkAgainstEarlier(self.env, earlier.map((s) => s.env));
}
