import type { RegistryAccess } from '../../src/release/private-source';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListTaskDefinitionsCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, type Service, type TaskDefinition } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig, WebServiceConfig } from '../../environments/schema';
import { resourceNames, serviceNames } from '../../environments/names';
import { startMoto, type Moto } from '../../scripts/lib/moto';
import { applyOnce } from './applied-cache';
import { applyIntoEmulator, gapTargets, terraformAsync } from '../../scripts/lib/sandbox/apply';
import { pushImage as pushSandboxImage } from '../../scripts/lib/sandbox/aws';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { awsClientFactory } from '../../src/release/aws';
import { runCli } from '../../src/release/cli';
import { gap } from '../e2e/moto-gaps';

/** moto for the release tier: ECS services of up to 3 tasks report their deployment COMPLETED, IAM knows AWS's managed policies. */
export async function startEmulator(): Promise<Moto> {
  gap('ecs-deployment-model');
  return startMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: '3', MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
}

const BASE = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** SDK clients acting in `account` of the emulator, through STS AssumeRole exactly like a pipeline's role. */
export async function accountClients(moto: Moto, account: string, region = 'eu-west-1') {
  const sts = new STSClient({ endpoint: moto.endpoint, region, credentials: BASE });
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/e2e-inspector`, RoleSessionName: 'e2e' }));
  const c = r.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  const config = { endpoint: moto.endpoint, region, credentials };
  return { ecs: new ECSClient(config), ecr: new ECRClient(config), ssm: new SSMClient(config), elb: new ElasticLoadBalancingV2Client(config), scheduler: new SchedulerClient(config) };
}

/** The deploy role the stack creates (what the application pipeline assumes through OIDC). */
export function deployRoleArn(env: EnvironmentConfig): string {
  return `arn:aws:iam::${env.accountId}:role/${resourceNames(env).deployRole}`;
}

/**
 * Pushes a fake image: a manifest with a layer unique to `tag` (moto derives the digest from the layers, so distinct
 * layers give distinct digests). The same tag always yields the same manifest, hence the same digest in any registry.
 */
export async function pushImage(moto: Moto, env: EnvironmentConfig, tag: string): Promise<{ digest: string; uri: string }> {
  return pushSandboxImage(moto.endpoint, env, tag);
}

/** A commit-like tag. */
export function commitTag(): string {
  return randomBytes(4).toString('hex').slice(0, 7);
}

/** Runs terraform without blocking the event loop (the sandbox library's, shared). */
export { terraformAsync };

export interface AppliedStack {
  readonly env: EnvironmentConfig;
  readonly dir: string;
  readonly remove: () => void;
}

/** Synthesizes `env` for the emulator target into a scratch folder, without applying it. */
export function synthStack(env: EnvironmentConfig): AppliedStack {
  const scratch = scratchDir(`e2e-${env.name}`);
  const dirs = synthEnvironments([env], scratch.dir, 'emulator');
  return { env, dir: dirs[env.name], remove: scratch.remove };
}

/**
 * Synthesizes and applies one environment's stack into moto: the same code path as `npm run sandbox`
 * (scripts/lib/sandbox/apply.ts; a second apply targets the create-service-fields gap). Within one Jest run, a stack
 * already applied by another file is loaded from what that apply left behind (./applied-cache.ts).
 */
export async function applyStack(moto: Moto, env: EnvironmentConfig): Promise<AppliedStack> {
  gap('create-service-fields');
  gap('sdk-resend-after-answer');
  const stack = synthStack(env);
  await applyOnce(moto, stack.dir, [env.accountId], () => applyIntoEmulator(stack.dir, env, moto.env));
  return stack;
}

/** Replaces the stack's configuration by `env`'s (same state): what a merged IaC change does. */
export function resynth(stack: AppliedStack, env: EnvironmentConfig): AppliedStack {
  const fresh = synthStack(env);
  writeFileSync(join(stack.dir, 'cdk.tf.json'), readFileSync(join(fresh.dir, 'cdk.tf.json')));
  fresh.remove();
  return { ...stack, env };
}

/** A copy of the applied stack (configuration, providers, state) whose configuration `edit` may change. */
export function copyStack(stack: AppliedStack, edit: (tf: Record<string, any>) => void): AppliedStack {
  const scratch = scratchDir(`e2e-${stack.env.name}-copy`);
  cpSync(stack.dir, scratch.dir, { recursive: true, verbatimSymlinks: true });
  const file = join(scratch.dir, 'cdk.tf.json');
  const tf = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(tf);
  writeFileSync(file, JSON.stringify(tf, null, 2));
  return { env: stack.env, dir: scratch.dir, remove: scratch.remove };
}

export interface PlanResult {
  readonly code: number;
  /** Addresses with their actions, for every resource the plan would change. */
  readonly changes: { address: string; actions: string[]; reason?: string }[];
  readonly text: string;
}

/** `terraform plan -detailed-exitcode` (0 = no changes, 2 = changes) plus what would change. */
export function plan(moto: Moto, stack: AppliedStack): PlanResult {
  const r = terraform(['plan', '-input=false', '-detailed-exitcode', '-out=tfplan'], stack.dir, { okCodes: [0, 2], env: moto.env });
  const text = r.stdout.split('\n').filter((l) => !/Refreshing state|Reading\.\.\.|Read complete/.test(l)).join('\n');
  // Exit 0 is Terraform's own "the diff is empty": no resource changes to read (`show -json` starts the provider again).
  if (r.code === 0) return { code: 0, changes: [], text };
  const shown = JSON.parse(terraform(['show', '-json', 'tfplan'], stack.dir, { env: moto.env }).stdout) as {
    resource_changes?: { address: string; action_reason?: string; change: { actions: string[] } }[];
  };
  const changes = (shown.resource_changes ?? [])
    .filter((c) => !(c.change.actions.length === 1 && ['no-op', 'read'].includes(c.change.actions[0])))
    .map((c) => ({ address: c.address, actions: c.change.actions, reason: c.action_reason }));
  return { code: r.code, changes, text };
}

/**
 * Applies the stack as it now is. Rules between security groups created by this apply (a new port's pair) lose their
 * description in moto (gap create-service-fields), so they are applied once more, targeted, as on the first apply.
 */
export function apply(moto: Moto, stack: AppliedStack): void {
  terraform(['apply', '-auto-approve', '-input=false'], stack.dir, { env: moto.env });
  const rules = gapTargets(stack.dir, { services: false });
  if (rules.length > 0) terraform(['apply', '-auto-approve', '-input=false', ...rules.map((t) => `-target=${t}`)], stack.dir, { env: moto.env });
}

export interface ReleaseRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The --json document, when asked for. */
  readonly json?: Record<string, any>;
}

/**
 * ecs-release in-process against moto, with the real AWS SDK: the ambient credentials are moto's default account,
 * so commands reach an environment's account only through --role-arn (AssumeRole), as a pipeline does.
 */
export async function release(moto: Moto, args: string[], loadEnvironment?: (name: string) => EnvironmentConfig, registry?: RegistryAccess): Promise<ReleaseRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    clients: awsClientFactory({ endpoint: moto.endpoint, credentials: BASE }),
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    ...(loadEnvironment ? { loadEnvironment } : {}),
    ...(registry ? { registry } : {}),
  });
  return { code, stdout, stderr, json: args.includes('--json') && stdout.trim().startsWith('{') ? JSON.parse(stdout) : undefined };
}

/** The compiled `ecs-release` binary in a child process, pointed at moto by AWS_ENDPOINT_URL like any SDK user. */
export function releaseBin(moto: Moto, args: string[]): ReleaseRun {
  const bin = join(repoRoot(), 'dist', 'src', 'release', 'cli.js');
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') && r.stdout.trim().startsWith('{') ? JSON.parse(r.stdout) : undefined };
}

/** The web service of a shipped environment (dev and prod each declare one, named `web`), typed as a web service. */
export function webService(env: EnvironmentConfig): WebServiceConfig {
  const web = env.services.web;
  if (web?.kind !== 'web') throw new Error(`environment ${env.name}: services.web is not a web service`);
  return web;
}

/** What the emulator holds for one service (default: web): the facts refusal tests compare before and after. */
export async function serviceState(moto: Moto, env: EnvironmentConfig, serviceName = 'web'): Promise<{ revisions: string[]; service: Service; pointer: string; pointerVersion: number }> {
  const { ecs, ssm } = await accountClients(moto, env.accountId, env.region);
  const names = serviceNames(env, serviceName);
  const revisions = ((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: names.family }))).taskDefinitionArns ?? []).filter((arn) => arn.split('/').pop()!.replace(/:\d+$/, '') === names.family);
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }))).services![0];
  const p = (await ssm.send(new GetParameterCommand({ Name: names.releaseParameter }))).Parameter!;
  return { revisions, service, pointer: p.Value!, pointerVersion: p.Version! };
}

export async function describeRevision(moto: Moto, env: EnvironmentConfig, arn: string): Promise<{ definition: TaskDefinition; tags: Record<string, string> }> {
  const { ecs } = await accountClients(moto, env.accountId, env.region);
  const r = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
  return { definition: r.taskDefinition!, tags: Object.fromEntries((r.tags ?? []).map((t) => [t.key, t.value])) };
}
