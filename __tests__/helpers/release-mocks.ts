import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ECSClient, type Deployment, type Service, type TaskDefinition } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { loadEnvironment } from '../../environments';
import { resourceNames } from '../../environments/names';
import type { ReleaseDescriptor } from '../../modules/web-service';
import { awsClientFactory } from '../../src/release/aws';
import { runCli } from '../../src/release/cli';
import type { ContextOverrides } from '../../src/release/context';

/**
 * Fixtures for driving ecs-release with the AWS SDK's client mocks: what ECS would answer for the dev environment,
 * so tests can script rollouts moto cannot produce (circuit-breaker rollback, FAILED, a timeout, an interrupt).
 */
export const dev = loadEnvironment('dev');
export const names = resourceNames(dev);
export const ACCOUNT = dev.accountId;
export const REPO = `${ACCOUNT}.dkr.ecr.${dev.region}.amazonaws.com/${names.repository}`;
export const TD = (revision: number) => `arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/${names.family}:${revision}`;
export const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
export const TERRAFORM_REVISION = 5;
export const RUNNING_REVISION = 7;

export const descriptor: ReleaseDescriptor = {
  schemaVersion: 1,
  environment: 'dev',
  accountId: ACCOUNT,
  region: dev.region,
  cluster: names.cluster,
  service: names.service,
  container: names.container,
  family: names.family,
  taskDefinitionArn: TD(TERRAFORM_REVISION),
  releaseParameter: names.releaseParameter,
  repositoryUrl: REPO,
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-tasks'],
  strategy: 'rolling',
};

/** A revision as DescribeTaskDefinition returns it, read-only keys included, plus fields no SDK knows yet. */
export function revision(rev: number, image: string, extra: { memory?: string; env?: Record<string, string> } = {}): TaskDefinition {
  const env = extra.env ?? { APP_ENV: 'dev', LOG_LEVEL: 'debug' };
  return {
    taskDefinitionArn: TD(rev),
    family: names.family,
    revision: rev,
    status: 'ACTIVE',
    cpu: '256',
    memory: extra.memory ?? '512',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-iam-role' }],
    registeredAt: new Date('2026-01-01T00:00:00Z'),
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-terraform/terraform-dev`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.executionRole}`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.taskRole}`,
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [
      {
        name: names.container,
        image,
        essential: true,
        environment: Object.entries(env).map(([name, value]) => ({ name, value })),
        versionConsistency: 'enabled',
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'http' }],
        // A container field added to ECS after this tool was written: it must survive a deploy.
        ...({ futureContainerSetting: { mode: 'strict' } } as object),
      },
    ],
    // A task-level field added after this tool was written.
    ...({ futureTaskSetting: 'kept' } as object),
  };
}

export function deployment(id: string, rev: number, state: Deployment['rolloutState'], status = 'PRIMARY', counts: Partial<Deployment> = {}): Deployment {
  return {
    id,
    status,
    taskDefinition: TD(rev),
    rolloutState: state,
    desiredCount: 2,
    runningCount: state === 'COMPLETED' ? 2 : 0,
    pendingCount: state === 'COMPLETED' ? 0 : 2,
    failedTasks: 0,
    createdAt: new Date('2026-01-02T00:00:00Z'),
    ...counts,
  };
}

export function service(rev: number, deployments: Deployment[], events: { id: string; at: string; message: string }[] = []): Service {
  return {
    serviceName: names.service,
    clusterArn: `arn:aws:ecs:${dev.region}:${ACCOUNT}:cluster/${names.cluster}`,
    status: 'ACTIVE',
    taskDefinition: TD(rev),
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-tasks'], assignPublicIp: 'DISABLED' } },
    deployments,
    events: events.map((e) => ({ id: e.id, createdAt: new Date(e.at), message: e.message })),
  };
}

export interface Mocks {
  ecs: AwsStub<any, any, any>;
  ecr: AwsStub<any, any, any>;
  ssm: AwsStub<any, any, any>;
  sts: AwsStub<any, any, any>;
  codedeploy: AwsStub<any, any, any>;
  elbv2: AwsStub<any, any, any>;
  reset(): void;
  restore(): void;
}

/** Client mocks for every client class ecs-release uses (they patch the classes, so every instance is mocked). */
export function mockAws(): Mocks {
  const m = {
    ecs: mockClient(ECSClient),
    ecr: mockClient(ECRClient),
    ssm: mockClient(SSMClient),
    sts: mockClient(STSClient),
    codedeploy: mockClient(CodeDeployClient),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
  };
  return {
    ...m,
    reset: () => Object.values(m).forEach((x) => x.reset()),
    restore: () => Object.values(m).forEach((x) => x.restore()),
  };
}

/** Operations that change something in AWS. */
export function writeCalls(mocks: Mocks): string[] {
  return [mocks.ecs, mocks.ecr, mocks.ssm, mocks.sts, mocks.codedeploy, mocks.elbv2]
    .flatMap((m) => m.calls())
    .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''))
    .filter((op) => /^(Register|Deregister|Update|Put|Tag|Untag|Run|Start|Stop|Create|Delete|Continue)/.test(op));
}

export function allCalls(mocks: Mocks): string[] {
  return [mocks.ecs, mocks.ecr, mocks.ssm, mocks.sts, mocks.codedeploy, mocks.elbv2].flatMap((m) => m.calls()).map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds the CLI asked to sleep between polls. */
  sleeps: number[];
}

/** Runs ecs-release in-process with mocked clients and a fake clock (sleeps return at once and advance it). */
export async function cli(args: string[], overrides: ContextOverrides & { onSleep?: (n: number) => void } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let now = Date.parse('2026-01-02T00:00:00Z');
  const sleeps: number[] = [];
  const code = await runCli(args, {
    clients: awsClientFactory({ credentials: { accessKeyId: 'mock', secretAccessKey: 'mock' } }),
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    now: () => now,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      overrides.onSleep?.(sleeps.length);
      if (signal.aborted) throw new Error('aborted');
      now += ms;
    },
    ...overrides,
  });
  return { code, stdout, stderr, sleeps };
}
