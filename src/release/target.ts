import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { releaseDescriptorSchema, type ReleaseDescriptor } from '../../contracts/descriptor';
import type { EnvironmentConfig } from '../../environments/schema';
import type { AwsClients } from './aws';
import type { Context } from './context';
import { EXIT, ReleaseError, refusal, usageError } from './errors';
import { resolveService, serviceResourceNames, type ConfiguredService, type ReleaseNames } from './services';

/** One environment's service, resolved from configuration and the descriptor its stack published; never hand-typed. */
export interface Target {
  readonly env: EnvironmentConfig;
  /** The configured service the command acts on (`--service`, or the environment's only one). */
  readonly service: ConfiguredService;
  readonly names: ReleaseNames;
  readonly descriptor: ReleaseDescriptor;
  readonly clients: AwsClients;
  readonly callerArn: string;
}

const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Where a target's names came from on the command line, for messages; and which service it is. */
export interface TargetOptions {
  /** The option that named the environment. @default '--env' */
  readonly option?: string;
  /** The option that named the role. @default '--role-arn' */
  readonly roleOption?: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
}

/**
 * Loads the environment, checks the caller's account (STS) before anything else, reads the descriptor the stack
 * publishes and checks it agrees with the configuration. Two API calls (three with --role-arn).
 */
export async function resolveTarget(ctx: Context, envName: string, roleArn?: string, where: TargetOptions = {}): Promise<Target> {
  const { option = '--env', roleOption = '--role-arn' } = where;
  let env: EnvironmentConfig;
  try {
    env = ctx.loadEnvironment(envName);
  } catch (e) {
    const message = (e as Error).message;
    // loadEnvironment's own message names the field; keep it, but say which option carried the name.
    throw new ReleaseError(EXIT.USAGE, message.startsWith('invalid environment') ? `${option}: ${message}` : message);
  }
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw usageError(roleOption, roleArn, 'an IAM role ARN such as arn:aws:iam::111111111111:role/webapp-dev-ci-deploy');
  }
  // Decided from configuration before any call: an unknown or missing --service costs no request.
  const configured = resolveService(env, where.service);
  const names = serviceResourceNames(env, configured);
  const clients = ctx.clients({ region: env.region, roleArn, sessionName: `ecs-release-${env.name}`.slice(0, 64), counter: ctx.counter, signal: ctx.signal });

  let me;
  try {
    me = await clients.sts.send(new GetCallerIdentityCommand({}));
  } catch (e) {
    // No credentials, or credentials AWS rejects: say so in one line instead of the SDK's multi-line provider error.
    const name = (e as Error).name;
    if (name === 'CredentialsProviderError' || name === 'InvalidClientTokenId' || name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'SignatureDoesNotMatch') {
      throw refusal('credentials', name, `AWS credentials of account ${env.accountId} (environment "${env.name}"): the job's OIDC role, a profile, or --role-arn`);
    }
    throw e;
  }
  if (me.Account !== env.accountId) {
    throw refusal('account', me.Account, `${env.accountId} (the account of environment "${env.name}"; credentials were ${me.Arn ?? 'unknown'})`);
  }

  let raw: string | undefined;
  try {
    raw = (await clients.ssm.send(new GetParameterCommand({ Name: names.descriptorParameter }))).Parameter?.Value;
  } catch (e) {
    if (e instanceof ParameterNotFound || (e as Error).name === 'ParameterNotFound') {
      throw refusal('descriptor', names.descriptorParameter, `an SSM parameter published by the "${env.name}" stack (apply the stack first)`);
    }
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw refusal('descriptor', raw, `the JSON the "${env.name}" stack publishes in ${names.descriptorParameter}`);
  }
  const checked = releaseDescriptorSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    if (issue.path[0] === 'codeDeploy') throw codeDeployRefusal(env.name, 'malformed');
    throw refusal(`descriptor.${issue.path.join('.')}`, (parsed as Record<string, unknown>)?.[String(issue.path[0])], `a ${names.descriptorParameter} written by this version of the stack (re-apply it)`);
  }
  const descriptor = checked.data;
  const expected: [keyof ReleaseDescriptor, string][] = [
    ['accountId', env.accountId],
    ['region', env.region],
    ['cluster', names.cluster],
    ['service', names.service],
    ['family', names.family],
    ['releaseParameter', names.releaseParameter],
    ['container', configured.containerName],
  ];
  for (const [key, value] of expected) {
    if (descriptor[key] !== value) {
      throw refusal(`descriptor.${String(key)}`, descriptor[key], `${JSON.stringify(value)} as environments/${env.name}.ts derives it (apply the stack so both agree)`);
    }
  }
  if (descriptor.kind !== configured.kind) {
    throw refusal('descriptor.kind', descriptor.kind, `${JSON.stringify(configured.kind)} as environments/${env.name}.ts declares service "${configured.name}" (apply the stack so both agree)`);
  }
  return { env, service: configured, names, descriptor, clients, callerArn: me.Arn ?? '' };
}

/**
 * The service, or a refusal when it is missing or being deleted. One API call. A scheduled service has no ECS
 * service: its stand-in (for diff, verify, revisions) runs the revision its schedule starts next, the family's latest
 * ACTIVE one, in the descriptor's network, with no deployment (one DescribeTaskDefinition).
 */
export async function describeService(ctx: Context, target: Target, options: { polling?: boolean } = {}): Promise<Service> {
  const { cluster, service } = target.descriptor;
  if (target.service.kind === 'scheduled') {
    const latest = await target.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: target.descriptor.family }));
    return {
      serviceName: service,
      status: 'ACTIVE',
      taskDefinition: latest.taskDefinition?.taskDefinitionArn ?? target.descriptor.taskDefinitionArn,
      deployments: [],
      networkConfiguration: { awsvpcConfiguration: { subnets: target.descriptor.subnets, securityGroups: target.descriptor.securityGroups, assignPublicIp: 'DISABLED' } },
    };
  }
  const call = () => target.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const r = options.polling ? await ctx.counter.polling(call) : await call();
  const svc = r.services?.[0];
  if (!svc || svc.status !== 'ACTIVE') {
    throw refusal('service', `${cluster}/${service}`, `an ACTIVE ECS service (found ${svc?.status ?? r.failures?.[0]?.reason ?? 'nothing'}; apply the "${target.env.name}" stack)`);
  }
  return svc;
}

/** Deployments still rolling out (ECS keeps the previous one ACTIVE until the new PRIMARY completes). */
export function deploymentsInFlight(svc: Service): Deployment[] {
  return (svc.deployments ?? []).filter(
    (d) => d.rolloutState === 'IN_PROGRESS' || d.status === 'ACTIVE' || (d.rolloutState === undefined && d.status === 'PRIMARY' && d.runningCount !== d.desiredCount),
  );
}

/** Refuses when another deployment of the service is still rolling out (two rollouts would fight over the tasks). */
export function refuseWhileInFlight(svc: Service): void {
  const busy = deploymentsInFlight(svc);
  if (busy.length > 0) {
    const d = busy[0];
    throw new ReleaseError(
      EXIT.REFUSED,
      `deployment in progress: ${d.id} (${d.rolloutState ?? d.status}, ${revisionName(d.taskDefinition)}, running ${d.runningCount ?? 0}/${d.desiredCount ?? 0}); allowed: start when it has finished (see ecs-release status)`,
    );
  }
}

/** The deployment controller ECS reports for the service (`ECS` when it names none, as ECS's default). */
export function deploymentController(svc: Service): string {
  return svc.deploymentController?.type ?? 'ECS';
}

/** The deployment controller the descriptor's strategy implies: CodeDeploy for blue/green, ECS for rolling. */
export function expectedController(target: Target): 'CODE_DEPLOY' | 'ECS' {
  return target.descriptor.strategy === 'blue-green' ? 'CODE_DEPLOY' : 'ECS';
}

/**
 * Refuses when the service's deployment controller is not the one the descriptor's strategy implies: a descriptor
 * published before the strategy changed would ship a CodeDeploy service with UpdateService (which ECS rejects
 * halfway, after the revision and the release pointer were written) or a rolling one through CodeDeploy. No call.
 */
export function checkDeploymentController(target: Target, svc: Service): void {
  const expected = expectedController(target);
  const actual = deploymentController(svc);
  if (actual !== expected) {
    throw refusal(
      'service.deploymentController.type',
      actual,
      `${JSON.stringify(expected)}, what the descriptor's strategy "${target.descriptor.strategy}" means (stale descriptor: apply the "${target.env.name}" stack, then retry)`,
    );
  }
}

/**
 * The refusal for a blue/green descriptor whose `codeDeploy` block is missing (`received` undefined) or does not
 * match the contract: either way the stack that wrote it must be applied again.
 */
export function codeDeployRefusal(envName: string, received: 'malformed' | undefined): ReleaseError {
  return refusal('descriptor.codeDeploy', received, `the CodeDeploy settings a blue-green stack publishes (apply the "${envName}" stack)`);
}

/** `family:revision` of a task-definition ARN, for messages. */
export function revisionName(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'unknown';
}

export function revisionNumber(arn: string | undefined): number {
  return Number(arn?.split(':').pop());
}
