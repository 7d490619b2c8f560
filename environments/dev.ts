import { defineEnvironment } from './schema';

/** Development account: rolling deployments, one NAT gateway, plain HTTP from named source ranges until a certificate is configured. */
export default defineEnvironment({
  name: 'dev',
  project: 'webapp',
  production: false,
  accountId: '111111111111',
  region: 'eu-west-1',
  terraformRoleArn: 'arn:aws:iam::111111111111:role/webapp-terraform',
  state: {
    bucket: 'webapp-terraform-state-111111111111',
    key: 'webapp/dev/terraform.tfstate',
    region: 'eu-west-1',
  },
  network: {
    vpcCidr: '10.10.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
    privateSubnetCidrs: ['10.10.16.0/20', '10.10.32.0/20'],
    natGateways: 'single',
  },
  registry: {
    repositoryName: 'webapp',
    keepImages: 50,
    // Every image pushed here is replicated, digest unchanged, into prod's registry: prod runs what dev tested.
    replicateTo: [{ accountId: '222222222222', region: 'eu-west-1' }],
  },
  loadBalancer: {
    deletionProtection: false,
    // Plain HTTP to tasks holding a database secret with ECS Exec on: only from the team's office/VPN range (the
    // configuration refuses 0.0.0.0/0 here until a certificate is set). 203.0.113.0/24 is a documentation range:
    // replace it with yours.
    allowedIngressCidrs: ['203.0.113.0/24'],
    accessLogs: { retentionDays: 14 },
  },
  // One codebase, one image (release group "app"): the HTTP API, a queue worker started with another command, and a
  // nightly job. `ecs-release deploy --group app` ships one image to all three.
  services: {
    web: {
      kind: 'web',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      containerPort: 8080,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      desiredCount: 1,
      autoScaling: { minCapacity: 1, maxCapacity: 3, targetCpuPercent: 70 },
      healthCheck: { path: '/health' },
      deployment: { deregistrationDelaySeconds: 15, healthCheckGracePeriodSeconds: 20 },
      environment: { LOG_LEVEL: 'debug', APP_ENV: 'dev' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/database-url' },
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
      autoScaling: { minCapacity: 1, maxCapacity: 3, targetCpuPercent: 70 },
      environment: { LOG_LEVEL: 'debug', APP_ENV: 'dev' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/database-url' },
    },
    nightly: {
      kind: 'scheduled',
      releaseGroup: 'app',
      cpu: 256,
      memoryMiB: 512,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      command: ['node', 'jobs/nightly.js'],
      schedule: 'cron(0 3 * * ? *)',
      environment: { LOG_LEVEL: 'debug', APP_ENV: 'dev' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/database-url' },
    },
  },
  logRetentionDays: 14,
  ci: {
    infraRepository: 'example-org/webapp-infra',
    appRepositories: ['example-org/webapp'],
    githubEnvironment: 'dev',
  },
  tags: { Project: 'webapp', Environment: 'dev', ManagedBy: 'terraform' },
});
