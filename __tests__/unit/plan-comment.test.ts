import { changedLeaves, formatPath } from '../../src/plan-comment/attributes';
import { planHash } from '../../src/plan-comment/hash';
import { formatMarker, parseMarker } from '../../src/plan-comment/marker';
import { Masker, maskerFor } from '../../src/plan-comment/mask';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { parsePlan, PlanInputError } from '../../src/plan-comment/plan';
import { renderApplyResult, renderPlan, renderPlanFailure, runUrlFromEnv } from '../../src/plan-comment/render';
import { summarize } from '../../src/plan-comment/summary';
import { change, manyCreates, plan } from '../helpers/synthetic-plan';

const dev = { env: 'dev', ownership: ownershipFor('dev') };

describe('counting like Terraform 1.11', () => {
  test('replacements count once to add and once to destroy; imports lead; moves, forgets, reads and data deletes do not count', () => {
    const p = plan([
      change('aws_s3_bucket.new', ['create'], null, { bucket: 'x' }),
      change('aws_s3_bucket.upd', ['update'], { acl: 'a' }, { acl: 'b' }),
      change('aws_s3_bucket.rep1', ['delete', 'create'], { bucket: 'a' }, { bucket: 'b' }),
      change('aws_s3_bucket.rep2', ['create', 'delete'], { bucket: 'a' }, { bucket: 'b' }),
      change('aws_s3_bucket.gone', ['delete'], { bucket: 'a' }, null),
      change('aws_s3_bucket.kept', ['forget'], { bucket: 'a' }, null),
      change('aws_s3_bucket.moved', ['no-op'], { bucket: 'a' }, { bucket: 'a' }, { previous_address: 'aws_s3_bucket.old' }),
      change('aws_s3_bucket.imp', ['no-op'], { bucket: 'a' }, { bucket: 'a' }, { change: { importing: { id: 'a' } } }),
      change('aws_s3_bucket.same', ['no-op'], { bucket: 'a' }, { bucket: 'a' }),
      change('data.aws_caller_identity.me', ['read'], null, {}),
      change('data.aws_region.old', ['delete'], {}, null),
    ]);
    const s = summarize(p);
    expect(s.planLine).toBe('Plan: 1 to import, 3 to add, 1 to change, 3 to destroy.');
    expect(s.entries.map((e) => e.rc.address)).not.toContain('aws_s3_bucket.same');
    expect(s.entries.map((e) => e.rc.address)).not.toContain('data.aws_region.old');
  });

  test('a plan of moves only still prints a Plan line with zero counts, as Terraform does', () => {
    const s = summarize(plan([change('aws_s3_bucket.b', ['no-op'], {}, {}, { previous_address: 'aws_s3_bucket.a' })]));
    expect(s.planLine).toBe('Plan: 0 to add, 0 to change, 0 to destroy.');
    expect(s.hasChanges).toBe(true);
  });

  test('output changes alone are changes without a Plan line', () => {
    const s = summarize(plan([], { output_changes: { url: { actions: ['update'], before: 'a', after: 'b' } } }));
    expect(s.planLine).toBeUndefined();
    expect(s.hasChanges).toBe(true);
    expect(renderPlan(plan([], { output_changes: { url: { actions: ['update'], before: 'a', after: 'b' } } }), dev).markdown).toContain('**No resource changes: only outputs change.**');
  });
});

describe('changed attributes', () => {
  test('JSON documents in strings are compared field by field; unchanged fields stay out', () => {
    const policy = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    const leaves = changedLeaves({ before: { policy: policy('s3:GetObject') }, after: { policy: policy('s3:PutObject') } });
    expect(leaves.map((l) => formatPath(l.path))).toEqual(['policy.Statement[0].Action']);
  });

  test('sensitive subtrees report a change but carry no value out', () => {
    const leaves = changedLeaves({ before: { db: { password: 'old-secret', user: 'u' } }, after: { db: { password: 'new-secret', user: 'u' } }, before_sensitive: { db: { password: true } }, after_sensitive: { db: { password: true } } });
    expect(leaves).toEqual([{ path: ['db', 'password'], before: { kind: 'sensitive' }, after: { kind: 'sensitive' }, sensitive: true, forcesReplacement: false }]);
  });

  test('replace_paths mark the leaves below them', () => {
    const leaves = changedLeaves({ before: { cpu: '256', memory: '512' }, after: { cpu: '512', memory: '1024' }, replace_paths: [['cpu']] });
    expect(leaves.map((l) => [formatPath(l.path), l.forcesReplacement])).toEqual([['cpu', true], ['memory', false]]);
  });

  test('paths read like HCL', () => {
    expect(formatPath(['tags', 'ecs-coexist:owner'])).toBe('tags["ecs-coexist:owner"]');
    expect(formatPath(['ingress', 0, 'from_port'])).toBe('ingress[0].from_port');
  });
});

describe('masks', () => {
  test('attribute globs hide a path and everything below it, optionally for one resource type', () => {
    const m = new Masker({ attributes: ['*password*', 'aws_ecs_task_definition:container_definitions[*].environment'] });
    expect(m.masksPath('terraform_data', 'input.db_password')).toBe(true);
    expect(m.masksPath('aws_ecs_task_definition', 'container_definitions[0].environment[1].value')).toBe(true);
    expect(m.masksPath('terraform_data', 'container_definitions[0].environment[1].value')).toBe(false);
    expect(m.masksPath('terraform_data', 'input.user')).toBe(false);
  });

  test('values found at masked paths are scrubbed wherever else they appear', () => {
    const p = plan([change('terraform_data.t', ['update'], { input: { api_token: 'tok-12345' }, output: { api_token: 'tok-12345' } }, { input: { api_token: 'tok-67890' } }, { change: { after_unknown: { output: true } } })]);
    const md = renderPlan(p, { ...dev, masks: { attributes: ['*api_token*'] } }).markdown;
    expect(md).not.toMatch(/tok-\d+/);
  });

  test('a mask that matches the empty string is refused (it would blank the whole comment)', () => {
    expect(() => new Masker({ values: ['x*'] })).toThrow('masks.values[0]: received "x*"; allowed: a regular expression that cannot match the empty string');
  });

  test('secret literals are scrubbed from failure logs too', () => {
    const md = renderPlanFailure('Error: connecting with password hunter22: denied', { env: 'dev', secrets: ['hunter22'], masks: { values: ['denied'] } });
    expect(md).not.toContain('hunter22');
    expect(md).toContain('password (sensitive value): ***');
  });
});

describe('the plan fingerprint', () => {
  const taskDef = (image: string, cpu: string) => change('aws_ecs_task_definition.task', ['delete', 'create'],
    { cpu: '256', container_definitions: JSON.stringify([{ name: 'app', image: 'bootstrap:1' }]) },
    { cpu, container_definitions: JSON.stringify([{ name: 'app', image }]) },
    { change: { replace_paths: [['cpu']] } });

  test('does not depend on the image the release CLI put in the release pointer', () => {
    const m = new Masker();
    expect(planHash(plan([taskDef('repo@sha256:aaa', '512')]), m)).toBe(planHash(plan([taskDef('repo@sha256:bbb', '512')]), m));
  });

  test('depends on every other changed attribute', () => {
    const m = new Masker();
    expect(planHash(plan([taskDef('repo@sha256:aaa', '512')]), m)).not.toBe(planHash(plan([taskDef('repo@sha256:aaa', '1024')]), m));
  });

  test('never contains a secret: sensitive values enter only as "changed"', () => {
    const p = (pw: string) => plan([change('aws_db_instance.db', ['update'], { password: 'a' }, { password: pw }, { change: { before_sensitive: { password: true }, after_sensitive: { password: true } } })]);
    expect(planHash(p('one'), maskerFor(p('one')))).toBe(planHash(p('two'), maskerFor(p('two'))));
  });
});

describe('markers', () => {
  test('round-trip, and only at the very start of a comment', () => {
    const m = formatMarker({ kind: 'plan-comment', env: 'prod', planSha256: 'a'.repeat(64) });
    expect(parseMarker(`${m}\nbody`)).toEqual({ kind: 'plan-comment', env: 'prod', planSha256: 'a'.repeat(64), status: undefined });
    expect(parseMarker(`> ${m}\nquoted`)).toBeUndefined();
    expect(parseMarker(`text\n${m}`)).toBeUndefined();
  });
});

describe('size limit', () => {
  test('a tighter limit trims details first and keeps the summary', () => {
    const r = renderPlan(manyCreates(200), { ...dev, maxLength: 4_000, runUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(r.markdown.length).toBeLessThanOrEqual(4_000);
    expect(r.markdown).toContain('**Plan: 200 to add, 0 to change, 0 to destroy.**');
    expect(r.markdown).toContain('**➕ Create (200, by resource type)**\n- 200 × `aws_ssm_parameter`');
    expect(r.markdown).toMatch(/Trimmed to fit GitHub's 4,000-character comment limit: details of 19\d of 200 resources left out; \*\*Create\*\* listed by resource type\. The full plan is in the \[workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)\./);
    // The details that fit are kept: the first resources, whole.
    expect(r.markdown).toContain('<details><summary>➕ create <code>aws_ssm_parameter.p[0]</code></summary>');
  });

  test('renders 3,000 resources within a second', () => {
    const p = manyCreates(3000);
    const started = process.hrtime.bigint();
    const r = renderPlan(p, dev);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(1000);
    expect(r.markdown.length).toBeLessThanOrEqual(65_536);
  });
});

describe('inputs', () => {
  test('format_version must be present and 1.x', () => {
    expect(() => parsePlan('{"planned_values": {}}')).toThrow(new PlanInputError('plan-json: format_version', 'nothing', '"1.x"'));
  });

  test('a plan Terraform marked errored is a failed plan, without a fingerprint', () => {
    const r = renderPlan(plan([change('aws_s3_bucket.b', ['create'], null, {})], { errored: true }), dev);
    expect(r.status).toBe('failed');
    expect(r.markdown).toMatch(/^<!-- ecs-coexist:plan-comment env=dev status=failed -->\n### ❌ Terraform plan for `dev` failed/);
    expect(r.markdown).not.toContain('plan-sha256');
  });

  test('the workflow run link is built from the Actions environment', () => {
    expect(runUrlFromEnv({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '2' })).toBe('https://github.com/o/r/actions/runs/9/attempts/2');
    expect(runUrlFromEnv({})).toBeUndefined();
  });

  test('apply results say refused, failed or applied', () => {
    expect(renderApplyResult('', { env: 'dev', status: 'refused', reason: 'Refusing to apply: x.' })).toContain('### 🛑 Apply to `dev` refused\n\nRefusing to apply: x.');
    expect(renderApplyResult('Error: y', { env: 'dev', status: 'failure' })).toContain('### ❌ Apply to `dev` failed');
  });
});
