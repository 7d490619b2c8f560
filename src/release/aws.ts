import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { usageError } from './errors';

/** The AWS clients one command works with, all in the environment's region and with the same credentials. */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  /** Blue/green services: deployments through CodeDeploy. */
  readonly codedeploy: CodeDeployClient;
  /** Blue/green services: which target group the production listener forwards to. */
  readonly elbv2: ElasticLoadBalancingV2Client;
  /** logs, run: the service's CloudWatch log streams. */
  readonly logs: CloudWatchLogsClient;
  /** verify: the roles a revision names exist and trust ECS tasks; what the execution role may read. */
  readonly iam: IAMClient;
  /** verify: the Secrets Manager secrets a revision references exist. */
  readonly secretsmanager: SecretsManagerClient;
  /** scale: the bounds of the service's scalable target. */
  readonly autoscaling: ApplicationAutoScalingClient;
}

export interface ClientRequest {
  readonly region: string;
  /** Assume this role (with the ambient credentials) before acting; how one process reaches two accounts (promote). */
  readonly roleArn?: string;
  readonly sessionName: string;
  readonly counter: ApiCallCounter;
  /** Aborts every call in flight (SIGINT). @default never */
  readonly signal?: AbortSignal;
}

/** Builds clients for one environment. Injected, so tests pass clients pointed at moto or wrapped by client mocks. */
export type ClientFactory = (request: ClientRequest) => AwsClients;

type Credentials = NonNullable<STSClientConfig['credentials']>;

export interface ClientDefaults {
  /** Endpoint for every client. @default the SDK's resolution (which honours AWS_ENDPOINT_URL) */
  readonly endpoint?: string;
  /** Base credentials. @default the SDK's default provider chain (env, OIDC web identity, profile, container, IMDS) */
  readonly credentials?: Credentials;
  /** Milliseconds to establish a connection. @default 5000 */
  readonly connectionTimeoutMs?: number;
  /** Milliseconds a request may wait for its answer (per attempt). @default 30000, or ECS_RELEASE_REQUEST_TIMEOUT */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, the first included (the SDK retries throttling and 5xx with backoff). @default 3 */
  readonly maxAttempts?: number;
}

/**
 * The per-attempt request timeout: `ECS_RELEASE_REQUEST_TIMEOUT` (e.g. `10s`, `500ms`) when set, else 30 s. Every AWS
 * call is bounded by attempts x (connection + request timeout) plus backoff: never a hang.
 */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.ECS_RELEASE_REQUEST_TIMEOUT;
  if (text === undefined || text === '') return 30_000;
  const m = /^(\d{1,6})(ms|s)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!(ms >= 100 && ms <= 300_000)) {
    throw usageError('ECS_RELEASE_REQUEST_TIMEOUT', text, 'a duration from 100ms to 300s, such as 30s');
  }
  return ms;
}

/**
 * Passes the abort signal to every read, so one SIGINT stops whatever read or poll is in flight on any client. Writes
 * are not aborted: a write cut off in flight may still have been applied by AWS, and a command's compensating write
 * (restoring the release pointer) must not be cancelled by the same signal. Those keep the existing SIGINT rules:
 * before the first write nothing changed; once writes began they complete (bounded by the request timeout) and the
 * interrupt ends the wait that follows, the deployment going on in ECS.
 */
function abortable<C extends { send: (...args: never[]) => unknown }>(client: C, signal: AbortSignal | undefined): C {
  if (!signal) return client;
  const send = client.send.bind(client) as (command: unknown, options?: Record<string, unknown>) => unknown;
  (client as unknown as { send: typeof send }).send = (command, options) => {
    const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? '';
    return WRITE.test(name) ? send(command, options) : send(command, { abortSignal: signal, ...(options ?? {}) });
  };
  return client;
}

/** The production factory: the AWS SDK v3 clients, counted, optionally behind an assumed role. */
export function awsClientFactory(defaults: ClientDefaults = {}): ClientFactory {
  return (request) => {
    // Read when the first client is built (inside the command, so a bad value is a one-line usage error).
    const requestTimeout = defaults.requestTimeoutMs ?? requestTimeoutFromEnv();
    const base = {
      region: request.region,
      ...(defaults.endpoint ? { endpoint: defaults.endpoint } : {}),
      // Bounded everywhere: an endpoint that accepts the connection and never answers fails the call after
      // maxAttempts x requestTimeout, instead of waiting forever.
      requestHandler: new NodeHttpHandler({ connectionTimeout: defaults.connectionTimeoutMs ?? 5000, requestTimeout, throwOnRequestTimeout: true }),
      maxAttempts: defaults.maxAttempts ?? 3,
    };
    const attach = <C extends Parameters<ApiCallCounter['attach']>[0]>(client: C): C => abortable(request.counter.attach(client), request.signal);
    let credentials = defaults.credentials;
    if (request.roleArn) {
      const sts = attach(new STSClient({ ...base, ...(credentials ? { credentials } : {}) }));
      credentials = assumeRoleProvider(sts, request.roleArn, request.sessionName);
    }
    const config = { ...base, ...(credentials ? { credentials } : {}) };
    return {
      ecs: attach(new ECSClient(config)),
      ecr: attach(new ECRClient(config)),
      ssm: attach(new SSMClient(config)),
      sts: attach(new STSClient(config)),
      codedeploy: attach(new CodeDeployClient(config)),
      elbv2: attach(new ElasticLoadBalancingV2Client(config)),
      logs: attach(new CloudWatchLogsClient(config)),
      iam: attach(new IAMClient(config)),
      secretsmanager: attach(new SecretsManagerClient(config)),
      autoscaling: attach(new ApplicationAutoScalingClient(config)),
    };
  };
}

/** Temporary credentials of `roleArn`, fetched on first use and refreshed five minutes before they expire. */
function assumeRoleProvider(sts: STSClient, roleArn: string, sessionName: string): Credentials {
  let cached: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - 5 * 60_000 > Date.now()) return cached;
    const r = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }));
    const c = r.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
    cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    return cached;
  };
}

export interface ApiCall {
  readonly service: string;
  readonly operation: string;
  /** Made while waiting for a deployment or task (DescribeServices/DescribeTasks polls). */
  readonly polling: boolean;
  readonly write: boolean;
}

const WRITE = /^(Register|Deregister|Update|Put|Tag|Untag|Run|Start|Stop|Create|Delete|Submit|Continue|Execute)/;

/**
 * Counts every API call a command makes (one per logical call: SDK retries are not counted), through an
 * `initialize`-step middleware on each client. The figures appear in `--json` output as `metrics.apiCalls`.
 */
export class ApiCallCounter {
  readonly calls: ApiCall[] = [];
  private pollingDepth = 0;

  attach<C extends ECSClient | ECRClient | SSMClient | STSClient | CodeDeployClient | ElasticLoadBalancingV2Client | CloudWatchLogsClient | IAMClient | SecretsManagerClient | ApplicationAutoScalingClient>(client: C): C {
    (client.middlewareStack as ECSClient['middlewareStack']).add(
      (next, context) => async (args) => {
        const service = (context.clientName ?? 'unknown').replace(/Client$/, '');
        const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
        this.calls.push({ service, operation, polling: this.pollingDepth > 0, write: WRITE.test(operation) });
        return next(args);
      },
      { step: 'initialize', name: 'ecsReleaseApiCallCounter', override: true },
    );
    return client;
  }

  /** Runs `fn` with its calls marked as polling. */
  async polling<T>(fn: () => Promise<T>): Promise<T> {
    this.pollingDepth += 1;
    try {
      return await fn();
    } finally {
      this.pollingDepth -= 1;
    }
  }

  summary(): { total: number; excludingPolling: number; polling: number; writes: number; byOperation: Record<string, number> } {
    const byOperation: Record<string, number> = {};
    for (const c of this.calls) {
      const key = `${c.service}:${c.operation}${c.polling ? ' (polling)' : ''}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;
    }
    const polling = this.calls.filter((c) => c.polling).length;
    return {
      total: this.calls.length,
      excludingPolling: this.calls.length - polling,
      polling,
      writes: this.calls.filter((c) => c.write).length,
      byOperation,
    };
  }
}
