import { planHash } from '../../src/plan-comment/hash';
import { parseMarker } from '../../src/plan-comment/marker';
import { maskerFor } from '../../src/plan-comment/mask';
import { ownershipFor } from '../../src/plan-comment/ownership';
import type { ResourceChange } from '../../src/plan-comment/plan';
import { renderApplyResult, renderPlan, renderPlanFailure, type RenderOptions } from '../../src/plan-comment/render';
import { firstDifference, HOSTILE, shape, SPOOF } from '../helpers/hostile-markdown';
import { change, plan } from '../helpers/synthetic-plan';

/**
 * Every field of a plan (and of the other comments) that reaches the Markdown, fed each hostile string: the comment's
 * structure as a Markdown parser sees it is the structure with a harmless value. Harmless values are distinct strings
 * with nothing special in them, so the only differences allowed are inside code spans, code blocks and escaped HTML.
 */

const BENIGN = 'benign-value-1';
const dev: RenderOptions = { env: 'dev', ownership: ownershipFor('dev') };
const prod: RenderOptions = { env: 'prod', ownership: ownershipFor('prod') };

function rc(address: string, type: string, actions: ResourceChange['change']['actions'], before: unknown, after: unknown, extra: Partial<ResourceChange> = {}, changeExtra: Partial<ResourceChange['change']> = {}): ResourceChange {
  return { address, mode: 'managed', type, name: 'r', ...extra, change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {}, ...changeExtra } };
}

const containers = (image: string) => JSON.stringify([{ name: 'app', image, environment: [{ name: 'LOG_LEVEL', value: 'info' }] }]);

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
  'failed plan log': (v) => renderPlanFailure(`Error: ${v}\n${v}`, { env: 'dev' }),
  'apply log and refusal reason': (v) => renderApplyResult(`${v}\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.`, { env: 'dev', status: 'refused', reason: v, commit: v }),
};

export const tally = { tried: 0, refusedCleanly: 0, accepted: 0 };

describe('hostile strings in every field that reaches a comment', () => {
  const cases = Object.entries(FIELDS).flatMap(([field, render]) => HOSTILE.map((v, i) => [field, i, v, render] as const));

  test.each(cases)('%s, hostile string #%i: the structure is the one with a harmless value', (_field, _i, value, render) => {
    // GIVEN the comment with a harmless value in this field, and the same comment with the hostile one
    const benign = shape(render(BENIGN));
    // WHEN the hostile one is rendered and parsed as Markdown
    const markdown = render(value);
    tally.tried++;
    const hostile = shape(markdown);
    // THEN the blocks, the inline token types and every text outside code are the same, the details are balanced,
    // and the hidden marker is the first line, unchanged in kind and environment
    expect(firstDifference(hostile.outline, benign.outline)).toBeUndefined();
    expect(hostile.detailsOpen).toBe(hostile.detailsClose);
    expect(hostile.detailsOpen).toBe(benign.detailsOpen);
    const marker = parseMarker(markdown);
    expect(marker).toBeDefined();
    expect({ kind: marker!.kind, env: marker!.env }).toEqual((({ kind, env }) => ({ kind, env }))(parseMarker(render(BENIGN))!));
    tally.accepted++;
  });

  test('the issue\'s spoof renders as one code span: no Plan line, no mention, nothing hidden', () => {
    const md = FIELDS['image read from the release pointer (task definition note)'](SPOOF);
    expect(md).toContain('is registered with image ``x`\\u{000a}\\u{000a}**Plan: 0 to add, 0 to change, 0 to destroy.** ✅ cc @org/security-team\\u{000a}\\u{000a}<!--``');
    // Outside code, exactly one Plan line (the real one) and no mention.
    const text = shape(md).outline.filter((t) => /^\d+:text:/.test(t));
    expect(text.filter((t) => t.includes('Plan: '))).toEqual(['1:text:Plan: 1 to add, 0 to change, 0 to destroy.']);
    expect(text.filter((t) => t.includes('@'))).toEqual([]);
  });
});

describe('the environment name', () => {
  test.each(HOSTILE.map((v, i) => [i, v] as const))('hostile string #%i is refused in one line before anything is rendered', (_i, v) => {
    // The name is an identifier (a file in environments/), interpolated unmasked: it is validated, never escaped.
    tally.tried++;
    expect(() => renderPlan(plan([]), { env: v, ownership: ownershipFor('dev') })).toThrow(/^marker env: received .+; allowed: lower-case letters, digits and dashes$/);
    tally.refusedCleanly++;
  });
});

describe('masks never touch the marker, the fingerprint or the headings', () => {
  test('GIVEN value masks that match the marker, the environment and hex WHEN rendered THEN marker, heading and fingerprint are those of the unmasked comment', () => {
    const p = plan([change('aws_s3_bucket.b', ['update'], { acl: 'private-acl' }, { acl: 'public-acl' })]);
    const plain = renderPlan(p, { ...prod, headSha: 'c'.repeat(40) }).markdown;
    const masks = { values: ['prod', 'ecs-coexist', 'plan-sha256', '[0-9a-f]{6,}', 'Terraform plan', 'acl', 'Plan:'] };
    const masked = renderPlan(p, { ...prod, headSha: 'c'.repeat(40), masks }).markdown;
    // The fingerprint covers masked values (it is published), so it is the masked plan's: but the marker and footer
    // carry it whole, exactly as `plan-comment hash` with the same masks computes it.
    const expected = planHash(p, maskerFor(p, masks));
    expect(masked.split('\n')[0]).toBe(`<!-- ecs-coexist:plan-comment env=prod plan-sha256=${expected} head=${'c'.repeat(40)} -->`);
    expect(masked).toContain(`plan fingerprint \`${expected.slice(0, 12)}\``);
    expect(masked.split('\n').slice(1, 4)).toEqual(plain.split('\n').slice(1, 4));
    expect(masked).toContain('- `aws_s3_bucket.b`: `***`');
  });

  test('GIVEN a sensitive value equal to the environment name WHEN rendered THEN the marker still names the environment', () => {
    const p = plan([change('aws_db_instance.db', ['update'], { password: 'prod', engine: 'a' }, { password: 'prod', engine: 'b' }, { change: { before_sensitive: { password: true }, after_sensitive: { password: true } } })]);
    const md = renderPlan(p, prod).markdown;
    expect(parseMarker(md)).toMatchObject({ kind: 'plan-comment', env: 'prod' });
    expect(md.split('\n')[1]).toBe('### 📝 Terraform plan for `prod`: changes');
  });
});

describe('secrets Terraform does not mark sensitive are found by value and by key', () => {
  const SECRETS: Record<string, string> = {
    'AWS access key id': 'AKIAIOSFODNN7EXAMPLE',
    'GitHub token': 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
    'GitHub fine-grained token': 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
    'Slack token': 'xoxb-123456789012-abcdefghijklmnop',
    JWT: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'private key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  };
  test.each(Object.entries(SECRETS))('%s in a container environment variable with an innocent name is masked', (_name, secret) => {
    const p = plan([change('aws_ecs_task_definition.t', ['update'], { container_definitions: JSON.stringify([{ name: 'app', environment: [{ name: 'SETTING', value: 'old' }] }]) }, { container_definitions: JSON.stringify([{ name: 'app', environment: [{ name: 'SETTING', value: secret }] }]) })]);
    const md = renderPlan(p, dev).markdown;
    expect(md).not.toContain(secret.split('\n')[0].slice(-12));
    expect(md).toContain('(sensitive value)');
  });

  test.each([
    ['DB_PASSWORD', 'Tr0ub4dor&3-horse'],
    ['DB_PASSWORD_PROD', 'c0rrect-h0rse-battery'],
    ['STRIPE_API_KEY', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    ['AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ])('a high-entropy value under %s is masked, in the JSON-encoded container definitions and wherever else it appears', (key, secret) => {
    const defs = (v: string) => JSON.stringify([{ name: 'app', environment: [{ name: key, value: v }] }]);
    const p = plan([
      change('aws_ecs_task_definition.t', ['update'], { container_definitions: defs('placeholder-old') }, { container_definitions: defs(secret) }),
      change('terraform_data.copy', ['update'], { output: 'x' }, { output: `copied ${secret}` }),
    ]);
    const md = renderPlan(p, dev).markdown;
    expect(md).not.toContain(secret);
  });

  test('a DSN with a password shows everything but the password', () => {
    const md = renderPlan(plan([change('aws_ssm_parameter.p', ['update'], { insecure_value: 'a' }, { insecure_value: 'postgres://app:s3cr3tPassw0rd@db.internal:5432/app' })]), dev).markdown;
    expect(md).not.toContain('s3cr3tPassw0rd');
    expect(md).toContain('postgres://app:(sensitive value)@db.internal:5432/app');
  });

  test('ordinary values under secret-looking keys that are references stay visible', () => {
    const md = renderPlan(plan([change('terraform_data.t', ['update'], { input: { db_password_arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf' } }, { input: { db_password_arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-GhIjKl' } })]), dev).markdown;
    expect(md).toContain('secret:db-GhIjKl');
  });
});

afterAll(() => {
  process.stdout.write(`hostile strings (plan-comment): tried ${tally.tried}, refused cleanly ${tally.refusedCleanly}, accepted with the structure unchanged ${tally.accepted}\n`);
});
