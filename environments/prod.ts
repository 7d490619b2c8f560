import { defineEnvironment } from './schema';

/** Production account: HTTPS only, NAT per AZ, deletion protection, images replicated from dev by digest, blue/green. */
export default defineEnvironment({
  name: 'prod',
  project: 'webapp',
  production: true,
  accountId: '222222222222',
  region: 'eu-west-1',
  terraformRoleArn: 'arn:aws:iam::222222222222:role/webapp-terraform',
  state: {
    bucket: 'webapp-terraform-state-222222222222',
    key: 'webapp/prod/terraform.tfstate',
    region: 'eu-west-1',
  },
  network: {
    vpcCidr: '10.20.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'],
    privateSubnetCidrs: ['10.20.16.0/20', '10.20.32.0/20', '10.20.48.0/20'],
    natGateways: 'one-per-az',
  },
  registry: {
    repositoryName: 'webapp',
    keepImages: 100,
    acceptReplicationFrom: '111111111111',
  },
  loadBalancer: {
    certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-4000-8000-000000000000',
    domainName: 'www.example.com',
    deletionProtection: true,
    allowedTestCidrs: ['203.0.113.0/24'],
    // AWS WAF is on by default in production; this adds a per-client-IP rate limit to the managed rule groups.
    webAcl: { rateLimitPer5Minutes: 2000 },
    accessLogs: { retentionDays: 365 },
  },
  // The same three services as dev, from the image dev tested (replicated by digest); only web is blue/green.
  services: {
    web: {
      kind: 'web',
      releaseGroup: 'app',
      cpu: 512,
      memoryMiB: 1024,
      containerPort: 8080,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      desiredCount: 3,
      autoScaling: { minCapacity: 3, maxCapacity: 12, targetCpuPercent: 60 },
      healthCheck: { path: '/health', healthyThresholdCount: 3 },
      deployment: {
        deregistrationDelaySeconds: 30,
        healthCheckGracePeriodSeconds: 60,
        // CodeDeploy blue/green: the new version starts beside the live one, testers reach it on the test listener, a
        // person with access to this account approves (`ecs-release approve`) within an hour, then 10 % of traffic
        // moves for 5 minutes before the rest; the old tasks stay 15 minutes for a one-action rollback.
        strategy: 'blue-green',
        trafficShifting: { type: 'canary', percent: 10, intervalMinutes: 5 },
        approvalWaitMinutes: 60,
        terminationWaitMinutes: 15,
      },
      environment: { LOG_LEVEL: 'info', APP_ENV: 'prod' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:222222222222:parameter/webapp/prod/database-url' },
      enableExecuteCommand: false,
    },
    worker: {
      kind: 'worker',
      releaseGroup: 'app',
      cpu: 512,
      memoryMiB: 1024,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      command: ['node', 'worker.js'],
      desiredCount: 2,
      autoScaling: { minCapacity: 2, maxCapacity: 8, targetCpuPercent: 60 },
      environment: { LOG_LEVEL: 'info', APP_ENV: 'prod' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:222222222222:parameter/webapp/prod/database-url' },
    },
    nightly: {
      kind: 'scheduled',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      command: ['node', 'jobs/nightly.js'],
      schedule: 'cron(0 3 * * ? *)',
      maximumRetryAttempts: 2,
      environment: { LOG_LEVEL: 'info', APP_ENV: 'prod' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:222222222222:parameter/webapp/prod/database-url' },
    },
  },
  logRetentionDays: 365,
  ci: {
    infraRepository: 'example-org/webapp-infra',
    appRepositories: ['example-org/webapp'],
    githubEnvironment: 'prod',
  },
  tags: { Project: 'webapp', Environment: 'prod', ManagedBy: 'terraform' },
});
