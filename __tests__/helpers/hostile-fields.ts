import { ownershipFor } from '../../src/plan-comment/ownership';
import type { ResourceChange } from '../../src/plan-comment/plan';
import { renderApplyResult, renderPlan, renderPlanFailure, type RenderOptions } from '../../src/plan-comment/render';
import { plan } from './synthetic-plan';

/**
 * Every field of a plan (and of the other comments) that reaches the Markdown: each entry renders a comment with the
 * given string in that field. The hostile-string suite (plan-comment-input.test.ts) feeds each the corpus and compares
 * the structure with that of BENIGN, a distinct string with nothing special in it.
 */

export const BENIGN = 'benign-value-1';
export const dev: RenderOptions = { env: 'dev', ownership: ownershipFor('dev') };
export const prod: RenderOptions = { env: 'prod', ownership: ownershipFor('prod') };

export function rc(address: string, type: string, actions: ResourceChange['change']['actions'], before: unknown, after: unknown, extra: Partial<ResourceChange> = {}, changeExtra: Partial<ResourceChange['change']> = {}): ResourceChange {
  return { address, mode: 'managed', type, name: 'r', ...extra, change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {}, ...changeExtra } };
}

const containers = (image: string) => JSON.stringify([{ name: 'app', image, environment: [{ name: 'LOG_LEVEL', value: 'info' }] }]);

const APP = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp@sha256:${'2'.repeat(64)}`;

/** A task definition of `service` (named as the stack names it) replaced through its container spec's trigger. */
function serviceTaskDefinition(service: string, before: object[], after: object[]): ResourceChange {
  const name = `services_${service}_task-definition_task_9F67DEC6`;
  return rc(`aws_ecs_task_definition.${name}`, 'aws_ecs_task_definition', ['create', 'delete'],
    { family: `webapp-dev-${service}`, skip_destroy: true, container_definitions: JSON.stringify(before) },
    { family: `webapp-dev-${service}`, skip_destroy: true, container_definitions: JSON.stringify(after) },
    { name, action_reason: 'replace_by_triggers' });
}

/** Each field that reaches a comment: the comment rendered with `v` in that field. */
export const FIELDS: Record<string, (v: string) => string> = {
  'image read from the release pointer (task definition note)': (v) => renderPlan(plan([rc('aws_ecs_task_definition.task', 'aws_ecs_task_definition', ['create'], null, { family: 'f', container_definitions: containers(v) })]), dev).markdown,
  'release pointer seed value': (v) => renderPlan(plan([rc('aws_ssm_parameter.release', 'aws_ssm_parameter', ['create'], null, { name: '/webapp/dev/web/release-image', insecure_value: v })]), dev).markdown,
  'release pointer name': (v) => renderPlan(plan([rc('aws_ssm_parameter.release', 'aws_ssm_parameter', ['update'], { name: `${v}/release-image`, insecure_value: 'a' }, { name: `${v}/release-image`, insecure_value: 'b' })]), dev).markdown,
  'import id': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['no-op'], { bucket: 'b' }, { bucket: 'b' }, {}, { importing: { id: v } })]), dev).markdown,
  'module address (destroy reason)': (v) => renderPlan(plan([rc('module.m.aws_s3_bucket.b', 'aws_s3_bucket', ['delete'], { bucket: 'b' }, null, { module_address: v, action_reason: 'delete_because_no_module' })]), dev).markdown,
  'for_each key (destroy reason)': (v) => renderPlan(plan([rc('aws_s3_bucket.b["k"]', 'aws_s3_bucket', ['delete'], { bucket: 'b' }, null, { index: v, action_reason: 'delete_because_each_key' })]), dev).markdown,
  'resource address': (v) => renderPlan(plan([rc(v, 'aws_s3_bucket', ['update'], { acl: 'a' }, { acl: 'b' })]), dev).markdown,
  'resource address (create, replace, destroy)': (v) => renderPlan(plan([rc(`${v}1`, 'aws_s3_bucket', ['create'], null, { acl: 'a' }), rc(`${v}2`, 'aws_s3_bucket', ['delete', 'create'], { acl: 'a' }, { acl: 'b' }, {}, { replace_paths: [['acl']] }), rc(`${v}3`, 'aws_s3_bucket', ['delete'], { acl: 'a' }, null)]), dev).markdown,
  'resource type': (v) => renderPlan(plan([rc('x.y', v, ['update'], { acl: 'a' }, { acl: 'b' })]), dev).markdown,
  'previous address (move)': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['no-op'], { acl: 'a' }, { acl: 'a' }, { previous_address: v })]), dev).markdown,
  'deposed key': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['delete'], { acl: 'a' }, null, { deposed: v })]), dev).markdown,
  'attribute name': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['update'], { tags: { [v]: 'a' } }, { tags: { [v]: 'b' } }), rc('aws_s3_bucket.c', 'aws_s3_bucket', ['update'], { [v]: 'a' }, { [v]: 'b' })]), dev).markdown,
  'attribute value': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['update'], { acl: 'a' }, { acl: v })]), dev).markdown,
  'replace path': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['delete', 'create'], { [v]: 'a' }, { [v]: 'b' }, {}, { replace_paths: [[v]] })]), dev).markdown,
  'drift value': (v) => renderPlan(plan([], { resource_drift: [rc('aws_ssm_parameter.p', 'aws_ssm_parameter', ['update'], { name: 'n', value: 'a' }, { name: 'n', value: v })] }), dev).markdown,
  'drift address': (v) => renderPlan(plan([], { resource_drift: [rc(v, 'aws_ssm_parameter', ['update'], { name: 'n', value: 'a' }, { name: 'n', value: 'b' })] }), dev).markdown,
  'output name and value': (v) => renderPlan(plan([], { output_changes: { [v]: { actions: ['update'], before: 'a', after: v } } }), dev).markdown,
  'check failure message': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['update'], { acl: 'a' }, { acl: 'b' })], { checks: [{ address: { to_display: v }, status: 'fail', instances: [{ problems: [{ message: v }] }] }] }), dev).markdown,
  'objects no longer managed (removed block)': (v) => renderPlan(plan([rc(v, 'aws_s3_bucket', ['forget'], { acl: 'a' }, null)]), dev).markdown,
  'terraform version': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['update'], { acl: 'a' }, { acl: 'b' })], { terraform_version: v }), dev).markdown,
  'workflow run URL': (v) => renderPlan(plan([rc('aws_s3_bucket.b', 'aws_s3_bucket', ['update'], { acl: 'a' }, { acl: 'b' })]), { ...dev, runUrl: v }).markdown,
  'CI role name': (v) => renderPlan(plan([rc('aws_iam_role_policy.p', 'aws_iam_role_policy', ['update'], { role: `${v}-ci-deploy`, policy: 'a' }, { role: `${v}-ci-deploy`, policy: 'b' })]), dev).markdown,
  'CodeDeploy deployment group name': (v) => renderPlan(plan([rc('aws_codedeploy_deployment_group.g', 'aws_codedeploy_deployment_group', ['update'], { deployment_group_name: v, x: 1 }, { deployment_group_name: v, x: 2 })]), prod).markdown,
  'refresh-only drift': (v) => renderPlan(plan([], { resource_changes: undefined, refresh_only: true, resource_drift: [rc(v, 'aws_ssm_parameter', ['update'], { value: 'a' }, { value: v })] }), dev).markdown,
  // The per-service notes (issue 11): a task definition the configuration attributes to a service by its logical id.
  'sidecar name and image (per-service task definition note)': (v) => renderPlan(plan([serviceTaskDefinition('web', [{ name: 'app', image: APP }, { name: v, image: 'old' }], [{ name: 'app', image: APP }, { name: v, image: v }])]), dev).markdown,
  'application image (per-service task definition note)': (v) => renderPlan(plan([serviceTaskDefinition('worker', [{ name: 'app', image: APP }], [{ name: 'app', image: v }])]), dev).markdown,
  'container setting name (per-service container spec)': (v) => renderPlan(plan([
    serviceTaskDefinition('worker', [{ name: 'app', image: APP }], [{ name: 'app', image: APP }]),
    rc('terraform_data.services_worker_task-definition_container-spec_7F895F86', 'terraform_data', ['update'], { input: { environment: { [v]: 'a' } } }, { input: { environment: { [v]: 'b' } } }, { name: 'services_worker_task-definition_container-spec_7F895F86' }),
  ]), dev).markdown,
  'failed plan log': (v) => renderPlanFailure(`Error: ${v}\n${v}`, { env: 'dev' }),
  'apply log and refusal reason': (v) => renderApplyResult(`${v}\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.`, { env: 'dev', status: 'refused', reason: v, commit: v }),
};

