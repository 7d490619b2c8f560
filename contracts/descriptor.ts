import { z } from 'zod';
import { FULL_SECRET_ARN, REGISTRY_HOST } from './registry-source';

/**
 * The release descriptor: what a stack publishes (JSON in an SSM parameter, modules/web-service.ts) and the release
 * CLI reads before it acts (src/release/target.ts). One schema, so the stack builds exactly what the CLI accepts: a
 * field added here is typed on both sides, and a descriptor from another version of the stack is refused by name.
 */

const targetGroupRefSchema = z.object({ name: z.string(), arn: z.string() });

/** What the release CLI needs to deploy, approve, roll back and report a blue/green service. */
export const codeDeployDescriptorSchema = z.object({
  application: z.string().min(1),
  deploymentGroup: z.string().min(1),
  /** The deployment configuration the group uses (a CodeDeployDefault.* name or the stack's custom one). */
  deploymentConfig: z.string().min(1),
  /** Container and port the AppSpec routes traffic to. */
  containerName: z.string().min(1),
  containerPort: z.number().int().min(1).max(65535),
  /** The pair CodeDeploy alternates between; `blue` is where the service starts. */
  targetGroups: z.object({ blue: targetGroupRefSchema, green: targetGroupRefSchema }),
  productionListenerArn: z.string().min(1),
  testListenerArn: z.string().min(1),
  /** Where testers reach the replacement tasks before production traffic moves (allowed test CIDRs only). */
  testListenerUrl: z.string().min(1),
  /** Minutes a deployment holds for `ecs-release approve` before production traffic moves (0 = no hold). */
  approvalWaitMinutes: z.number().int().min(0),
  terminationWaitMinutes: z.number().int().min(0),
  /** Alarms that stop the deployment and roll it back. */
  rollbackAlarms: z.array(z.string()),
});

/** The strategies a service deploys with: ECS rolling updates, or CodeDeploy blue/green. */
export const DEPLOYMENT_STRATEGIES = ['rolling', 'blue-green'] as const;

/** The kinds of service (environments/schema/services.ts). */
export const SERVICE_KINDS = ['web', 'worker', 'scheduled'] as const;

export const releaseDescriptorSchema = z.object({
  schemaVersion: z.literal(1),
  environment: z.string(),
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string(),
  cluster: z.string().min(1),
  service: z.string().min(1),
  /** A descriptor published before services had kinds is the one web service's. */
  kind: z.enum(SERVICE_KINDS).default('web'),
  /** Services of one group share one image and are released together. */
  releaseGroup: z.string().min(1).optional(),
  /** The application container: the only one a release changes. */
  container: z.string().min(1),
  /** The sidecar containers: a release never changes them (their images come from configuration). */
  sidecars: z.array(z.string().min(1)).default([]),
  family: z.string().min(1),
  /** The revision Terraform tracks: it carries the current IaC settings. */
  taskDefinitionArn: z.string().regex(/^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task-definition\/[\w-]+:\d+$/),
  releaseParameter: z.string().startsWith('/'),
  repositoryUrl: z.string().min(1),
  /**
   * Where the application images come from when not from `repositoryUrl` (issue 16): the registry `host[:port]` and
   * the secret ECS pulls with, which ecs-release resolves tags with too. Absent: the environment's ECR repository.
   */
  imageSource: z
    .object({
      registry: z.string().regex(REGISTRY_HOST),
      credentialsSecretArn: z.string().regex(FULL_SECRET_ARN).optional(),
    })
    .optional(),
  subnets: z.array(z.string()),
  securityGroups: z.array(z.string()),
  strategy: z.enum(DEPLOYMENT_STRATEGIES),
  /**
   * Rolling web services: the load-balancer mapping to send with every new revision (UpdateService `loadBalancers`),
   * so a containerPort change reaches the service together with the revision that listens on it.
   */
  loadBalancer: z.object({ targetGroupArn: z.string().min(1), containerName: z.string().min(1), containerPort: z.number().int().min(1).max(65535) }).optional(),
  /** Blue/green only: the CodeDeploy application, group, target groups, listeners and test URL. */
  codeDeploy: codeDeployDescriptorSchema.optional(),
  /** Scheduled only: the EventBridge Scheduler schedule, whose target names the family without a revision. */
  schedule: z.object({ name: z.string().min(1), groupName: z.string().min(1) }).optional(),
});

export type TargetGroupRef = z.infer<typeof targetGroupRefSchema>;
export type CodeDeployDescriptor = z.infer<typeof codeDeployDescriptorSchema>;
export type ReleaseDescriptor = z.infer<typeof releaseDescriptorSchema>;
export type DescriptorImageSource = NonNullable<ReleaseDescriptor['imageSource']>;
export type DeploymentStrategy = ReleaseDescriptor['strategy'];
