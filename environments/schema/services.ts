import { z } from 'zod';
import { ECR_HOST, FULL_SECRET_ARN, FULL_SECRET_ARN_ALLOWED, REGISTRY_HOST, REGISTRY_HOST_ALLOWED } from '../../contracts/registry-source';
import { reasonProblem } from '../../contracts/suppression-reason';
import { autoScalingSchema, deploymentSchema, healthCheckSchema } from './deployment';
import { int, str } from './primitives';

/**
 * The services of one environment (issue 11): a record keyed by service name, each of a kind (web, worker,
 * scheduled). The fields every kind shares are the application container's; the kind adds how it runs.
 */

export const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
export const NAME_ALLOWED = 'lowercase letters, digits and hyphens, 2-32 characters, starting with a letter';
export const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_ARN = /^arn:aws(-[a-z]+)?:(ssm:[a-z0-9-]+:\d{12}:parameter\/[\w./-]+|secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+)$/;
const KMS_KEY_ARN = /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
/** A sidecar's image comes only from configuration and never moves under the same reference: pinned by digest. */
const PINNED_IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
const GITHUB_REPO = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

const variables = z.record(z.string().regex(ENV_VAR, { message: 'an environment variable name' }), z.string().max(32768)).default({});
const secrets = z.record(z.string().regex(ENV_VAR, { message: 'an environment variable name' }), str(SECRET_ARN, 'an SSM parameter or Secrets Manager secret ARN')).default({});
const command = z.array(z.string().min(1).max(4096)).min(1).max(64);
const containerName = str(CONTAINER_NAME, 'letters, digits, hyphens and underscores (a container name)');

const dependencySchema = z.strictObject({
  container: containerName,
  /** ECS's container dependency conditions. */
  condition: z.enum(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']),
});

const containerHealthCheckSchema = z.strictObject({
  /** Docker health check command, e.g. ['CMD-SHELL', 'curl -f http://localhost:2020/ || exit 1']. */
  command: command,
  /** @default 30 (ECS's) */
  intervalSeconds: int(5, 300).default(30),
  /** @default 5 (ECS's) */
  timeoutSeconds: int(2, 120).default(5),
  /** @default 3 (ECS's) */
  retries: int(1, 10).default(3),
  /** @default 0 */
  startPeriodSeconds: int(0, 300).default(0),
});

/**
 * Credentials ECS pulls an image from a private registry with (`repositoryCredentials`): a Secrets Manager secret
 * holding {"username", "password"}. The execution role may read exactly this secret (modules/private-registry.ts).
 */
export const pullCredentialsSchema = z.strictObject({
  /** Complete ARN of the secret, its six random characters included (a name or partial ARN grants nothing). */
  secretArn: str(FULL_SECRET_ARN, FULL_SECRET_ARN_ALLOWED),
  /** The customer managed key the secret is encrypted with. @default undefined (the AWS managed key) */
  kmsKeyArn: str(KMS_KEY_ARN, 'a KMS key ARN').optional(),
});

/** Where the application container's images come from when not from the environment's ECR repository (issue 16). */
export const imageSourceSchema = z.strictObject({
  /** `host[:port]` of any OCI registry (GitLab, Harbor, GHCR, a self-hosted Distribution); not ECR. */
  registry: str(REGISTRY_HOST, REGISTRY_HOST_ALLOWED).refine((h) => !ECR_HOST.test(h), {
    message: 'a registry other than ECR (leave imageSource unset for the environment\'s ECR repository; ECR authenticates with IAM)',
  }),
  /** The pull secret; ecs-release resolves tags with it too. @default undefined (anonymous pulls) */
  pullCredentials: pullCredentialsSchema.optional(),
});

const logOptions = z.record(z.string().regex(/^[\w.-]{1,128}$/, { message: 'a log option name' }), z.string().max(4096));

export const sidecarSchema = z.strictObject({
  /** Always pinned by digest: a release never changes a sidecar, so only a configuration change may. */
  image: str(PINNED_IMAGE, 'an image reference pinned by digest: repository[:tag]@sha256:<64 hex digits>'),
  /** A stopped essential container stops the task. @default true (AWS's default) */
  essential: z.boolean().default(true),
  /** CPU units reserved for the sidecar. @default 0 */
  cpu: int(0, 16384).default(0),
  /** Hard memory limit. @default undefined (the task's memory) */
  memoryMiB: int(6, 122880).optional(),
  /** Soft memory reservation. @default undefined */
  memoryReservationMiB: int(6, 122880).optional(),
  command: command.optional(),
  environment: variables,
  secrets,
  portMappings: z.array(z.strictObject({ containerPort: int(1, 65535), protocol: z.enum(['tcp', 'udp']).default('tcp') })).default([]),
  dependsOn: z.array(dependencySchema).default([]),
  healthCheck: containerHealthCheckSchema.optional(),
  /** Makes this sidecar the task's log router (FireLens). @default undefined */
  firelens: z.strictObject({ type: z.enum(['fluentbit', 'fluentd']), options: z.record(z.string().regex(/^[\w.-]{1,128}$/, { message: 'a FireLens option name' }), z.string().max(4096)).optional() }).optional(),
  /** @default true */
  readonlyRootFilesystem: z.boolean().default(true),
  /** Its image is in a private registry: the secret ECS pulls it with. @default undefined (no credentials) */
  pullCredentials: pullCredentialsSchema.optional(),
});

const loggingSchema = z
  .discriminatedUnion('driver', [
    z.strictObject({ driver: z.literal('awslogs') }),
    /** Through the sidecar that declares `firelens` (exactly one must). */
    z.strictObject({ driver: z.literal('firelens'), options: logOptions }),
  ])
  .default({ driver: 'awslogs' });

/** The application container's settings, shared by every kind (the container releases change). */
const commonFields = {
  /** Fargate CPU units. */
  cpu: z.number().refine((v) => (FARGATE_CPU as readonly number[]).includes(v), { message: `one of ${FARGATE_CPU.join(', ')}` }),
  memoryMiB: z.number().int(),
  /** @default 'X86_64' */
  cpuArchitecture: z.enum(['X86_64', 'ARM64']).default('X86_64'),
  /** Name of the application container: the one releases change. @default 'app' */
  containerName: containerName.default('app'),
  /**
   * The registry the application images come from, and the secret ECS pulls with. The bootstrap image must be in it
   * too (the credentials are never sent to another registry). @default undefined (the environment's ECR repository)
   */
  imageSource: imageSourceSchema.optional(),
  /** Image of the first revision, before the release CLI ships one. Pin it by digest in production. */
  bootstrapImage: str(IMAGE, 'an image reference repository[:tag|@sha256:digest]'),
  /** Overrides the image's CMD (a worker built from the web image runs another command). @default undefined (the image's CMD) */
  command: command.optional(),
  /** Services of one group share one image and are released together (`ecs-release deploy --group`). @default undefined */
  releaseGroup: str(NAME, NAME_ALLOWED).optional(),
  /** Plain environment variables (never secrets). @default {} */
  environment: variables,
  /** Secrets injected by ECS: variable name -> SSM parameter or Secrets Manager ARN. @default {} */
  secrets,
  /** Customer-managed KMS keys that encrypt the secrets (execution role gets kms:Decrypt on exactly these). @default [] */
  secretsKmsKeyArns: z.array(str(KMS_KEY_ARN, 'a KMS key ARN')).default([]),
  /** ECS Exec (shell into tasks). AWS default off; must carry a reason in prod; needs readonlyRootFilesystem false. @default false */
  enableExecuteCommand: z.boolean().default(false),
  /** Why ECS Exec is on (required in prod when enabled; listed as an accepted risk of the policy rules). @default undefined */
  executeCommandReason: z
    .string()
    .refine((r) => reasonProblem(r) === undefined, { message: 'a written reason of at least one sentence (20+ characters, 4+ words), one line' })
    .optional(),
  /** Keep ECS software version consistency (tag resolved to one digest per deployment). Prod must keep it. @default 'enabled' */
  versionConsistency: z.enum(['enabled', 'disabled']).default('enabled'),
  /**
   * Read-only root file system for the app container. ECS Exec cannot be combined with it (its SSM agent writes into
   * the container's root file system): set false where `enableExecuteCommand` is true (the schema refuses the mix).
   * @default true
   */
  readonlyRootFilesystem: z.boolean().default(true),
  /** Further containers of the task (log router, agent, proxy), by container name. Releases never change them. @default {} */
  sidecars: z.record(containerName, sidecarSchema).default({}),
  /** The application container's start order on its sidecars. @default [] */
  dependsOn: z.array(dependencySchema).default([]),
  /** Where the application container logs. @default { driver: 'awslogs' } */
  logging: loggingSchema,
  /** Application repositories whose deploy identity may release this service (subset of ci.appRepositories). @default all of ci.appRepositories */
  deployedBy: z.array(str(GITHUB_REPO, 'owner/name of a GitHub repository')).min(1).optional(),
};

const routingSchema = z
  .strictObject({
    /** Host headers routed here. @default [] (any host) */
    hosts: z.array(z.string().regex(/^(\*\.)?([a-z0-9*?]([a-z0-9*?-]{0,61}[a-z0-9*?])?\.)*[a-z0-9*?-]{1,63}$/, { message: 'a lowercase host name, wildcards * and ? allowed' })).max(5).default([]),
    /** Path patterns routed here. @default [] (any path) */
    paths: z.array(z.string().regex(/^\/[\x21-\x7e]{0,127}$/, { message: "a path pattern starting with '/'" })).max(5).default([]),
    /** Listener-rule priority; allocated from the routing's specificity and the name when unset. @default undefined */
    priority: int(1, 50000).optional(),
  })
  .default({ hosts: [], paths: [] });

export const webServiceSchema = z.strictObject({
  /** Behind the environment's load balancer. */
  kind: z.literal('web'),
  ...commonFields,
  containerPort: int(1, 65535),
  /**
   * Ports the running tasks listened on before a containerPort change: the load balancer may still reach them until
   * the release carrying the new port has replaced those tasks (change the port and list the old one here in one
   * change; remove it in a later one). @default []
   */
  previousContainerPorts: z.array(int(1, 65535)).max(2).default([]),
  desiredCount: int(0, 1000),
  /** Target-tracking auto scaling; when set, Terraform ignores desired_count. @default undefined (fixed count) */
  autoScaling: autoScalingSchema.optional(),
  healthCheck: healthCheckSchema,
  deployment: deploymentSchema,
  /** Which requests reach this service. @default {} (every host and path: the catch-all) */
  routing: routingSchema,
});

const workerAutoScalingSchema = autoScalingSchema.extend({
  /** Scale on the SQS backlog per task (target tracking on ApproximateNumberOfMessagesVisible / running tasks). @default undefined */
  queue: z
    .strictObject({
      queueName: str(/^[A-Za-z0-9_-]{1,75}(\.fifo)?$/, 'an SQS queue name'),
      targetMessagesPerTask: int(1, 100000),
    })
    .optional(),
});

export const workerServiceSchema = z.strictObject({
  /** No load balancer, no port: consumes work (a queue, a stream). */
  kind: z.literal('worker'),
  ...commonFields,
  desiredCount: int(0, 1000),
  /** CPU (and optionally queue-backlog) target tracking; when set, Terraform ignores desired_count. @default undefined */
  autoScaling: workerAutoScalingSchema.optional(),
  /** Rolling only (circuit breaker with rollback). */
  deployment: z
    .strictObject({
      /** @default 100 */
      minimumHealthyPercent: int(0, 100).default(100),
      /** @default 200 */
      maximumPercent: int(100, 200).default(200),
    })
    .default({ minimumHealthyPercent: 100, maximumPercent: 200 }),
});

export const scheduledServiceSchema = z.strictObject({
  /** A task EventBridge Scheduler runs on the cluster; never a long-running ECS service. */
  kind: z.literal('scheduled'),
  ...commonFields,
  /** EventBridge Scheduler expression. */
  schedule: str(/^(cron\([0-9A-Za-z*?,/#\- ]{9,100}\)|rate\([1-9]\d{0,5} (minute|minutes|hour|hours|day|days)\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$/, 'cron(...), rate(N unit) or at(yyyy-mm-ddThh:mm:ss)'),
  /** IANA time zone of the expression. @default 'UTC' */
  timezone: str(/^(?=.{1,64}$)[A-Za-z]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'an IANA time zone such as Europe/Paris').default('UTC'),
  /** @default true */
  enabled: z.boolean().default(true),
  /** Retries of a failed RunTask. @default 0 */
  maximumRetryAttempts: int(0, 185).default(0),
  /** Drop a run not started within this many seconds. @default undefined (Scheduler's 86400) */
  maximumEventAgeSeconds: int(60, 86400).optional(),
});

export const serviceSchema = z.discriminatedUnion('kind', [webServiceSchema, workerServiceSchema, scheduledServiceSchema]);

export const servicesSchema = z
  .record(str(NAME, NAME_ALLOWED), serviceSchema)
  .refine((s) => Object.keys(s).length > 0, { message: 'at least one service' });

export type ServiceConfig = z.output<typeof serviceSchema>;
export type WebServiceConfig = z.output<typeof webServiceSchema>;
export type WorkerServiceConfig = z.output<typeof workerServiceSchema>;
export type ScheduledServiceConfig = z.output<typeof scheduledServiceSchema>;
export type SidecarConfig = z.output<typeof sidecarSchema>;
export type ImageSourceConfig = z.output<typeof imageSourceSchema>;
export type PullCredentialsConfig = z.output<typeof pullCredentialsSchema>;
export type ServiceKind = ServiceConfig['kind'];
