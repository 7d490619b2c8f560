import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ECSClient, type Deployment, type Service, type TaskDefinition } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { loadEnvironment } from '../../environments';
import type { Target } from '../../src/release/target';
import { awsClientFactory } from '../../src/release/aws';
import { runCli } from '../../src/release/cli';
import { serviceResourceNames } from '../../src/release/services';
import type { ContextOverrides } from '../../src/release/context';
import type { EnvironmentConfig } from '../../environments/schema';
import type { RecordedCall } from './release-permissions';

/**
 * Fixtures for driving ecs-release with the AWS SDK's client mocks: what ECS would answer for the dev environment,
 * so tests can script rollouts moto cannot produce (circuit-breaker rollback, FAILED, a timeout, an interrupt).
 */
export const dev = loadEnvironment('dev');
/** The dev environment's `web` service (dev also declares a worker and a scheduled job: tests name the service). */
export const names = serviceResourceNames(dev, { name: 'web' });
export const ACCOUNT = dev.accountId;
export const REPO = `${ACCOUNT}.dkr.ecr.${dev.region}.amazonaws.com/${names.repository}`;
export const TD = (revision: number) => `arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/${names.family}:${revision}`;
export const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
export const TERRAFORM_REVISION = 5;
export const RUNNING_REVISION = 7;

export const descriptor: Target['descriptor'] = {
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
  kind: 'web',
  releaseGroup: 'app',
  sidecars: [],
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
  logs: AwsStub<any, any, any>;
  iam: AwsStub<any, any, any>;
  secretsmanager: AwsStub<any, any, any>;
  autoscaling: AwsStub<any, any, any>;
  reset(): void;
  restore(): void;
}

let active: Mocks | undefined;

/** Client mocks for every client class ecs-release uses (they patch the classes, so every instance is mocked). */
export function mockAws(): Mocks {
  const m = {
    ecs: mockClient(ECSClient),
    ecr: mockClient(ECRClient),
    ssm: mockClient(SSMClient),
    sts: mockClient(STSClient),
    codedeploy: mockClient(CodeDeployClient),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    logs: mockClient(CloudWatchLogsClient),
    iam: mockClient(IAMClient),
    secretsmanager: mockClient(SecretsManagerClient),
    autoscaling: mockClient(ApplicationAutoScalingClient),
  };
  active = {
    ...m,
    reset: () => Object.values(m).forEach((x) => x.reset()),
    restore: () => Object.values(m).forEach((x) => x.restore()),
  };
  return active;
}

/** The environment each client instance acts for (clients are made per environment, named `ecs-release-<env>`). */
const clientEnvironment = new WeakMap<object, string>();

const SERVICE_OF: Record<keyof Omit<Mocks, 'reset' | 'restore'>, string> = {
  ecs: 'ECS',
  ecr: 'ECR',
  ssm: 'SSM',
  sts: 'STS',
  codedeploy: 'CodeDeploy',
  elbv2: 'ElasticLoadBalancingV2',
  logs: 'CloudWatchLogs',
  iam: 'IAM',
  secretsmanager: 'SecretsManager',
  autoscaling: 'ApplicationAutoScaling',
};

interface SpyCall {
  callId: number;
  thisValue: object;
  args: [{ input: Record<string, unknown>; constructor: { name: string } }];
  returnValue: unknown;
}

function spyCalls(mocks: Mocks): { service: string; call: SpyCall }[] {
  return (Object.keys(SERVICE_OF) as (keyof typeof SERVICE_OF)[]).flatMap((k) => (mocks[k].calls() as unknown as SpyCall[]).map((call) => ({ service: SERVICE_OF[k], call })));
}

/** The calls made after `mark` (a sinon call id), in the order they were made, with their mocked responses. */
async function recordedSince(mocks: Mocks, mark: number): Promise<RecordedCall[]> {
  const calls = spyCalls(mocks)
    .filter((c) => c.call.callId > mark)
    .sort((a, b) => a.call.callId - b.call.callId);
  const out: RecordedCall[] = [];
  for (const { service, call } of calls) {
    const environment = clientEnvironment.get(call.thisValue);
    if (!environment) throw new Error(`a ${service} call from a client ecs-release did not create for an environment`);
    let output: Record<string, any> | undefined;
    try {
      output = (await call.returnValue) as Record<string, any> | undefined;
    } catch {
      output = undefined;
    }
    out.push({ environment, service, command: call.args[0].constructor.name.replace(/Command$/, ''), input: call.args[0].input, output });
  }
  return out;
}

/**
 * The configuration whose deploy role is checked for calls of an environment name: by default the environment file
 * itself; a test file whose fixtures describe another shape of it (dev as a blue/green service) sets it here.
 */
export const permissionEnvironments: Record<string, EnvironmentConfig> = {};

/** Operations that change something in AWS. */
export function writeCalls(mocks: Mocks): string[] {
  return [mocks.ecs, mocks.ecr, mocks.ssm, mocks.sts, mocks.codedeploy, mocks.elbv2, mocks.logs, mocks.iam, mocks.secretsmanager, mocks.autoscaling]
    .flatMap((m) => m.calls())
    .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''))
    .filter((op) => /^(Register|Deregister|Update|Put|Tag|Untag|Run|Start|Stop|Create|Delete|Continue|Execute)/.test(op));
}

export function allCalls(mocks: Mocks): string[] {
  return [mocks.ecs, mocks.ecr, mocks.ssm, mocks.sts, mocks.codedeploy, mocks.elbv2, mocks.logs, mocks.iam, mocks.secretsmanager, mocks.autoscaling].flatMap((m) => m.calls()).map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds the CLI asked to sleep between polls. */
  sleeps: number[];
  /** Every AWS call of this run, in order, with the environment it was made for. */
  calls: RecordedCall[];
}

/**
 * Runs ecs-release in-process with mocked clients and a fake clock (sleeps return at once and advance it).
 *
 * Every AWS call of the run is then evaluated against the synthesized policy of that environment's deploy role
 * (__tests__/helpers/release-permissions.ts): a call the role could not make on AWS fails the test, although the
 * mocks (like moto) answered it.
 */
export async function cli(args: string[], overrides: ContextOverrides & { onSleep?: (n: number) => void } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let now = Date.parse('2026-01-02T00:00:00Z');
  const sleeps: number[] = [];
  const mocks = active;
  const mark = mocks ? Math.max(-1, ...spyCalls(mocks).map((c) => c.call.callId)) : -1;
  const base = awsClientFactory({ credentials: { accessKeyId: 'mock', secretAccessKey: 'mock' } });
  const code = await runCli(args, {
    clients: (request) => {
      const clients = base(request);
      for (const client of Object.values(clients)) clientEnvironment.set(client, request.sessionName.replace(/^ecs-release-/, ''));
      return clients;
    },
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
  const calls = mocks ? await recordedSince(mocks, mark) : [];
  // Loaded on first use: the mocked child-process bin imports this file and must not pay for synthesis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const permissions = require('./release-permissions') as typeof import('./release-permissions');
  const denied = permissions.deniedRequests(calls, (name) => permissionEnvironments[name] ?? loadEnvironment(name), permissions.identityFor(args));
  if (denied.length > 0) {
    throw new Error(`ecs-release ${args.join(' ')}: the CI role running it would be denied ${denied.length} request(s):\n${permissions.describeDenied(denied)}`);
  }
  return { code, stdout, stderr, sleeps, calls };
}
