import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { Codepipeline } from '@cdktf/provider-aws/lib/codepipeline';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Role, type PolicyStatement } from './iam';
import { templateLiteral } from './template-literal';
import { WorkloadBoundary } from './workload-boundary';
import { partitionOf } from '../contracts/partition';

/** This repository's buildspecs, inlined into the projects (an application repository cannot replace them), literal for Terraform. */
const BUILDSPEC_DIR = join(__dirname, '..', '..', 'ci', 'codebuild');
function buildspec(file: string): string {
  const candidates = [join(BUILDSPEC_DIR, file), join(__dirname, '..', 'ci', 'codebuild', file)];
  for (const c of candidates) {
    try {
      return templateLiteral(readFileSync(c, 'utf8'));
    } catch {
      // compiled (dist/modules) and source (modules) layouts differ by one folder
    }
  }
  throw new Error(`ci/codebuild/${file} not found next to modules/: the delivery pipeline inlines it`);
}

export interface DeliveryPipelineProps {
  /** Prefix of every physical name (`webapp-dev`). */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** A CodeStar connection (GitHub, GitLab, Bitbucket) the pipeline reads both repositories through. */
  readonly connectionArn: string;
  /** `owner/name` of the application repository and the branch whose commits are released. */
  readonly appRepository: string;
  readonly appBranch: string;
  /** `owner/name` of this repository (the release CLI's source) and its branch. */
  readonly infraRepository: string;
  readonly infraBranch: string;
  /** The environment's ECR repository: the build pushes there. */
  readonly imageRepository: { readonly arn: string; readonly url: string };
  /** What deploying to dev needs: the deploy role's statements (CiAccess), granted to the build project's role. */
  readonly deployStatements: readonly PolicyStatement[];
  /**
   * Why each of `deployStatements` with `"Resource": "*"` is accepted, by Sid (the deploy role's `unscopedReasons`): the
   * build role carries the same accepted risks, no other. @default none (a `"*"` statement is then refused)
   */
  readonly deployUnscopedReasons?: ReadonlyMap<string, string>;
  /** What both stages release (ECS_RELEASE_SELECT): one service or one release group. @default undefined (the only service) */
  readonly select?: { readonly service: string } | { readonly group: string };
  /** Name of the environment the build deploys to. @default 'dev' */
  readonly deployEnvironment?: string;
  /** The promotion target. */
  readonly promote: {
    /** @default 'prod' */
    readonly environment?: string;
    /** Prod's deploy role, assumed by the promote project (prod is another account). */
    readonly roleArn: string;
  };
  /** Build log retention, days. @default 90 */
  readonly logRetentionDays?: number;
  /** KMS key of the build log group (the environment's log key). @default undefined (CloudWatch Logs' own encryption) */
  readonly logKmsKeyArn?: string;
  /** Days an artifact (source zip, status document) is kept; longer than any approval waits. @default 30 */
  readonly artifactRetentionDays?: number;
  /** A build that runs longer is stopped, minutes. @default 60 */
  readonly buildTimeoutMinutes?: number;
  /**
   * Give the three roles a permissions boundary of their own statements (`<name>-delivery-boundary`): in an
   * environment stack, whose workload boundary could not also hold the deploy rights. @default false
   */
  readonly boundary?: boolean;
}

/**
 * Application delivery on AWS's own services, one construct: a CodePipeline whose stages are Source (application and
 * infrastructure repositories), build-and-deploy-dev (CodeBuild, ci/codebuild/buildspec.yml), a manual approval, and
 * promote-prod (CodeBuild, ci/codebuild/promote.buildspec.yml assuming prod's deploy role). Each role gets exactly
 * what its stage does.
 */
export class DeliveryPipeline extends Construct {
  public readonly pipeline: Codepipeline;
  public readonly buildProject: CodebuildProject;
  public readonly promoteProject: CodebuildProject;
  public readonly buildRole: Role;
  public readonly promoteRole: Role;
  public readonly pipelineRole: Role;
  public readonly artifactBucket: S3Bucket;
  /** The customer managed key of the artifacts and the projects' outputs. */
  public readonly artifactKey: KmsKey;
  /** The roles' permissions boundary, when `boundary` is set. */
  public readonly boundary?: WorkloadBoundary;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const deployEnv = props.deployEnvironment ?? 'dev';
    const promoteEnv = props.promote.environment ?? 'prod';
    if (!/^arn:aws[a-z-]*:codestar-connections:[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/.test(props.connectionArn) &&
        !/^arn:aws[a-z-]*:codeconnections:[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/.test(props.connectionArn)) {
      throw new Error(`${this.node.path}: connectionArn: received ${JSON.stringify(props.connectionArn)}; allowed: a CodeStar/CodeConnections connection ARN`);
    }
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(props.promote.roleArn)) {
      throw new Error(`${this.node.path}: promote.roleArn: received ${JSON.stringify(props.promote.roleArn)}; allowed: an IAM role ARN`);
    }
    if (deployEnv === promoteEnv) throw new Error(`${this.node.path}: promote.environment: received "${promoteEnv}"; allowed: an environment other than ${deployEnv}`);

    // Artifacts (source zips, dev's status document) under a key of this account, rotated, whose use is in CloudTrail;
    // only the three roles below may use it (IAM policies, through the key policy's account statement).
    this.artifactKey = new KmsKey(this, 'artifact-key', {
      description: `Delivery pipeline artifacts of ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'AccountAdministersThroughIam', Effect: 'Allow', Principal: { AWS: `arn:${partitionOf(props.region)}:iam::${props.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
      }),
    });
    this.artifactBucket = new S3Bucket(this, 'artifacts', { bucket: `${props.name}-delivery-${props.accountId}`.slice(0, 63), forceDestroy: false });
    new S3BucketVersioningA(this, 'artifacts-versioning', { bucket: this.artifactBucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'artifacts-encryption', {
      bucket: this.artifactBucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.artifactKey.arn }, bucketKeyEnabled: true }],
    });
    const retention = props.artifactRetentionDays ?? 30;
    if (!Number.isInteger(retention) || retention < 8 || retention > 3650) {
      throw new Error(`${this.node.path}: artifactRetentionDays: received ${retention}; allowed: an integer from 8 (an approval waits up to 7 days) to 3650`);
    }
    new S3BucketLifecycleConfiguration(this, 'artifacts-lifecycle', {
      bucket: this.artifactBucket.id,
      rule: [{
        id: 'expire-artifacts',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ days: retention }],
        noncurrentVersionExpiration: [{ noncurrentDays: retention }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
      }],
    });
    new S3BucketPublicAccessBlock(this, 'artifacts-public-access', { bucket: this.artifactBucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, 'artifacts-ownership', { bucket: this.artifactBucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });

    const logGroup = new CloudwatchLogGroup(this, 'logs', { name: `/codebuild/${props.name}-delivery`, retentionInDays: props.logRetentionDays ?? 90, kmsKeyId: props.logKmsKeyArn });
    const bucketArn = this.artifactBucket.arn;
    const logGroupArn = logGroup.arn;
    // Literal, not references: the roles' statements are copied into permissions boundaries the roles depend on, and a
    // project depends on its role (a reference would close a dependency cycle through the boundary).
    const projectArn = (pid: string) => `arn:${partitionOf(props.region)}:codebuild:${props.region}:${props.accountId}:project/${props.name}-${pid}`;
    const artifactObjects = `${bucketArn}/*`;
    const logStreams = `${logGroupArn}:*`;
    const codebuildTrust = { principal: { Service: 'codebuild.amazonaws.com' }, trustConditions: { StringEquals: { 'aws:SourceAccount': props.accountId } } };
    const buildBasics = (sidPrefix: string): PolicyStatement[] => [
      { Sid: `${sidPrefix}Logs`, Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroupArn, logStreams] },
      { Sid: `${sidPrefix}Artifacts`, Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: artifactObjects },
      { Sid: `${sidPrefix}ArtifactKey`, Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: this.artifactKey.arn },
    ];

    this.buildRole = new Role(this, 'build-role', { name: `${props.name}-delivery-build`.slice(0, 64), description: `CodeBuild: build, push and deploy to ${deployEnv}`, ...codebuildTrust });
    this.buildRole.addStatements(
      ...buildBasics('Build'),
      {
        Sid: 'PushImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchGetImage'],
        Resource: props.imageRepository.arn,
      },
      ...props.deployStatements.filter((s) => s.Resource !== '*').map((s) => ({ ...s, Sid: `Deploy${s.Sid}` })),
    );
    for (const s of props.deployStatements.filter((d) => d.Resource === '*')) {
      const reason = props.deployUnscopedReasons?.get(s.Sid);
      if (!reason) throw new Error(`${this.node.path}: deployStatements: ${s.Sid}: received "Resource": "*" without a reason; allowed: a scoped statement, or one the deploy role accepted with a reason`);
      this.buildRole.addStatementsWithoutResourceScope(reason, { ...s, Sid: `Deploy${s.Sid}` });
    }
    const hasEcrLogin = props.deployStatements.some((s) => s.Action.includes('ecr:GetAuthorizationToken'));
    if (!hasEcrLogin) {
      this.buildRole.addStatementsWithoutResourceScope(
        'ecr:GetAuthorizationToken has no resource-level permission in AWS (it returns a registry-wide login token); what can be pushed is scoped by the PushImage statement.',
        { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      );
    }

    this.promoteRole = new Role(this, 'promote-role', { name: `${props.name}-delivery-promote`.slice(0, 64), description: `CodeBuild: promote the digest ${deployEnv} runs to ${promoteEnv}`, ...codebuildTrust });
    this.promoteRole.addStatements(...buildBasics('Promote'), { Sid: 'AssumeTargetDeployRole', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: props.promote.roleArn });

    const project = (pid: string, role: Role, spec: string, env: Record<string, string>, privileged: boolean) =>
      new CodebuildProject(this, pid, {
        name: `${props.name}-${pid}`,
        description: `ecs-release ${pid} (ci/codebuild)`,
        serviceRole: role.arn,
        encryptionKey: this.artifactKey.arn,
        buildTimeout: props.buildTimeoutMinutes ?? 60,
        source: { type: 'CODEPIPELINE', buildspec: buildspec(spec) },
        artifacts: { type: 'CODEPIPELINE' },
        // Docker layer caching (and the npm cache of the buildspec's cache.paths) on the build host.
        cache: { type: 'LOCAL', modes: privileged ? ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_CUSTOM_CACHE'] : ['LOCAL_CUSTOM_CACHE'] },
        environment: {
          type: 'LINUX_CONTAINER',
          computeType: 'BUILD_GENERAL1_SMALL',
          image: 'aws/codebuild/standard:7.0',
          // A Docker daemon in the build container: docker build and layer caching need it; only the build project has it.
          privilegedMode: privileged,
          imagePullCredentialsType: 'CODEBUILD',
          environmentVariable: Object.entries(env).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
        },
        logsConfig: { cloudwatchLogs: { groupName: logGroup.name, streamName: pid } },
      });
    const select = props.select ? ('service' in props.select ? `--service ${props.select.service}` : `--group ${props.select.group}`) : undefined;
    // The buildspecs refuse anything else in one line; checked here too, so a bad value stops synthesis instead.
    if (select !== undefined && !/^--(service|group) [a-z][a-z0-9-]{1,31}$/.test(select)) {
      throw new Error(`${this.node.path}: select: received ${JSON.stringify(props.select)}; allowed: { service } or { group } with a name of lowercase letters, digits and -`);
    }
    const selection: Record<string, string> = select ? { ECS_RELEASE_SELECT: select } : {};
    this.buildProject = project('build', this.buildRole, 'buildspec.yml', { ECS_RELEASE_ENV: deployEnv, ECS_RELEASE_IMAGE_REPOSITORY: props.imageRepository.url, ...selection }, true);
    this.promoteProject = project('promote', this.promoteRole, 'promote.buildspec.yml', { ECS_RELEASE_FROM_ENV: deployEnv, ECS_RELEASE_ENV: promoteEnv, ECS_RELEASE_ROLE_ARN: props.promote.roleArn, ...selection }, false);

    this.pipelineRole = new Role(this, 'pipeline-role', {
      name: `${props.name}-delivery-pipeline`.slice(0, 64),
      description: `CodePipeline: ${deployEnv} then, after approval, ${promoteEnv}`,
      principal: { Service: 'codepipeline.amazonaws.com' },
      trustConditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    });
    this.pipelineRole.addStatements(
      { Sid: 'Artifacts', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: artifactObjects },
      { Sid: 'ArtifactBucket', Effect: 'Allow', Action: ['s3:GetBucketVersioning', 's3:GetBucketLocation'], Resource: bucketArn },
      { Sid: 'ArtifactKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: this.artifactKey.arn },
      { Sid: 'UseConnection', Effect: 'Allow', Action: ['codestar-connections:UseConnection', 'codeconnections:UseConnection'], Resource: props.connectionArn },
      { Sid: 'RunBuilds', Effect: 'Allow', Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'], Resource: [projectArn('build'), projectArn('promote')] },
    );

    if (props.boundary) {
      this.boundary = new WorkloadBoundary(this, 'boundary', {
        accountId: props.accountId,
        region: props.region,
        name: `${props.name}-delivery-boundary`.slice(0, 128),
        exempt: [],
        roles: [this.buildRole],
        resourcePrefix: props.name,
      });
    }

    const source = (name: string, repository: string, branch: string, output: string) => ({
      name,
      category: 'Source',
      owner: 'AWS',
      provider: 'CodeStarSourceConnection',
      version: '1',
      outputArtifacts: [output],
      configuration: { ConnectionArn: props.connectionArn, FullRepositoryId: repository, BranchName: branch, OutputArtifactFormat: 'CODE_ZIP', DetectChanges: name === 'app' ? 'true' : 'false' },
    });
    this.pipeline = new Codepipeline(this, 'pipeline', {
      name: `${props.name}-delivery`,
      roleArn: this.pipelineRole.arn,
      pipelineType: 'V2',
      // One release at a time, in order: a later commit waits instead of overtaking one waiting for approval.
      executionMode: 'QUEUED',
      artifactStore: [{ location: this.artifactBucket.bucket, type: 'S3', encryptionKey: { id: this.artifactKey.arn, type: 'KMS' } }],
      stage: [
        { name: 'Source', action: [source('app', props.appRepository, props.appBranch, 'app'), source('infra', props.infraRepository, props.infraBranch, 'infra')] },
        {
          name: `Deploy-${deployEnv}`,
          action: [{
            name: 'build-and-deploy', category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1',
            inputArtifacts: ['app', 'infra'], outputArtifacts: ['deployed'],
            configuration: { ProjectName: this.buildProject.name, PrimarySource: 'app' },
          }],
        },
        {
          name: `Approve-${promoteEnv}`,
          action: [{ name: 'approval', category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1', configuration: { CustomData: `Promote to ${promoteEnv} the digest ${deployEnv} runs (ecs-release status --env ${deployEnv}).` } }],
        },
        {
          name: `Promote-${promoteEnv}`,
          action: [{
            name: 'promote', category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1',
            inputArtifacts: ['deployed', 'infra'],
            configuration: { ProjectName: this.promoteProject.name, PrimarySource: 'deployed' },
          }],
        },
      ],
    });
  }

  /** The principal prod's deploy role must trust for the promote stage (the promote project's role). */
  get promoterRoleArn(): string {
    return this.promoteRole.arn;
  }
}
