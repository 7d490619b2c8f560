import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { resourceNames, serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { evaluate, type IamRequest, type PolicyDocument } from './iam-evaluator';
import { resources, synth, type TerraformJson } from './stacks';

/**
 * The deploy role's permissions, checked against what ecs-release really calls: every AWS call of a client-mock test
 * is turned into the IAM requests AWS would authorize for it (the action, the resource ARN, the request context,
 * plus the requests a call implies, such as iam:PassRole for the roles of a registered revision) and evaluated
 * against the synthesized inline policy of that environment's deploy role. moto enforces no IAM, so this is what
 * catches a call the role may not make.
 */

/** One SDK call as the client mocks saw it, attributed to the environment whose clients made it. */
export interface RecordedCall {
  /** The environment name (from the clients' session name `ecs-release-<env>`). */
  readonly environment: string;
  /** `ECS`, `ECR`, `SSM`, `STS`, `CodeDeploy`, `ElasticLoadBalancingV2`. */
  readonly service: string;
  /** The command without `Command`: `RegisterTaskDefinition`. */
  readonly command: string;
  readonly input: Record<string, any>;
  /** The mocked response, when it resolved. */
  readonly output?: Record<string, any>;
}

/** What earlier calls of the same run told about resources: their tags and the revisions described. */
export class World {
  readonly tags = new Map<string, Record<string, string>>();
  readonly revisions = new Map<string, TaskDefinition>();

  constructor(readonly env: EnvironmentConfig) {}

  /** Names of the environment's blue/green service (at most one), else of its first service. */
  get names() {
    const services = Object.keys(this.env.services);
    const bg = services.find((n) => { const s = this.env.services[n]; return s.kind === 'web' && s.deployment.strategy === 'blue-green'; });
    return { ...resourceNames(this.env), ...serviceNames(this.env, bg ?? services[0]) };
  }

  ecs(resource: string): string {
    return `arn:aws:ecs:${this.env.region}:${this.env.accountId}:${resource}`;
  }

  /** `family:12` or an ARN, as ECS accepts either. */
  taskDefinitionArn(ref: string): string {
    return ref.startsWith('arn:') ? ref : this.ecs(`task-definition/${ref}`);
  }

  clusterName(ref: string | undefined): string {
    return (ref ?? 'default').split('/').pop()!;
  }

  taskArn(cluster: string | undefined, ref: string): string {
    return ref.startsWith('arn:') ? ref : this.ecs(`task/${this.clusterName(cluster)}/${ref}`);
  }

  addTags(arn: string, tags: Tag[] | undefined): void {
    const current = this.tags.get(arn) ?? {};
    for (const t of tags ?? []) if (t.key) current[t.key] = t.value ?? '';
    this.tags.set(arn, current);
  }

  resourceTags(arn: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.tags.get(arn) ?? {})) out[`aws:ResourceTag/${k}`] = v;
    return out;
  }

  deploymentGroupArn(application = this.names.codedeployApplication, group = this.names.codedeployGroup): string {
    return `arn:aws:codedeploy:${this.env.region}:${this.env.accountId}:deploymentgroup:${application}/${group}`;
  }
}

const tagContext = (tags: Tag[] | undefined) => {
  const keys = (tags ?? []).map((t) => t.key ?? '');
  const context: Record<string, string | string[]> = { 'aws:TagKeys': keys };
  for (const t of tags ?? []) context[`aws:RequestTag/${t.key}`] = t.value ?? '';
  return context;
};

/** Roles a task of this revision runs with: ECS authorizes iam:PassRole for each when it registers or runs one. */
function passRoles(roles: (string | undefined)[], origin: string): IamRequest[] {
  return [...new Set(roles.filter((r): r is string => !!r))].map((role) => ({
    action: 'iam:PassRole',
    resource: role,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    origin,
  }));
}

/**
 * The IAM requests AWS authorizes for one call (Service Authorization Reference: action, resource type, condition
 * keys), updating what the run knows about resources. A call without a mapping throws: a new call of the CLI must be
 * mapped here before its test can pass, so nothing goes unchecked.
 */
export function iamRequests(call: RecordedCall, world: World): IamRequest[] {
  const { input, output } = call;
  const origin = `${call.service}:${call.command}`;
  const { region, accountId } = world.env;
  const one = (action: string, resource: string, context: IamRequest['context'] = {}): IamRequest => ({ action, resource, context, origin });
  switch (`${call.service}:${call.command}`) {
    case 'STS:GetCallerIdentity':
      return []; // needs no permission
    case 'SSM:GetParameter':
    case 'SSM:PutParameter': {
      const name = String(input.Name);
      return [one(`ssm:${call.command}`, `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? name : `/${name}`}`)];
    }
    case 'ECR:DescribeImages':
      return [one('ecr:DescribeImages', `arn:aws:ecr:${region}:${input.registryId ?? accountId}:repository/${input.repositoryName}`)];
    case 'ECS:DescribeServices':
      return (input.services as string[]).map((s) => one('ecs:DescribeServices', s.startsWith('arn:') ? s : world.ecs(`service/${world.clusterName(input.cluster)}/${s}`)));
    case 'ECS:DescribeTaskDefinition': {
      const td = output?.taskDefinition as TaskDefinition | undefined;
      if (td?.taskDefinitionArn) {
        world.revisions.set(td.taskDefinitionArn, td);
        world.revisions.set(world.taskDefinitionArn(String(input.taskDefinition)), td);
        if (input.include?.includes('TAGS')) world.addTags(td.taskDefinitionArn, output?.tags);
      }
      return [one('ecs:DescribeTaskDefinition', '*')];
    }
    case 'ECS:ListTaskDefinitions':
      return [one('ecs:ListTaskDefinitions', '*')];
    case 'ECS:RegisterTaskDefinition': {
      const arn = (output?.taskDefinition?.taskDefinitionArn as string | undefined) ?? world.ecs(`task-definition/${input.family}:0`);
      world.addTags(arn, input.tags);
      return [
        one('ecs:RegisterTaskDefinition', arn),
        // Tags given at registration are authorized as ecs:TagResource with ecs:CreateAction.
        ...(input.tags?.length ? [one('ecs:TagResource', arn, { 'ecs:CreateAction': 'RegisterTaskDefinition', ...tagContext(input.tags) })] : []),
        ...passRoles([input.executionRoleArn, input.taskRoleArn], origin),
      ];
    }
    case 'ECS:TagResource': {
      const arn = String(input.resourceArn);
      const requests = [one('ecs:TagResource', arn, { ...tagContext(input.tags), ...world.resourceTags(arn) })];
      world.addTags(arn, input.tags);
      return requests;
    }
    case 'ECS:UpdateService': {
      const context: Record<string, string> = {};
      if (input.taskDefinition) context['ecs:task-definition'] = world.taskDefinitionArn(input.taskDefinition);
      if (input.enableExecuteCommand !== undefined) context['ecs:enable-execute-command'] = String(input.enableExecuteCommand);
      return [one('ecs:UpdateService', world.ecs(`service/${world.clusterName(input.cluster)}/${input.service}`), context)];
    }
    case 'ECS:RunTask': {
      const tdArn = world.taskDefinitionArn(String(input.taskDefinition));
      const revision = world.revisions.get(tdArn);
      if (!revision) throw new Error(`release-permissions: RunTask of ${tdArn}, a revision this run never described: its roles (iam:PassRole) are unknown`);
      const cluster = world.clusterName(input.cluster);
      const context: Record<string, string> = { 'ecs:cluster': world.ecs(`cluster/${cluster}`) };
      if (input.enableExecuteCommand !== undefined) context['ecs:enable-execute-command'] = String(input.enableExecuteCommand);
      const taskArns: string[] = (output?.tasks ?? []).map((t: { taskArn?: string }) => t.taskArn).filter(Boolean);
      // Tags the new task gets: the request's and, with propagateTags TASK_DEFINITION, the revision's.
      const propagated = input.propagateTags === 'TASK_DEFINITION' ? Object.entries(world.tags.get(tdArn) ?? {}).map(([key, value]) => ({ key, value })) : [];
      const tags: Tag[] = [...(input.tags ?? []), ...propagated];
      for (const t of taskArns) world.addTags(t, tags);
      const override = input.overrides ?? {};
      return [
        one('ecs:RunTask', tdArn, context),
        ...(tags.length ? (taskArns.length ? taskArns : [world.ecs(`task/${cluster}/new`)]).map((t) => one('ecs:TagResource', t, { 'ecs:CreateAction': 'RunTask', ...tagContext(tags) })) : []),
        ...passRoles([override.taskRoleArn ?? revision.taskRoleArn, override.executionRoleArn ?? revision.executionRoleArn], origin),
      ];
    }
    case 'ECS:DescribeTasks':
      return (input.tasks as string[]).map((t) => one('ecs:DescribeTasks', world.taskArn(input.cluster, t)));
    case 'ECS:StopTask': {
      const arn = world.taskArn(input.cluster, String(input.task));
      return [one('ecs:StopTask', arn, { 'ecs:cluster': world.ecs(`cluster/${world.clusterName(input.cluster)}`), ...world.resourceTags(arn) })];
    }
    // revisions prune: authorized on the revision, with its tags (the grant requires ecs-release's owner tag).
    case 'ECS:DeregisterTaskDefinition': {
      const arn = world.taskDefinitionArn(String(input.taskDefinition));
      return [one('ecs:DeregisterTaskDefinition', arn, world.resourceTags(arn))];
    }
    // ListTasks authorizes against the cluster's container instances (Service Authorization Reference).
    case 'ECS:ListTasks':
      return [one('ecs:ListTasks', world.ecs(`container-instance/${world.clusterName(input.cluster)}/*`))];
    // verify: metadata reads. IAM is global (no region in its ARNs); DescribeParameters has no resource type.
    case 'IAM:GetRole':
    case 'IAM:ListRolePolicies':
    case 'IAM:GetRolePolicy':
    case 'IAM:ListAttachedRolePolicies':
      return [one(`iam:${call.command}`, `arn:aws:iam::${accountId}:role/${input.RoleName}`)];
    case 'SSM:DescribeParameters':
      return [one('ssm:DescribeParameters', '*')];
    case 'SecretsManager:DescribeSecret':
      return [one('secretsmanager:DescribeSecret', String(input.SecretId))];
    // A private registry's pull secret (issue 16), read by its complete ARN to resolve a tag.
    case 'SecretsManager:GetSecretValue':
      return [one('secretsmanager:GetSecretValue', String(input.SecretId))];
    // ExecuteCommand is authorized against the cluster and the task, with ecs:cluster and ecs:container-name.
    case 'ECS:ExecuteCommand': {
      const cluster = world.ecs(`cluster/${world.clusterName(input.cluster)}`);
      const context = { 'ecs:cluster': cluster, 'ecs:container-name': String(input.container ?? '') };
      return [one('ecs:ExecuteCommand', cluster, context), one('ecs:ExecuteCommand', world.taskArn(input.cluster, String(input.task)), context)];
    }
    // CloudWatch Logs authorizes log-group reads against "log-group:<name>:*".
    case 'CloudWatchLogs:FilterLogEvents':
    case 'CloudWatchLogs:GetLogEvents':
      return [one(`logs:${call.command}`, `arn:aws:logs:${region}:${accountId}:log-group:${input.logGroupName}:*`)];
    // No resource-level permissions (Service Authorization Reference): evaluated against "*".
    case 'ApplicationAutoScaling:DescribeScalableTargets':
      return [one('application-autoscaling:DescribeScalableTargets', '*')];
    case 'ECS:ListServiceDeployments':
      return [one('ecs:ListServiceDeployments', world.ecs(`service/${world.clusterName(input.cluster)}/${input.service}`))];
    // Authorized against each service-deployment ARN, exactly as ListServiceDeployments returned it.
    case 'ECS:DescribeServiceDeployments':
      return (input.serviceDeploymentArns as string[]).map((a) => one('ecs:DescribeServiceDeployments', a));
    case 'ECS:DescribeTaskSets':
      return [one('ecs:DescribeTaskSets', world.ecs(`service/${world.clusterName(input.cluster)}/${input.service}`))];
    case 'CodeDeploy:CreateDeployment':
    case 'CodeDeploy:ListDeployments':
      return [one(`codedeploy:${call.command}`, world.deploymentGroupArn(input.applicationName, input.deploymentGroupName))];
    // GetDeployment is authorized against the deployment's group (ecs-release only follows its environment's group).
    case 'CodeDeploy:GetDeployment':
      return [one(`codedeploy:${call.command}`, world.deploymentGroupArn())];
    // The Service Authorization Reference lists no resource type for these: AWS evaluates them against "*", so a
    // statement scoped to the deployment group would not match them.
    case 'CodeDeploy:ContinueDeployment':
    case 'CodeDeploy:StopDeployment':
    case 'CodeDeploy:ListDeploymentTargets':
    case 'CodeDeploy:GetDeploymentTarget':
    case 'CodeDeploy:BatchGetDeploymentTargets':
      return [one(`codedeploy:${call.command}`, '*')];
    case 'ElasticLoadBalancingV2:DescribeListeners':
      return [one('elasticloadbalancing:DescribeListeners', '*')];
    default:
      throw new Error(`release-permissions: no IAM mapping for ${origin}; add it (action, resource, condition keys) before the CLI may call it`);
  }
}

const policies = new Map<string, PolicyDocument>();

/**
 * The inline policy of `env`'s deploy role as synthesized, with Terraform references (`${aws_iam_role.x.arn}`)
 * replaced by the ARNs AWS would give those resources.
 */
export function deployRolePolicy(env: EnvironmentConfig): PolicyDocument {
  return ciRolePolicy(env, 'deploy');
}

/** The production approval role's inline policy (blue/green environments), resolved like the deploy role's. */
export function approveRolePolicy(env: EnvironmentConfig): PolicyDocument {
  return ciRolePolicy(env, 'approve');
}

/** The operator role's inline policy (exec, logs, tasks, scale), resolved like the deploy role's. */
export function operatorRolePolicy(env: EnvironmentConfig): PolicyDocument {
  return ciRolePolicy(env, 'operator');
}

/** Commands run by the operator identity (modules/operator-access.ts); everything else ships and is CI's. */
export const OPERATOR_COMMANDS = ['exec', 'logs', 'tasks', 'scale'] as const;

/**
 * Which identity runs an `ecs-release` command: in a blue/green environment `approve` and `rollback` shift
 * production traffic (CodeDeploy ContinueDeployment), which only the approval identity may; exec, logs, tasks and
 * scale are the operator identity's; everything else is the deploy identity's.
 */
export function identityFor(args: readonly string[]): (env: EnvironmentConfig) => PolicyDocument {
  return (env) =>
    (OPERATOR_COMMANDS as readonly string[]).includes(args[0])
      ? operatorRolePolicy(env)
      : blueGreenService(env, args) && ['approve', 'rollback'].includes(args[0])
        ? approveRolePolicy(env)
        : deployRolePolicy(env);
}

/** Whether the service the arguments name (`--service`, or the only one) deploys blue/green. */
function blueGreenService(env: EnvironmentConfig, args: readonly string[]): boolean {
  const i = args.indexOf('--service');
  const names = Object.keys(env.services);
  const name = i >= 0 ? args[i + 1] : names.length === 1 ? names[0] : undefined;
  const s = name === undefined ? undefined : env.services[name];
  return s?.kind === 'web' && s.deployment.strategy === 'blue-green';
}

function ciRolePolicy(env: EnvironmentConfig, role: 'deploy' | 'approve' | 'operator'): PolicyDocument {
  const key = `${role} ${JSON.stringify(env)}`;
  const cached = policies.get(key);
  if (cached) return cached;
  const tf = synth(env).tf;
  const inline = Object.entries(resources(tf, 'aws_iam_role_policy')).find(([id]) => id.startsWith(`ci_${role}_policy_`));
  if (!inline) throw new Error(`no ${role}-role policy in the ${env.name} stack`);
  const text = String(inline[1].policy)
    .replace(/\$\{([\w-]+)\.([\w-]+)\.arn\}/g, (_m, type: string, id: string) => arnOf(tf, env, type, id))
    // ARNs take the partition from the provider (data.aws_partition); the shipped environments are in `aws`.
    .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws');
  if (text.includes('${')) throw new Error(`${role}-role policy of ${env.name} has a reference this helper cannot resolve: ${/\$\{[^}]*\}/.exec(text)![0]}`);
  const doc = JSON.parse(text) as PolicyDocument;
  policies.set(key, doc);
  return doc;
}

function arnOf(tf: TerraformJson, env: EnvironmentConfig, type: string, id: string): string {
  const r = resources(tf, type)[id];
  if (!r) throw new Error(`no ${type}.${id} in the ${env.name} stack`);
  const name = String(r.name);
  const at = `${env.region}:${env.accountId}`;
  switch (type) {
    case 'aws_ecs_cluster':
      return `arn:aws:ecs:${at}:cluster/${name}`;
    case 'aws_iam_role':
      return `arn:aws:iam::${env.accountId}:role${String(r.path ?? '/')}${name}`;
    case 'aws_ssm_parameter':
      return `arn:aws:ssm:${at}:parameter${name.startsWith('/') ? name : `/${name}`}`;
    case 'aws_ecr_repository':
      return `arn:aws:ecr:${at}:repository/${name}`;
    case 'aws_cloudwatch_log_group':
      return `arn:aws:logs:${at}:log-group:${name}`;
    case 'aws_scheduler_schedule': {
      // The group is a reference to the environment's schedule group (named like it) or a literal name.
      const group = /^\$\{aws_scheduler_schedule_group\.([\w-]+)\.name\}$/.exec(String(r.group_name ?? 'default'));
      const groupName = group ? String(resources(tf, 'aws_scheduler_schedule_group')[group[1]]?.name) : String(r.group_name ?? 'default');
      return `arn:aws:scheduler:${at}:schedule/${groupName}/${name}`;
    }
    default:
      throw new Error(`release-permissions: no ARN format for ${type}`);
  }
}

export interface DeniedRequest {
  readonly call: string;
  readonly request: IamRequest;
}

/**
 * Every IAM request the calls imply that the environment's deploy-role policy does not allow, in call order.
 * `environmentOf` gives the configuration whose policy applies to an environment name; `policyOf` the policy (the
 * synthesized one unless a test checks the checker with another).
 */
export function deniedRequests(calls: RecordedCall[], environmentOf: (name: string) => EnvironmentConfig, policyOf: (env: EnvironmentConfig) => PolicyDocument = deployRolePolicy): DeniedRequest[] {
  const worlds = new Map<string, World>();
  const denied: DeniedRequest[] = [];
  for (const call of calls) {
    const env = environmentOf(call.environment);
    let world = worlds.get(call.environment);
    if (!world) worlds.set(call.environment, (world = new World(env)));
    const policy = policyOf(env);
    for (const request of iamRequests(call, world)) {
      if (!evaluate(policy, request).allowed) denied.push({ call: `${call.environment} ${call.service}:${call.command}`, request });
    }
  }
  return denied;
}

/** One line per denied request: `dev ECS:TagResource: ecs:TagResource on arn:... with {"aws:TagKeys":[...]}` */
export function describeDenied(denied: DeniedRequest[]): string {
  return denied.map((d) => `${d.call}: ${d.request.action} on ${d.request.resource} with ${JSON.stringify(d.request.context)}`).join('\n');
}
