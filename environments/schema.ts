import { z } from 'zod';
import { isWorldOpen, WORLD_OPEN_PREFIX } from '../contracts/open-cidr';
import { CURRENT_TLS_POLICIES } from '../contracts/tls';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr';
import { hostileInputChecks } from './schema/checks';
import { serviceChecks, webServices } from './schema/service-checks';
import { servicesSchema } from './schema/services';
import { allowedFor, ConfigError } from './schema/errors';
import { int, oneOf, str } from './schema/primitives';
import { findNonLiteral } from './schema/literal';
import { deliverySchema, gitlabSchema } from './schema/pipelines';

/**
 * The typed, validated shape of one environment (one AWS account).
 *
 * Every default below is chosen for a safe production service and fast rolling deployments; where AWS's own
 * default is more permissive or slower, the doc comment says so. `defineEnvironment()` validates a literal of the
 * input shape and returns the fully defaulted configuration, or throws one line naming the field, the value received
 * and what is allowed.
 */

export { FARGATE_MEMORY_MIB } from './schema/service-checks';

/** VPC interface/gateway endpoints the network module knows how to create. */
export const VPC_ENDPOINTS = ['ecr.api', 'ecr.dkr', 's3', 'logs', 'ssm', 'secretsmanager', 'ssmmessages', 'kms', 'sts'] as const;
export type VpcEndpointName = (typeof VPC_ENDPOINTS)[number];

export { CURRENT_TLS_POLICIES };

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const CERT_ARN = /^arn:aws(-[a-z]+)?:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const KMS_KEY_ARN = /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const GITHUB_REPO = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, { message: 'an IPv4 CIDR such as 10.0.0.0/16 with no host bits set' });

const networkSchema = z.strictObject({
  vpcCidr: cidr,
  /** At least two; they must belong to the region. */
  availabilityZones: z.array(z.string()).min(2, { message: 'at least 2 availability zones' }),
  /** One per availability zone, same order. */
  publicSubnetCidrs: z.array(cidr),
  /** One per availability zone, same order; tasks run here. */
  privateSubnetCidrs: z.array(cidr),
  /** Outbound internet for tasks: none, one shared NAT gateway, or one per AZ (survives an AZ outage). @default 'single' */
  natGateways: z.enum(['none', 'single', 'one-per-az']).default('single'),
  /** VPC endpoints keeping AWS traffic off the NAT gateway. @default all of ecr.api, ecr.dkr, s3, logs, ssm, secretsmanager, ssmmessages */
  vpcEndpoints: z.array(z.enum(VPC_ENDPOINTS)).default(['ecr.api', 'ecr.dkr', 's3', 'logs', 'ssm', 'secretsmanager', 'ssmmessages']),
});

const replicationTargetSchema = z.strictObject({
  accountId: str(ACCOUNT_ID, 'a 12-digit AWS account id'),
  region: str(REGION, 'an AWS region such as eu-west-1'),
});

const registrySchema = z.strictObject({
  /** ECR repository name; identical in every account so replication lands in the same place. */
  repositoryName: str(/^(?=.{2,256}$)[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'an ECR repository name (lowercase, digits, . _ - /; 2-256 characters)'),
  /** Images to keep; older untagged/superseded ones expire. @default 50 */
  keepImages: int(1, 10000).default(50),
  /** Replicate every pushed image (same digest) to these registries: how prod gets dev's tested bytes. @default [] */
  replicateTo: z.array(replicationTargetSchema).default([]),
  /** Account whose registry may replicate into this one (set in the receiving environment). @default undefined */
  acceptReplicationFrom: str(ACCOUNT_ID, 'a 12-digit AWS account id').optional(),
});

/** AWS managed WAF rule groups that work without extra configuration (Bot Control and ATP need their own). */
export const AWS_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesSQLiRuleSet',
  'AWSManagedRulesLinuxRuleSet',
  'AWSManagedRulesUnixRuleSet',
  'AWSManagedRulesAdminProtectionRuleSet',
] as const;

const loadBalancerSchema = z.strictObject({
  /** ACM certificate for HTTPS; required in prod. Without it the ALB serves plain HTTP. @default undefined */
  certificateArn: str(CERT_ARN, 'an ACM certificate ARN').optional(),
  /** Public host name of the service. @default undefined */
  domainName: str(DOMAIN, 'a lowercase DNS name').optional(),
  /** @default 'ELBSecurityPolicy-TLS13-1-2-2021-06' */
  sslPolicy: z.enum(CURRENT_TLS_POLICIES).default('ELBSecurityPolicy-TLS13-1-2-2021-06'),
  /** AWS default false; must be true in prod. @default true */
  deletionProtection: z.boolean().default(true),
  /** @default 60 */
  idleTimeoutSeconds: int(1, 4000).default(60),
  /**
   * Sources allowed on the ALB's public listeners. Without a certificate, a range wider than /8 is refused while ECS
   * Exec is on or the service has secrets (plain HTTP to the internet). @default ['0.0.0.0/0']
   */
  allowedIngressCidrs: z.array(cidr).min(1).default(['0.0.0.0/0']),
  /** Port of the blue/green test listener. @default 8443 */
  testListenerPort: int(1, 65535).default(8443),
  /** Sources allowed on the test listener (blue/green only). @default [] */
  allowedTestCidrs: z.array(cidr).default([]),
  /** AWS WAF web ACL with AWS managed rule groups in front of the load balancer (modules/web-acl.ts). */
  webAcl: z
    .strictObject({
      /** Must stay true in production. @default true in production, false elsewhere (webAclEnabled()) */
      enabled: z.boolean().optional(),
      /** AWS managed rule groups, in evaluation order. @default IP reputation, common rule set, known bad inputs */
      managedRuleGroups: z.array(z.enum(AWS_MANAGED_RULE_GROUPS)).min(1).optional(),
      /** Requests one client IP may send per 5 minutes before WAF blocks it. @default undefined (no rate rule) */
      rateLimitPer5Minutes: int(10, 2_000_000_000).optional(),
    })
    .default({}),
  /** Load-balancer access logs to a dedicated S3 bucket (modules/access-log-bucket.ts). */
  accessLogs: z
    .strictObject({
      /** Must stay true in production. @default true */
      enabled: z.boolean().default(true),
      /** Days a log object is kept before S3 deletes it. @default 90 */
      retentionDays: int(1, 3650).default(90),
    })
    .default({ enabled: true, retentionDays: 90 }),
});

/** Whether the environment puts a WAF web ACL in front of its load balancer: on by default in production. */
export function webAclEnabled(env: Pick<EnvironmentConfig, 'production' | 'loadBalancer'>): boolean {
  return env.loadBalancer.webAcl.enabled ?? env.production;
}

const stateSchema = z.strictObject({
  bucket: str(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  /** Object key of this environment's state; must differ between environments. */
  key: str(/^[\w!\-.*'()/]+\.tfstate$/, "an S3 key ending in '.tfstate'"),
  region: str(REGION, 'an AWS region such as eu-west-1'),
  /** KMS key for the state object; S3-managed encryption when unset (encryption is always on). @default undefined */
  kmsKeyArn: str(KMS_KEY_ARN, 'a KMS key ARN').optional(),
});

const ciSchema = z.strictObject({
  /** This infrastructure repository (owner/name): its workflows get the plan and apply roles. */
  infraRepository: str(GITHUB_REPO, 'owner/name of a GitHub repository'),
  /** Application repositories whose workflows may deploy with the release CLI. */
  appRepositories: z.array(str(GITHUB_REPO, 'owner/name of a GitHub repository')).min(1),
  /** GitHub Environment whose jobs may apply/deploy here (its required reviewers are the prod approval). */
  githubEnvironment: str(/^[\w.-]{1,255}$/, 'a GitHub Environment name'),
  /** Create the account's GitHub OIDC provider (false when it already exists). @default true */
  createOidcProvider: z.boolean().default(true),
  /** GitLab CI jobs may assume the deploy (and approve) roles with their OIDC id_token. @default undefined (GitHub only) */
  gitlab: gitlabSchema.optional(),
  /**
   * The `delivery_promoter_role_arn` output of the environment whose CodePipeline promotes here (its `delivery`): its
   * promote project may assume this environment's deploy role. @default undefined (no pipeline promotes here)
   */
  deliveryPromoterRoleArn: str(ROLE_ARN, 'an IAM role ARN (the delivery_promoter_role_arn output)').optional(),
});

export const environmentSchema = z
  .strictObject({
    /** Stack id and name prefix: `cdktf plan <name>`. */
    name: str(NAME, 'lowercase letters, digits and hyphens, 2-32 characters, starting with a letter'),
    /** Project name used as resource-name prefix. */
    project: str(NAME, 'lowercase letters, digits and hyphens, 2-32 characters, starting with a letter'),
    /** Production environments get the strictest checks. */
    production: z.boolean(),
    accountId: str(ACCOUNT_ID, 'a 12-digit AWS account id'),
    region: str(REGION, 'an AWS region such as eu-west-1'),
    /** Role Terraform assumes in this account; must belong to accountId. */
    terraformRoleArn: str(ROLE_ARN, 'an IAM role ARN'),
    state: stateSchema,
    network: networkSchema,
    registry: registrySchema,
    loadBalancer: loadBalancerSchema,
    /** The services of this environment by name (web, worker, scheduled); at least one. */
    services: servicesSchema,
    /** CloudWatch Logs retention. @default 30 */
    logRetentionDays: oneOf(LOG_RETENTION_DAYS).default(30),
    ci: ciSchema,
    /** CodeBuild + CodePipeline delivering here, with a manual approval before production. @default undefined (none) */
    delivery: deliverySchema.optional(),
    /** Tags on every resource (provider default_tags). @default {} */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .superRefine((env, ctx) => {
    crossFieldChecks(env, ctx);
    hostileInputChecks(env, ctx);
  });

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type { ServiceConfig, WebServiceConfig, WorkerServiceConfig, ScheduledServiceConfig, SidecarConfig, ServiceKind } from './schema/services';
export type NetworkConfig = EnvironmentConfig['network'];

function crossFieldChecks(env: z.output<typeof environmentSchema>, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], input: unknown, allowed: string) =>
    ctx.addIssue({ code: 'custom', path, input, message: allowed });

  const roleAccount = ROLE_ARN.exec(env.terraformRoleArn)?.[2];
  if (roleAccount && roleAccount !== env.accountId) {
    fail(['terraformRoleArn'], env.terraformRoleArn, `a role in account ${env.accountId} (accountId)`);
  }

  const net = env.network;
  net.availabilityZones.forEach((az, i) => {
    // A string comparison, not a RegExp built from the region: the region is input and may be any text here.
    if (!(az.startsWith(env.region) && /^[a-z]$/.test(az.slice(env.region.length)))) fail(['network', 'availabilityZones', i], az, `a zone of region ${env.region}, such as ${env.region}a`);
  });
  if (new Set(net.availabilityZones).size !== net.availabilityZones.length) {
    fail(['network', 'availabilityZones'], net.availabilityZones, 'distinct availability zones');
  }
  const vpc = parseCidr(net.vpcCidr);
  if (vpc && (vpc.prefix < 16 || vpc.prefix > 24)) fail(['network', 'vpcCidr'], net.vpcCidr, 'a prefix length between /16 and /24');
  const subnets: { path: (string | number)[]; text: string }[] = [];
  for (const kind of ['publicSubnetCidrs', 'privateSubnetCidrs'] as const) {
    if (net[kind].length !== net.availabilityZones.length) {
      fail(['network', kind], net[kind], `exactly one CIDR per availability zone (${net.availabilityZones.length})`);
    }
    net[kind].forEach((text, i) => subnets.push({ path: ['network', kind, i], text }));
  }
  subnets.forEach((s, i) => {
    const c = parseCidr(s.text);
    if (!c || !vpc) return;
    if (!cidrContains(vpc, c)) fail(s.path, s.text, `a subnet inside the VPC ${net.vpcCidr}`);
    else if (c.prefix > 28) fail(s.path, s.text, 'a prefix length of /28 or larger');
    const clash = subnets.slice(0, i).find((o) => {
      const oc = parseCidr(o.text);
      return oc !== undefined && cidrsOverlap(oc, c);
    });
    if (clash) fail(s.path, s.text, `a CIDR not overlapping ${clash.path.join('.')} (${clash.text})`);
  });
  if (net.natGateways === 'none' && !(['ecr.api', 'ecr.dkr', 's3', 'logs'] as const).every((e) => net.vpcEndpoints.includes(e))) {
    fail(['network', 'vpcEndpoints'], net.vpcEndpoints, 'ecr.api, ecr.dkr, s3 and logs when natGateways is none (tasks could not pull images)');
  }

  const lb = env.loadBalancer;
  if (lb.domainName && !lb.certificateArn) {
    fail(['loadBalancer', 'certificateArn'], undefined, `an ACM certificate ARN when loadBalancer.domainName is set (${lb.domainName} would be served over plain HTTP)`);
  }
  if (lb.certificateArn) {
    const [, , , certRegion, certAccount] = lb.certificateArn.split(':');
    if (certRegion !== env.region) fail(['loadBalancer', 'certificateArn'], lb.certificateArn, `a certificate in region ${env.region} (a load balancer only uses certificates of its own region)`);
    else if (certAccount !== env.accountId) fail(['loadBalancer', 'certificateArn'], lb.certificateArn, `a certificate of account ${env.accountId} (accountId)`);
  }
  edgeChecks(env, fail);
  const blueGreen = webServices(env).some(([, s]) => s.deployment.strategy === 'blue-green');
  if (blueGreen) {
    if (env.loadBalancer.allowedTestCidrs.length === 0) {
      fail(['loadBalancer', 'allowedTestCidrs'], [], 'at least one CIDR when a service\'s deployment.strategy is blue-green (the test listener must not be open)');
    }
    if ([80, 443].includes(env.loadBalancer.testListenerPort)) {
      fail(['loadBalancer', 'testListenerPort'], env.loadBalancer.testListenerPort, 'a port other than 80 and 443');
    }
  }
  serviceChecks(env, fail);

  if (env.production) {
    if (!env.loadBalancer.certificateArn) fail(['loadBalancer', 'certificateArn'], undefined, 'an ACM certificate ARN (production serves HTTPS only)');
    if (!env.loadBalancer.deletionProtection) fail(['loadBalancer', 'deletionProtection'], false, 'true in production');
  }
  env.loadBalancer.allowedTestCidrs.forEach((c, i) => {
    if (parseCidr(c)?.prefix === 0) fail(['loadBalancer', 'allowedTestCidrs', i], c, 'a CIDR narrower than /0 (the test listener must not be public)');
  });
  for (const t of env.registry.replicateTo) {
    if (t.accountId === env.accountId && t.region === env.region) {
      fail(['registry', 'replicateTo'], t, 'a registry other than this environment’s own');
    }
  }
  if (env.delivery && !env.ci.appRepositories.includes(env.delivery.appRepository)) {
    fail(['delivery', 'appRepository'], env.delivery.appRepository, `one of ci.appRepositories (${env.ci.appRepositories.join(', ')}): the build gets that repository's deploy rights`);
  }
  if (env.delivery) deliverySelectionChecks(env, fail);
  if (env.delivery && env.delivery.promote.environment === env.name) {
    fail(['delivery', 'promote', 'environment'], env.delivery.promote.environment, `an environment other than ${env.name}`);
  }
  for (const key of Object.keys(env.tags)) {
    if (key.toLowerCase().startsWith('aws:')) fail(['tags', key], key, "a tag key not starting with 'aws:'");
  }
}

/** What the delivery pipeline releases: one named service or release group of this environment, or its only service. */
function deliverySelectionChecks(env: z.output<typeof environmentSchema>, fail: (path: (string | number)[], input: unknown, allowed: string) => void): void {
  const d = env.delivery!;
  const services = Object.keys(env.services);
  const groups = [...new Set(Object.values(env.services).map((s) => s.releaseGroup).filter((g): g is string => !!g))];
  if (d.service && d.group) fail(['delivery', 'group'], d.group, `nothing when delivery.service is set (${d.service}): one selection`);
  else if (d.service && !services.includes(d.service)) fail(['delivery', 'service'], d.service, `a service of this environment (${services.join(', ')})`);
  else if (d.group && !groups.includes(d.group)) fail(['delivery', 'group'], d.group, `a release group of this environment (${groups.join(', ') || 'none'})`);
  else if (!d.service && !d.group && services.length > 1) fail(['delivery', 'service'], undefined, `a service (${services.join(', ')}) or delivery.group (${groups.join(', ') || 'none'}): the environment has several services`);
}

/**
 * The edge: plain HTTP open to the internet is refused while the tasks hold a secret or accept ECS Exec sessions, and
 * production keeps its web ACL and access logs.
 */
function edgeChecks(env: z.output<typeof environmentSchema>, fail: (path: (string | number)[], input: unknown, allowed: string) => void): void {
  const lb = env.loadBalancer;
  // Only web services are behind the load balancer; any of them holding a secret or accepting Exec is exposed.
  const exposed = webServices(env)
    .map(([name, s]) => (s.enableExecuteCommand ? `services.${name}.enableExecuteCommand is true` : Object.keys(s.secrets).length > 0 ? `services.${name}.secrets is set` : undefined))
    .find((why) => why !== undefined);
  // Production is refused without a certificate anyway (below); this is the dev and staging case.
  if (!env.production && !lb.certificateArn && exposed) {
    const open = lb.allowedIngressCidrs.findIndex(isWorldOpen);
    if (open >= 0) {
      fail(['loadBalancer', 'allowedIngressCidrs', open], lb.allowedIngressCidrs[open], `named source ranges narrower than /${WORLD_OPEN_PREFIX} (an office or VPN CIDR), or a loadBalancer.certificateArn, when ${exposed} (plain HTTP must not be open to the internet)`);
    }
  }
  if (env.production && lb.webAcl.enabled === false) fail(['loadBalancer', 'webAcl', 'enabled'], false, 'true in production (AWS WAF with AWS managed rule groups)');
  if (env.production && !lb.accessLogs.enabled) fail(['loadBalancer', 'accessLogs', 'enabled'], false, 'true in production (every request must be traceable)');
}

export { ConfigError, show } from './schema/errors';

/** Validates one environment and returns it with every default applied; throws `ConfigError` (one line). */
export function defineEnvironment(input: EnvironmentInput): EnvironmentConfig {
  const envName = typeof (input as { name?: unknown })?.name === 'string' ? (input as { name: string }).name : '(unnamed)';
  // Before anything reads a string: one place refuses what Terraform or cdktf would evaluate (schema/literal.ts).
  const code = findNonLiteral(input);
  if (code) throw new ConfigError(envName, code.path.map(String).join('.'), code.received, code.allowed);
  const result = environmentSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let path = issue.path.map(String).join('.');
  let received: unknown = issue.input;
  if (issue.code === 'unrecognized_keys') {
    path = [...issue.path.map(String), issue.keys[0]].join('.');
    received = (issue.input as Record<string, unknown> | undefined)?.[issue.keys[0]];
  }
  if (issue.code === 'invalid_union' && (issue.input === undefined || typeof issue.input === 'object')) {
    received = issue.input;
  }
  throw new ConfigError(envName, path, received, allowedFor(issue));
}
