import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';

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
}

export interface ClientRequest {
  readonly region: string;
  /** Assume this role (with the ambient credentials) before acting; how one process reaches two accounts (promote). */
  readonly roleArn?: string;
  readonly sessionName: string;
  readonly counter: ApiCallCounter;
}

/** Builds clients for one environment. Injected, so tests pass clients pointed at moto or wrapped by client mocks. */
export type ClientFactory = (request: ClientRequest) => AwsClients;

type Credentials = NonNullable<STSClientConfig['credentials']>;

export interface ClientDefaults {
  /** Endpoint for every client. @default the SDK's resolution (which honours AWS_ENDPOINT_URL) */
  readonly endpoint?: string;
  /** Base credentials. @default the SDK's default provider chain (env, OIDC web identity, profile, container, IMDS) */
  readonly credentials?: Credentials;
}

/** The production factory: the AWS SDK v3 clients, counted, optionally behind an assumed role. */
export function awsClientFactory(defaults: ClientDefaults = {}): ClientFactory {
  return (request) => {
    const base = { region: request.region, ...(defaults.endpoint ? { endpoint: defaults.endpoint } : {}) };
    let credentials = defaults.credentials;
    if (request.roleArn) {
      const sts = request.counter.attach(new STSClient({ ...base, ...(credentials ? { credentials } : {}) }));
      credentials = assumeRoleProvider(sts, request.roleArn, request.sessionName);
    }
    const config = { ...base, ...(credentials ? { credentials } : {}) };
    return {
      ecs: request.counter.attach(new ECSClient(config)),
      ecr: request.counter.attach(new ECRClient(config)),
      ssm: request.counter.attach(new SSMClient(config)),
      sts: request.counter.attach(new STSClient(config)),
      codedeploy: request.counter.attach(new CodeDeployClient(config)),
      elbv2: request.counter.attach(new ElasticLoadBalancingV2Client(config)),
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

const WRITE = /^(Register|Deregister|Update|Put|Tag|Untag|Run|Start|Stop|Create|Delete|Submit|Continue)/;

/**
 * Counts every API call a command makes (one per logical call: SDK retries are not counted), through an
 * `initialize`-step middleware on each client. The figures appear in `--json` output as `metrics.apiCalls`.
 */
export class ApiCallCounter {
  readonly calls: ApiCall[] = [];
  private pollingDepth = 0;

  attach<C extends ECSClient | ECRClient | SSMClient | STSClient | CodeDeployClient | ElasticLoadBalancingV2Client>(client: C): C {
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
