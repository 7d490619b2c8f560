import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { ReleaseError } from './errors';
import { parseImage, resolveDigest } from './image';
import type { Target } from './target';
import { partitionOf } from '../../contracts/partition';

/** One verify check: `fail` makes the command exit 1; `warn` is said and does not. */
export interface Check {
  readonly check: 'image' | 'role' | 'secret' | 'log-group';
  readonly subject: string;
  readonly status: 'pass' | 'fail' | 'warn';
  readonly detail: string;
}

const ECS_TASKS = 'ecs-tasks.amazonaws.com';

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: { Service?: string | string[] } | string;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's `*` and `?` wildcards (case-insensitive for actions). */
export function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
  return re.test(value);
}

/** True when the trust policy lets ECS tasks assume the role (an Allow of sts:AssumeRole to ecs-tasks.amazonaws.com). */
export function trustsEcsTasks(document: string | undefined): boolean {
  if (!document) return false;
  let parsed: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    parsed = JSON.parse(decodeURIComponent(document));
  } catch {
    return false;
  }
  return list(parsed.Statement).some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => wildcard(a, 'sts:AssumeRole', true)) &&
      typeof s.Principal === 'object' &&
      list(s.Principal.Service).includes(ECS_TASKS),
  );
}

/** The statement of `documents` that allows `action` on `resource` (no Deny, no conditions evaluated), if any. */
export function allowingStatement(documents: readonly { name: string; document: string }[], action: string, resource: string): string | undefined {
  for (const { name, document } of documents) {
    let parsed: { Statement?: PolicyStatement | PolicyStatement[] };
    try {
      parsed = JSON.parse(decodeURIComponent(document));
    } catch {
      continue;
    }
    const hit = list(parsed.Statement).some((s) => s.Effect === 'Allow' && list(s.Action).some((a) => wildcard(a, action, true)) && list(s.Resource).some((r) => wildcard(r, resource)));
    if (hit) return name;
  }
  return undefined;
}

/** The role name of a role ARN (the last path segment). */
export const roleName = (arn: string) => arn.split('/').pop() ?? arn;

/** `arn:aws:secretsmanager:...:secret:name-AbCdEf[:json-key:version-stage:version-id]` without the suffixes. */
export function secretArn(valueFrom: string): string {
  return valueFrom.split(':').slice(0, 7).join(':');
}

/** The image check: the reference exists in the environment's registry (one DescribeImages). */
export async function checkImage(target: Target, image: string | undefined): Promise<Check> {
  if (!image) return { check: 'image', subject: '(none)', status: 'fail', detail: 'no image to check' };
  const ref = parseImage(image);
  if (!ref || ref.repositoryUri !== target.descriptor.repositoryUrl) {
    return { check: 'image', subject: image, status: 'warn', detail: `not in ${target.descriptor.repositoryUrl} (the bootstrap image?): not checked; a deploy ships an image of that repository` };
  }
  try {
    const digest = await resolveDigest(target, ref);
    return { check: 'image', subject: image, status: 'pass', detail: `exists (${digest})` };
  } catch (e) {
    if (e instanceof ReleaseError) return { check: 'image', subject: image, status: 'fail', detail: e.message.replace(/^--image: /, '') };
    throw e;
  }
}

/** Each role exists and trusts ECS tasks (GetRole: the trust policy comes with it). */
export async function checkRole(target: Target, kind: 'execution role' | 'task role', arn: string | undefined): Promise<Check> {
  if (!arn) return { check: 'role', subject: kind, status: kind === 'task role' ? 'warn' : 'fail', detail: 'the revision names none' };
  try {
    const role = (await target.clients.iam.send(new GetRoleCommand({ RoleName: roleName(arn) }))).Role;
    if (role?.Arn && role.Arn !== arn) return { check: 'role', subject: `${kind} ${arn}`, status: 'fail', detail: `a role of that name exists as ${role.Arn}, not at the revision's ARN` };
    return trustsEcsTasks(role?.AssumeRolePolicyDocument)
      ? { check: 'role', subject: `${kind} ${arn}`, status: 'pass', detail: `exists and trusts ${ECS_TASKS}` }
      : { check: 'role', subject: `${kind} ${arn}`, status: 'fail', detail: `exists but its trust policy does not let ${ECS_TASKS} assume it: tasks would fail to start` };
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntityException' || (e as Error).name === 'NoSuchEntity') return { check: 'role', subject: `${kind} ${arn}`, status: 'fail', detail: 'does not exist' };
    throw e;
  }
}

/** The execution role's inline policies (name and document), and how many managed policies are attached. */
export async function executionPolicies(target: Target, arn: string): Promise<{ inline: { name: string; document: string }[]; attached: number }> {
  const name = roleName(arn);
  const names = (await target.clients.iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  const inline: { name: string; document: string }[] = [];
  for (const policy of names) {
    const r = await target.clients.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }));
    inline.push({ name: policy, document: r.PolicyDocument ?? '' });
  }
  const attached = (await target.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies?.length ?? 0;
  return { inline, attached };
}

/**
 * A secret the container references: it exists (SSM DescribeParameters or Secrets Manager DescribeSecret: metadata,
 * never the value) and the execution role's inline policies allow ECS to read it (ssm:GetParameters or
 * secretsmanager:GetSecretValue on its ARN). Managed policies are not evaluated: a grant only there is a warning.
 */
export async function checkSecret(target: Target, variable: string, valueFrom: string, policies: { inline: { name: string; document: string }[]; attached: number } | undefined): Promise<Check> {
  const subject = `secret ${variable}`;
  const { region, accountId } = target.env;
  const isSecretsManager = valueFrom.startsWith('arn:') && valueFrom.split(':')[2] === 'secretsmanager';
  let arn: string;
  if (isSecretsManager) {
    arn = secretArn(valueFrom);
    try {
      await target.clients.secretsmanager.send(new DescribeSecretCommand({ SecretId: arn }));
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return { check: 'secret', subject, status: 'fail', detail: `${arn} does not exist` };
      throw e;
    }
  } else {
    const name = valueFrom.startsWith('arn:') ? valueFrom.slice(valueFrom.indexOf(':parameter') + ':parameter'.length) : valueFrom.startsWith('/') ? valueFrom : `/${valueFrom}`;
    arn = valueFrom.startsWith('arn:') ? valueFrom : `arn:${partitionOf(region)}:ssm:${region}:${accountId}:parameter${name}`;
    const found = await target.clients.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
    if ((found.Parameters ?? []).length === 0) return { check: 'secret', subject, status: 'fail', detail: `SSM parameter ${name} does not exist (create it: docs/bootstrap.md)` };
  }
  if (!policies) return { check: 'secret', subject, status: 'fail', detail: `${arn} exists, but the revision names no execution role to read it` };
  const action = isSecretsManager ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameters';
  const by = allowingStatement(policies.inline, action, arn);
  if (by) return { check: 'secret', subject, status: 'pass', detail: `exists; the execution role may read it (${action}, inline policy ${by})` };
  return policies.attached > 0
    ? { check: 'secret', subject, status: 'warn', detail: `exists; no inline policy of the execution role allows ${action} on it, and its ${policies.attached} managed policies are not evaluated` }
    : { check: 'secret', subject, status: 'fail', detail: `exists, but the execution role may not read it (no ${action} on ${arn}): tasks would fail to start` };
}

/** The awslogs group of the container exists (FilterLogEvents, limit 1: the deploy role's existing log read). */
export async function checkLogGroup(target: Target, definition: TaskDefinition, container: string): Promise<Check> {
  const options = definition.containerDefinitions?.find((c) => c.name === container)?.logConfiguration;
  const group = options?.logDriver === 'awslogs' ? options.options?.['awslogs-group'] : undefined;
  if (!group) return { check: 'log-group', subject: container, status: 'warn', detail: 'no awslogs log group configured: the container\'s output is not kept' };
  try {
    await target.clients.logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 1 }));
    return { check: 'log-group', subject: group, status: 'pass', detail: 'exists' };
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return { check: 'log-group', subject: group, status: 'fail', detail: 'does not exist: tasks would fail to start (awslogs-create-group is not set)' };
    throw e;
  }
}
