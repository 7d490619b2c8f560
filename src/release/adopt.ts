import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { resourceNames, serviceNames } from '../../environments/names';
import { logicalId } from '../../contracts/logical-id';
import type { EnvironmentConfig } from '../../environments/schema';
import { partitionOf } from '../../contracts/partition';

/**
 * `ecs-release init`: an existing ECS service read from AWS, rendered as an environment file (TypeScript in the shape
 * of environments/dev.ts) and the Terraform `import` blocks for the resources the stack would manage. Every string
 * read from AWS reaches the output through `tsString` or `hclString`, nowhere else: a hostile name, tag or variable
 * cannot end a string, a comment or an interpolation.
 */

/** A TypeScript string literal (JSON, plus the two line terminators JSON leaves raw but JavaScript ends a comment on). */
export function tsString(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * An HCL quoted string: backslash and quote escaped, control characters as \uXXXX, and the template sequences `${` and
 * `%{` doubled (`$${`, `%%{`) so Terraform reads them literally instead of interpolating.
 */
export function hclString(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    // Function replacements: in a replacement string `$$` would itself mean one `$`.
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${body}"`;
}

/** What init read: the service, its revision, its target group (when it has one) and the caller's account. */
export interface Adopted {
  readonly accountId: string;
  readonly region: string;
  readonly clusterName: string;
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly targetGroup?: TargetGroup;
}

/**
 * Terraform addresses of the resources init imports for service `service`, as the stack synthesizes them (cdktf
 * derives each from the construct path, which is the same in every environment). __tests__/unit/release-init.test.ts compares this table
 * with a synthesized stack, so a renamed construct fails a test instead of printing a wrong address.
 */
export function stackAddresses(service: string) {
  // A service's resources live under `services/<name>` (the construct path; cdktf hashes it into the logical id).
  const at = (type: string, ...path: string[]) => `${type}.${logicalId(path)}`;
  return {
    cluster: at('aws_ecs_cluster', 'cluster', 'cluster'),
    service: at('aws_ecs_service', 'services', service, 'service'),
    targetGroup: at('aws_lb_target_group', 'services', service, 'routing', 'tg'),
    logGroup: at('aws_cloudwatch_log_group', 'services', service, 'task-definition', 'logs'),
    executionRole: at('aws_iam_role', 'services', service, 'task-definition', 'execution-role', 'role'),
    taskRole: at('aws_iam_role', 'services', service, 'task-definition', 'task-role', 'role'),
    repository: at('aws_ecr_repository', 'registry', 'repository'),
  } as const;
}

const NAME = /^[a-z][a-z0-9-]{1,31}$/;

/** The project and environment names the stack would need to reproduce the cluster's name (`<project>-<env>`). */
export function namesFromCluster(cluster: string): { project: string; env: string } | undefined {
  const i = cluster.lastIndexOf('-');
  if (i <= 0) return undefined;
  const project = cluster.slice(0, i);
  const env = cluster.slice(i + 1);
  return NAME.test(project) && NAME.test(env) ? { project, env } : undefined;
}

export interface ImportPlan {
  /** Resources whose existing name is the one the stack would give: imported. */
  readonly imports: { readonly address: string; readonly id: string; readonly what: string }[];
  /** Resources the stack names differently: it creates its own (the existing one is left alone). */
  readonly created: { readonly what: string; readonly existing: string; readonly stackName: string }[];
}

/** The container ecs-release would manage: the essential one with a port (the first container otherwise). */
export function mainContainer(td: TaskDefinition) {
  const containers = td.containerDefinitions ?? [];
  return containers.find((c) => c.essential !== false && (c.portMappings ?? []).length > 0) ?? containers[0];
}

/** The configuration init proposes, as values (rendered by renderEnvironment). */
export function proposedConfig(a: Adopted): { env: Pick<EnvironmentConfig, 'project' | 'name' | 'services' | 'registry'>; service: string; notes: string[] } {
  const notes: string[] = [];
  const names = namesFromCluster(a.clusterName) ?? { project: 'app', env: 'adopted' };
  if (!namesFromCluster(a.clusterName)) notes.push(`cluster ${a.clusterName} is not named <project>-<environment>: the stack will create its own cluster`);
  const container = mainContainer(a.taskDefinition);
  const image = container?.image ?? '';
  const repository = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image)?.[1] ?? names.project;
  // The adopted service becomes one web service of the `services` map, under its ECS name (its physical names follow).
  const service = a.service.serviceName ?? 'web';
  const services = { [service]: { kind: 'web', containerName: container?.name ?? 'app' } } as unknown as EnvironmentConfig['services'];
  return { env: { project: names.project, name: names.env, services, registry: { repositoryName: repository } as EnvironmentConfig['registry'] }, service, notes };
}

/** Which resources can be imported under the stack's addresses (same name), and which the stack would create anew. */
export function importPlan(a: Adopted): ImportPlan {
  const { env, service } = proposedConfig(a);
  const n = { ...resourceNames(env), ...serviceNames(env, service) };
  const STACK_ADDRESSES = stackAddresses(service);
  const imports: ImportPlan['imports'] = [];
  const created: ImportPlan['created'] = [];
  const consider = (what: string, existing: string | undefined, stackName: string, address: string, id: string) => {
    if (!existing) return;
    if (existing === stackName) imports.push({ address, id, what });
    else created.push({ what, existing, stackName });
  };
  const roleName = (arn?: string) => arn?.split('/').pop();
  const container = mainContainer(a.taskDefinition);
  const logGroup = container?.logConfiguration?.logDriver === 'awslogs' ? container.logConfiguration.options?.['awslogs-group'] : undefined;
  consider('ECS cluster', a.clusterName, n.cluster, STACK_ADDRESSES.cluster, a.clusterName);
  consider('ECS service', a.service.serviceName, n.service, STACK_ADDRESSES.service, `${a.clusterName}/${a.service.serviceName}`);
  consider('target group', a.targetGroup?.TargetGroupName, n.targetGroup, STACK_ADDRESSES.targetGroup, a.targetGroup?.TargetGroupArn ?? '');
  consider('log group', logGroup, n.logGroup, STACK_ADDRESSES.logGroup, logGroup ?? '');
  consider('execution role', roleName(a.taskDefinition.executionRoleArn), n.executionRole, STACK_ADDRESSES.executionRole, roleName(a.taskDefinition.executionRoleArn) ?? '');
  consider('task role', roleName(a.taskDefinition.taskRoleArn), n.taskRole, STACK_ADDRESSES.taskRole, roleName(a.taskDefinition.taskRoleArn) ?? '');
  consider('ECR repository', env.registry.repositoryName, n.repository, STACK_ADDRESSES.repository, env.registry.repositoryName);
  // An imported service must carry the stack's cluster too, or Terraform would replace it.
  if (!imports.some((i) => i.what === 'ECS cluster')) return { imports: imports.filter((i) => i.what !== 'ECS service'), created: [...created, ...(a.service.serviceName ? [{ what: 'ECS service (its cluster is not imported)', existing: a.service.serviceName, stackName: n.service }] : [])] };
  return { imports, created };
}

/** The `import` blocks (Terraform 1.5+), one per resource, every value an escaped HCL string. */
export function renderImports(plan: ImportPlan): string {
  const blocks = plan.imports.map((i) => `# ${i.what}\nimport {\n  to = ${i.address}\n  id = ${hclString(i.id)}\n}`);
  const created = plan.created.map((c) => `# not imported: ${c.what} ${hclString(c.existing)} (the stack names it ${hclString(c.stackName)} and creates its own)`);
  return [...blocks, ...created].join('\n\n') + '\n';
}

const FARGATE_CPU = new Set([256, 512, 1024, 2048, 4096, 8192, 16384]);

/** The environment file: what AWS told, in the shape of environments/dev.ts; what it cannot tell is marked TODO. */
export function renderEnvironment(a: Adopted): string {
  const { env, service, notes } = proposedConfig(a);
  const td = a.taskDefinition;
  const c = mainContainer(td);
  const port = c?.portMappings?.[0]?.containerPort ?? 8080;
  const cpu = Number(td.cpu ?? 256);
  const health = a.targetGroup?.HealthCheckPath ?? '/';
  const kv = (entries: [string, string][]) => (entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${tsString(k)}: ${tsString(v)}`).join(', ')} }`);
  const environment = kv((c?.environment ?? []).filter((e) => e.name).map((e) => [e.name!, e.value ?? ''] as [string, string]));
  const secrets = kv((c?.secrets ?? []).filter((s) => s.name).map((s) => [s.name!, s.valueFrom ?? ''] as [string, string]));
  const lines = [
    `import { defineEnvironment } from './schema';`,
    ``,
    `/** Adopted by \`ecs-release init\` from ${tsString(`${a.clusterName}/${a.service.serviceName ?? ''}`)} (account ${a.accountId}). Review every TODO. */`,
    ...notes.map((n) => `// note: ${tsString(n)}`),
    `export default defineEnvironment({`,
    `  name: ${tsString(env.name)},`,
    `  project: ${tsString(env.project)},`,
    `  production: false, // TODO: true for a production account (stricter policy rules)`,
    `  accountId: ${tsString(a.accountId)},`,
    `  region: ${tsString(a.region)},`,
    `  terraformRoleArn: ${tsString(`arn:${partitionOf(a.region)}:iam::${a.accountId}:role/${env.project}-terraform`)}, // TODO: the role Terraform assumes (docs/bootstrap.md)`,
    `  state: { bucket: ${tsString(`${env.project}-terraform-state-${a.accountId}`)}, key: ${tsString(`${env.project}/${env.name}/terraform.tfstate`)}, region: ${tsString(a.region)} },`,
    `  // TODO: the stack creates its own VPC; the service's tasks move to its private subnets at the first apply.`,
    `  network: { vpcCidr: '10.20.0.0/16', availabilityZones: [${tsString(`${a.region}a`)}, ${tsString(`${a.region}b`)}], publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24'], privateSubnetCidrs: ['10.20.16.0/20', '10.20.32.0/20'], natGateways: 'single' },`,
    `  registry: { repositoryName: ${tsString(env.registry.repositoryName)}, keepImages: 50 },`,
    // Without a certificate the listener is plain HTTP; the schema refuses it world-open while secrets or Exec are on.
    `  loadBalancer: { deletionProtection: true, allowedIngressCidrs: ['203.0.113.0/24'] }, // TODO: your office/VPN range, or a certificateArn to serve TLS to everyone`,
    `  services: {`,
    `    ${tsString(service)}: {`,
    `      kind: 'web',`,
    `      cpu: ${FARGATE_CPU.has(cpu) ? cpu : 256},${FARGATE_CPU.has(cpu) ? '' : ` // TODO: ${tsString(String(td.cpu))} is no Fargate size`}`,
    `      memoryMiB: ${Number(td.memory ?? 512) || 512},`,
    `      containerName: ${tsString(env.services[service].containerName)},`,
    `      containerPort: ${port},`,
    `      bootstrapImage: ${tsString(c?.image ?? '')},`,
    `      desiredCount: ${a.service.desiredCount ?? 1},`,
    `      healthCheck: { path: ${tsString(health)} },`,
    `      deployment: {},`,
    `      environment: ${environment},`,
    `      secrets: ${secrets},`,
    `      enableExecuteCommand: ${a.service.enableExecuteCommand === true},`,
    `      readonlyRootFilesystem: ${c?.readonlyRootFilesystem === true},`,
    `    },`,
    `  },`,
    `  logRetentionDays: 30,`,
    `  ci: { infraRepository: 'example-org/infra', appRepositories: ['example-org/app'], githubEnvironment: ${tsString(env.name)} }, // TODO: your repositories`,
    `  tags: { Project: ${tsString(env.project)}, Environment: ${tsString(env.name)}, ManagedBy: 'terraform' },`,
    `});`,
  ];
  return `${lines.join('\n')}\n`;
}
