import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { importPlan, renderEnvironment, renderImports, type Adopted } from '../adopt';
import { type CommandResult, type Context } from '../context';
import { EXIT, refusal, usageError } from '../errors';

export interface InitOptions {
  readonly cluster: string;
  readonly service: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

const CLUSTER = /^[A-Za-z0-9_-]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Checks init's flags before any AWS call. */
export function checkInitFlags(opts: InitOptions): void {
  if (!CLUSTER.test(opts.cluster)) throw usageError('--cluster', opts.cluster, 'an ECS cluster name (letters, digits, - and _)');
  if (!CLUSTER.test(opts.service)) throw usageError('--service', opts.service, 'an ECS service name (letters, digits, - and _)');
  if (!REGION.test(opts.region)) throw usageError('--region', opts.region, 'an AWS region such as eu-west-1');
  if (opts.roleArn !== undefined && !ROLE_ARN.test(opts.roleArn)) throw usageError('--role-arn', opts.roleArn, 'an IAM role ARN such as arn:aws:iam::111111111111:role/readonly');
}

/**
 * `ecs-release init`: adopt a running ECS service. Reads the service, its task definition and target group (four
 * reads, no write) and prints an environment file for environments/ and the Terraform import blocks for what the stack
 * would manage under the same names. Under --json both texts are fields of the document.
 */
export async function init(ctx: Context, opts: InitOptions): Promise<CommandResult> {
  checkInitFlags(opts);
  const clients = ctx.clients({ region: opts.region, roleArn: opts.roleArn, sessionName: 'ecs-release-init', counter: ctx.counter, signal: ctx.signal });
  const me = await clients.sts.send(new GetCallerIdentityCommand({}));
  const service = (await clients.ecs.send(new DescribeServicesCommand({ cluster: opts.cluster, services: [opts.service] }))).services?.[0];
  if (!service || service.status !== 'ACTIVE') {
    throw refusal('--service', `${opts.cluster}/${opts.service}`, `an ACTIVE ECS service in ${opts.region} (found ${service?.status ?? 'nothing'})`);
  }
  const taskDefinition = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition ?? '' }))).taskDefinition;
  if (!taskDefinition) throw refusal('--service', `${opts.cluster}/${opts.service}`, 'a service with a task definition');
  const tgArn = service.loadBalancers?.find((l) => l.targetGroupArn)?.targetGroupArn;
  const targetGroup = tgArn ? (await clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups?.[0] : undefined;
  const adopted: Adopted = { accountId: me.Account ?? '', region: opts.region, clusterName: opts.cluster, service, taskDefinition, targetGroup };
  const environmentFile = renderEnvironment(adopted);
  const plan = importPlan(adopted);
  const imports = renderImports(plan);
  const out = opts.json ? ctx.stderr : ctx.stdout;
  out.write(`// ---- environments/<name>.ts (review the TODOs, then add the name to environments/index.ts) ----\n${environmentFile}\n`);
  out.write(`# ---- imports.tf for the stack's output folder, or cdktf's importFrom (${plan.imports.length} resource(s)) ----\n${imports}`);
  return {
    exitCode: EXIT.OK,
    document: { command: 'init', cluster: opts.cluster, service: opts.service, region: opts.region, environmentFile, importBlocks: imports, imports: plan.imports, created: plan.created, outcome: 'ok', exitCode: EXIT.OK },
  };
}
