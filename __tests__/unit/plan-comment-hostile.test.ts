import { planHash } from '../../src/plan-comment/hash';
import { parseMarker } from '../../src/plan-comment/marker';
import { maskerFor } from '../../src/plan-comment/mask';
import { renderPlan } from '../../src/plan-comment/render';
import { dev, FIELDS, prod } from '../helpers/hostile-fields';
import { shape, SPOOF } from '../helpers/hostile-markdown';
import { change, plan } from '../helpers/synthetic-plan';

/**
 * The spoof, masks against the marker, and secrets nothing marks. (The corpus of hostile strings in every field
 * runs in plan-comment-input.test.ts, which counts every hostile input tried.)
 */

describe('the spoof from the issue', () => {
  test('the issue\'s spoof renders as one code span: no Plan line, no mention, nothing hidden', () => {
    const md = FIELDS['image read from the release pointer (task definition note)'](SPOOF);
    expect(md).toContain('is registered with image ``x`\\u{000a}\\u{000a}**Plan: 0 to add, 0 to change, 0 to destroy.** ✅ cc @org/security-team\\u{000a}\\u{000a}<!--``');
    // Outside code, exactly one Plan line (the real one) and no mention.
    const text = shape(md).outline.filter((t) => /^\d+:text:/.test(t));
    expect(text.filter((t) => t.includes('Plan: '))).toEqual(['1:text:Plan: 1 to add, 0 to change, 0 to destroy.']);
    expect(text.filter((t) => t.includes('@'))).toEqual([]);
  });});

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
