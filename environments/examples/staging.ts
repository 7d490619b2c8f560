import { defineEnvironment } from '../schema';

/**
 * Example of a third environment sharing an account with another: staging in dev's account, between dev and prod in
 * the promotion chain. Not deployed by this repository; tests validate it, check it against the shipped environments
 * and synthesize it (__tests__/unit/chain.test.ts). To deploy it:
 *   1. copy this file to environments/staging.ts (import '../schema' becomes './schema');
 *   2. add 'staging' between 'dev' and 'prod' in the environment list (main.ts);
 *   3. add { accountId: '111111111111', region: 'eu-central-1' } to dev's registry.replicateTo (synthesis says so).
 * Every value that would be wrong if copied from dev is refused by environments/schema/chain.ts with one line.
 */
export default defineEnvironment({
  name: 'staging',
  project: 'webapp',
  production: false,
  // dev's account. Another region, because an ECR registry is one per account and region: dev's pushes reach
  // staging's registry by same-account cross-region replication, digest unchanged, as they reach prod's.
  accountId: '111111111111',
  region: 'eu-central-1',
  terraformRoleArn: 'arn:aws:iam::111111111111:role/webapp-terraform',
  // dev's state bucket (same account), its own key.
  state: {
    bucket: 'webapp-terraform-state-111111111111',
    key: 'webapp/staging/terraform.tfstate',
    region: 'eu-west-1',
  },
  network: {
    vpcCidr: '10.30.0.0/16',
    availabilityZones: ['eu-central-1a', 'eu-central-1b'],
    publicSubnetCidrs: ['10.30.0.0/24', '10.30.1.0/24'],
    privateSubnetCidrs: ['10.30.16.0/20', '10.30.32.0/20'],
    natGateways: 'single',
  },
  registry: {
    repositoryName: 'webapp',
    keepImages: 50,
  },
  loadBalancer: {
    deletionProtection: false,
    allowedIngressCidrs: ['203.0.113.0/24'],
    accessLogs: { retentionDays: 30 },
  },
  // The same services as dev and prod, released together as group "app" along the chain.
  services: {
    web: {
      kind: 'web',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      containerPort: 8080,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      desiredCount: 2,
      autoScaling: { minCapacity: 2, maxCapacity: 4, targetCpuPercent: 70 },
      healthCheck: { path: '/health' },
      deployment: { deregistrationDelaySeconds: 15, healthCheckGracePeriodSeconds: 20 },
      environment: { LOG_LEVEL: 'info', APP_ENV: 'staging' },
      // Staging's own secret, in its own region and under its own path: dev's would be refused.
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-central-1:111111111111:parameter/webapp/staging/database-url' },
      enableExecuteCommand: true,
      readonlyRootFilesystem: false,
    },
    worker: {
      kind: 'worker',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      command: ['node', 'worker.js'],
      desiredCount: 1,
      environment: { LOG_LEVEL: 'info', APP_ENV: 'staging' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-central-1:111111111111:parameter/webapp/staging/database-url' },
    },
    nightly: {
      kind: 'scheduled',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      command: ['node', 'jobs/nightly.js'],
      schedule: 'cron(0 3 * * ? *)',
      environment: { LOG_LEVEL: 'info', APP_ENV: 'staging' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-central-1:111111111111:parameter/webapp/staging/database-url' },
    },
  },
  logRetentionDays: 30,
  ci: {
    infraRepository: 'example-org/webapp-infra',
    appRepositories: ['example-org/webapp'],
    githubEnvironment: 'staging',
    // dev creates the account's GitHub OIDC provider (IAM allows one per URL).
    createOidcProvider: false,
  },
  tags: { Project: 'webapp', Environment: 'staging', ManagedBy: 'terraform' },
});
