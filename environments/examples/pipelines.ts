import { defineEnvironment } from '../schema';

/**
 * Example of an environment whose application is delivered by GitLab CI and by AWS CodeBuild/CodePipeline (issue 16)
 * instead of, or beside, GitHub Actions: `ci.gitlab` lets the GitLab template's jobs (ci/gitlab/ecs-release.gitlab-ci.yml)
 * assume the deploy role with their OIDC id_token, and `delivery` creates the CodeBuild project, its role (the deploy
 * role's rights, under the permissions boundary) and a CodePipeline whose manual approval precedes the promotion to
 * prod. Not deployed by this repository (dev and prod stay GitHub-only); tests synthesize it, evaluate its trust and
 * rights, plan it offline and scan the plan with checkov. To use the keys, copy the `ci.gitlab` and `delivery`
 * sections into environments/dev.ts (docs/pipelines/gitlab.md, docs/pipelines/codebuild.md).
 */
export default defineEnvironment({
  name: 'pipelines',
  project: 'webapp',
  production: false,
  accountId: '333333333333',
  region: 'eu-west-1',
  terraformRoleArn: 'arn:aws:iam::333333333333:role/webapp-terraform',
  state: {
    bucket: 'webapp-terraform-state-333333333333',
    key: 'webapp/pipelines/terraform.tfstate',
    region: 'eu-west-1',
  },
  network: {
    vpcCidr: '10.40.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetCidrs: ['10.40.0.0/24', '10.40.1.0/24'],
    privateSubnetCidrs: ['10.40.16.0/20', '10.40.32.0/20'],
    natGateways: 'single',
  },
  registry: {
    repositoryName: 'webapp',
    keepImages: 50,
  },
  // Set up like production at the edge (HTTPS, deletion protection, WAF, a year of logs): the checkov scan of this
  // example then shows only what the delivery pipeline brings.
  loadBalancer: {
    certificateArn: 'arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-4000-8000-000000000000',
    domainName: 'pipelines.example.com',
    deletionProtection: true,
    webAcl: { enabled: true },
    accessLogs: { retentionDays: 365 },
  },
  services: {
    web: {
      kind: 'web',
      cpu: 256,
      memoryMiB: 512,
      containerPort: 8080,
      bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine',
      desiredCount: 1,
      healthCheck: { path: '/health' },
      environment: { LOG_LEVEL: 'debug', APP_ENV: 'pipelines' },
      secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:333333333333:parameter/webapp/pipelines/database-url' },
    },
  },
  logRetentionDays: 365,
  ci: {
    infraRepository: 'example-org/webapp-infra',
    appRepositories: ['example-org/webapp'],
    githubEnvironment: 'pipelines',
    // The deploy jobs of acme/webapp's main branch in GitLab environment `pipelines` (protect it in production; the
    // project sets ci_id_token_sub_claim_components to project_path, ref_type, ref, environment).
    gitlab: {
      issuerUrl: 'https://gitlab.com',
      projectPaths: ['acme/webapp'],
      refs: ['main'],
      environment: 'pipelines',
    },
  },
  delivery: {
    connectionArn: 'arn:aws:codestar-connections:eu-west-1:333333333333:connection/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
    appRepository: 'example-org/webapp',
    // Prod's deploy role (its deploy_role_arn output); it must trust this stack's delivery_promoter_role_arn.
    promote: { environment: 'prod', roleArn: 'arn:aws:iam::222222222222:role/webapp-prod-ci-deploy' },
  },
  tags: { Project: 'webapp', Environment: 'pipelines', ManagedBy: 'terraform' },
});
