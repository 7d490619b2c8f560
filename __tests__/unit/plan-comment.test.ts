import { CODEDEPLOY_OWNED_LISTENER_PATHS } from '../../modules/load-balancer';
import { frameworkCli } from '../../src/framework';
import { changedLeaves, formatPath } from '../../src/plan-comment/attributes';
import { CODEDEPLOY_LISTENER_PATHS } from '../../src/plan-comment/ecs';
import { planHash } from '../../src/plan-comment/hash';
import { formatMarker, parseMarker } from '../../src/plan-comment/marker';
import { Masker, maskerFor } from '../../src/plan-comment/mask';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { parsePlan, PlanInputError } from '../../src/plan-comment/plan';
import { renderApplyResult, renderPlan, renderPlanFailure, runUrlFromEnv } from '../../src/plan-comment/render';
import { reviewDifference } from '../../src/plan-comment/review';
import { summarize } from '../../src/plan-comment/summary';
import { change, manyCreates, plan } from '../helpers/synthetic-plan';

const dev = { env: 'dev', ownership: ownershipFor('dev') };
const prod = { env: 'prod', ownership: ownershipFor('prod') };

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
  test('the head commit the plan was made for round-trips; anything but a full SHA is refused', () => {
    const m = formatMarker({ kind: 'plan-comment', env: 'dev', planSha256: 'a'.repeat(64), head: 'b'.repeat(40) });
    expect(m).toBe(`<!-- ecs-coexist:plan-comment env=dev plan-sha256=${'a'.repeat(64)} head=${'b'.repeat(40)} -->`);
    expect(parseMarker(m)?.head).toBe('b'.repeat(40));
    expect(() => formatMarker({ kind: 'plan-comment', env: 'dev', head: 'main' })).toThrow('marker head: received "main"');
    expect(renderPlan(plan([change('aws_s3_bucket.b', ['create'], null, {})]), { ...dev, headSha: 'c'.repeat(40) }).markdown).toMatch(new RegExp(`^<!-- ecs-coexist:plan-comment env=dev plan-sha256=[0-9a-f]{64} head=${'c'.repeat(40)} -->`));
  });

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
    expect(r.markdown).toMatch(/Trimmed to fit GitHub's 4,000-character comment limit: details of 19\d of 200 resources left out; \*\*Create\*\* listed by resource type\. Everything left out is in the `plan-dev` artifact of the \[workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\): this comment untrimmed, masked the same way\./);
    // The details that fit are kept: the first resources, whole.
    expect(r.markdown).toContain('<details><summary>➕ create <code>aws_ssm_parameter.p[0]</code></summary>');
  });

  test('when even the shortened lists do not fit, the notice says the lists were left out', () => {
    // GIVEN a limit that the head and the caution block nearly fill, and 30 resource types destroyed
    const p = plan(Array.from({ length: 30 }, (_, i) => change(`aws_resource_type_with_a_rather_long_name_${i}.r`, ['delete'], { id: `x${i}` }, null)));
    // WHEN rendered
    const r = renderPlan(p, { ...dev, maxLength: 2_000, runUrl: 'https://github.com/o/r/actions/runs/1' });
    // THEN it fits, keeps the summary and the caution block, and says what went missing instead of looking empty
    expect(r.markdown.length).toBeLessThanOrEqual(2_000);
    expect(r.trimmed.listsOmitted).toBe(true);
    expect(r.markdown).toContain('**Plan: 0 to add, 0 to change, 30 to destroy.**');
    expect(r.markdown).toContain('> **This plan destroys 30 resources.**');
    expect(r.markdown).not.toContain('#### Changes');
    expect(r.markdown).toContain('Trimmed to fit GitHub\'s 2,000-character comment limit: **the resource lists left out**');
  });

  test('3,000 resources render under the limit (the time is a bench figure: npm run bench, plan-comment scale)', () => {
    const r = renderPlan(manyCreates(3000), dev);
    expect(r.markdown.length).toBeLessThanOrEqual(65_536);
    expect(r.markdown).toContain('**Plan: 3000 to add, 0 to change, 0 to destroy.**');
  });
});

describe('drift without changes', () => {
  test('a plan with no changes still shows what changed outside of Terraform, under the one line', () => {
    // GIVEN a plan without changes whose refresh found a parameter changed by hand and the release pointer moved
    const p = plan([], {
      resource_drift: [
        change('aws_ssm_parameter.flags', ['update'], { name: '/webapp/dev/web/flags', value: 'a=1' }, { name: '/webapp/dev/web/flags', value: 'a=2' }),
        change('aws_ssm_parameter.release', ['update'], { name: '/webapp/dev/web/release-image', insecure_value: 'img@sha256:1' }, { name: '/webapp/dev/web/release-image', insecure_value: 'img@sha256:2' }),
      ],
    });
    // WHEN rendered
    const r = renderPlan(p, dev);
    // THEN it is still "no changes", and the drift section lists both, the pointer as expected
    expect(r.status).toBe('no-changes');
    expect(r.markdown).toContain('✅ **Terraform plan for `dev`: no changes.** Infrastructure matches the configuration.');
    expect(r.markdown).toContain('#### Changed outside of Terraform (drift)');
    expect(r.markdown).toContain('- `aws_ssm_parameter.flags`: `value`');
    expect(r.markdown).toContain('- `aws_ssm_parameter.release`: `insecure_value` (expected: written by `ecs-release deploy`, ignored by Terraform)');
    expect(r.markdown).toContain('- value = "a=1"\n+ value = "a=2"');
    expect(r.markdown).not.toContain('#### Changes');
  });

  test('without drift, no changes is still the one line', () => {
    const lines = renderPlan(plan([]), dev).markdown.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('✅ **Terraform plan for `dev`: no changes.** Infrastructure matches the configuration.');
  });
});

describe('changes to the CI roles', () => {
  const deployPolicy = (doc: string) => ({ name: 'webapp-dev-ci-deploy', role: 'webapp-dev-ci-deploy', policy: doc });
  test('GIVEN a plan that widens the deploy role WHEN rendered THEN a caution says the CI apply role may not, and what to run instead', () => {
    const p = plan([change('aws_iam_role_policy.ci_deploy_policy', ['update'], deployPolicy('{"old":1}'), deployPolicy('{"new":1}'))]);
    const r = renderPlan(p, dev);
    expect(r.markdown).toContain('> [!CAUTION]');
    expect(r.markdown).toContain('`aws_iam_role_policy.ci_deploy_policy` changes the CI role `webapp-dev-ci-deploy`, which the CI apply role may not change');
    // The command of the installed framework (cdktf, or cdktn in the CDK Terrain row).
    expect(r.markdown).toContain(`\`${frameworkCli()} apply dev\``);
  });

  test('GIVEN a change to the service\'s own task role WHEN rendered THEN no CI-role caution', () => {
    const task = { name: 'webapp-dev-web-task', role: 'webapp-dev-web-task', policy: '{}' };
    const r = renderPlan(plan([change('aws_iam_role_policy.task', ['update'], task, { ...task, policy: '{"a":1}' })]), dev);
    expect(r.markdown).not.toContain('changes the CI role');
  });
});

describe('blue/green: what CodeDeploy owns', () => {
  const BLUE = 'arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/webapp-prod-web/1';
  const GREEN = 'arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/webapp-prod-web-g/2';
  const PROD_LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener/app/webapp-prod/1/443';
  const forward = (tg: string, extra: Record<string, unknown> = {}) => ({ arn: PROD_LISTENER, port: 443, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', default_action: [{ type: 'forward', target_group_arn: tg, forward: [] }], ...extra });
  const listener = (actions: ('update' | 'create' | 'delete')[], before: unknown, after: unknown) => change('aws_lb_listener.production', actions, before, after);
  const group = (actions: ('no-op' | 'update' | 'create' | 'delete')[] = ['no-op'], before: unknown = groupValue(), after: unknown = groupValue()) => change('aws_codedeploy_deployment_group.group', actions, before, after);
  function groupValue(extra: Record<string, unknown> = {}) {
    return {
      deployment_group_name: 'webapp-prod-web',
      load_balancer_info: [{ target_group_pair_info: [{ prod_traffic_route: [{ listener_arns: [PROD_LISTENER] }], test_traffic_route: [{ listener_arns: ['arn:test'] }], target_group: [{ name: 'webapp-prod-web' }, { name: 'webapp-prod-web-g' }] }] }],
      ...extra,
    };
  }
  /** The ECS releases section: between its heading and the lists. */
  const notes = (md: string) => md.split('#### Changes')[0].split('#### ECS releases')[1] ?? '';

  test('the listener paths the renderer knows are exactly those the load balancer hands to CodeDeploy', () => {
    // One list (contracts/codedeploy.ts), not two kept equal: both names are the same array.
    expect(CODEDEPLOY_LISTENER_PATHS).toBe(CODEDEPLOY_OWNED_LISTENER_PATHS);
  });

  test('GIVEN CodeDeploy swapped the listener to green WHEN planning with nothing to change THEN the drift is expected', () => {
    const p = plan([group()], { resource_drift: [listener(['update'], forward(BLUE), forward(GREEN))] });
    const r = renderPlan(p, prod);
    expect(r.status).toBe('no-changes');
    expect(r.markdown).toContain("- `aws_lb_listener.production`: `default_action` (expected: moved by CodeDeploy's blue/green traffic shift, ignored by Terraform)");
    expect(r.markdown).toContain('<details><summary>🌀 changed outside of Terraform (expected) <code>aws_lb_listener.production</code></summary>');
  });

  test('a listener drift beyond the forward target is not called expected', () => {
    const p = plan([group()], { resource_drift: [listener(['update'], forward(BLUE), forward(GREEN, { ssl_policy: 'ELBSecurityPolicy-2016-08' }))] });
    const md = renderPlan(p, prod).markdown;
    expect(md).toMatch(/- `aws_lb_listener\.production`: `default_action`, `ssl_policy`\n/);
    expect(md).not.toContain('expected: moved by CodeDeploy');
  });

  test('a plan that sets the forward target back is a caution, and the drift says this plan would undo it', () => {
    // GIVEN the listener forwards to green after a deployment, and the ignore_changes rule is gone
    const p = plan([group(), listener(['update'], forward(GREEN), forward(BLUE))], { resource_drift: [listener(['update'], forward(BLUE), forward(GREEN))] });
    const r = renderPlan(p, prod);
    expect(r.status).toBe('attention');
    expect(notes(r.markdown)).toContain('> [!CAUTION]\n> - `aws_lb_listener.production` would set the forward target of a listener CodeDeploy shifts traffic on (`default_action[0].target_group_arn`)');
    expect(notes(r.markdown)).toContain('Keep `ignore_changes` on `default_action[0].target_group_arn`, `default_action[0].forward`.');
    expect(r.markdown).toContain("(moved by CodeDeploy's blue/green traffic shift, and this plan would undo it)");
  });

  test('other listener changes apply with a note; the listener is recognised by the deployment group naming its ARN, even outside a blue/green environment', () => {
    const p = plan([group(), listener(['update'], forward(BLUE), forward(BLUE, { ssl_policy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' }))]);
    const r = renderPlan(p, dev);
    expect(r.status).toBe('changes');
    expect(notes(r.markdown)).toContain("- `aws_lb_listener.production` is a listener CodeDeploy shifts traffic on; this change (`ssl_policy`) applies, the forward target stays CodeDeploy's. Apply while no blue/green deployment is in flight (`ecs-release status --env dev --service <name>`).");
  });

  test('a forwarding listener in a rolling environment, with no deployment group naming it, gets no CodeDeploy note', () => {
    const r = renderPlan(plan([listener(['update'], forward(BLUE), forward(BLUE, { ssl_policy: 'x' }))]), dev);
    expect(r.markdown).toContain('- `aws_lb_listener.production`: `ssl_policy`');
    expect(r.markdown).not.toContain('#### ECS releases');
  });

  test('replacing the listener, the deployment group or a target group of the pair is a caution', () => {
    const p = plan([
      change('aws_lb_listener.test', ['delete', 'create'], { arn: 'arn:test', port: 8443, default_action: [{ type: 'forward', target_group_arn: GREEN }] }, { port: 9443, default_action: [{ type: 'forward', target_group_arn: BLUE }] }, { change: { replace_paths: [['port']] } }),
      group(['delete', 'create'], groupValue(), groupValue({ deployment_group_name: 'webapp-prod-web-2' })),
      change('aws_lb_target_group.green', ['delete'], { name: 'webapp-prod-web-g', arn: GREEN }, null),
    ]);
    const r = renderPlan(p, prod);
    const cautions = notes(r.markdown).split('> [!CAUTION]')[1] ?? '';
    expect(cautions).toContain('- `aws_lb_listener.test` re-creates a listener CodeDeploy shifts traffic on: the new one forwards to the blue target group, wherever production runs now');
    expect(cautions).toContain('- `aws_codedeploy_deployment_group.group` re-creates CodeDeploy deployment group `webapp-prod-web`: a deployment in flight loses its group');
    expect(cautions).toContain('- `aws_lb_target_group.green` deletes target group `webapp-prod-web-g`, one of the two CodeDeploy alternates between: production traffic may be on it right now');
  });

  test('deployment group settings changing is a note for deployments started after the apply', () => {
    const p = plan([group(['update'], groupValue({ blue_green_deployment_config: [{ terminate_blue_instances_on_deployment_success: [{ termination_wait_time_in_minutes: 15 }] }] }), groupValue({ blue_green_deployment_config: [{ terminate_blue_instances_on_deployment_success: [{ termination_wait_time_in_minutes: 30 }] }] }))]);
    const md = notes(renderPlan(p, prod).markdown);
    expect(md).toContain('> [!NOTE]\n> - CodeDeploy deployment group `webapp-prod-web` changes (`blue_green_deployment_config`): deployments started after this apply use the new settings.');
  });

  test('the service: load_balancer changed by Terraform is a caution, changed by CodeDeploy is expected drift', () => {
    const svc = (tg: string) => ({ name: 'web', task_definition: 'td:1', desired_count: 3, load_balancer: [{ target_group_arn: tg, container_name: 'web', container_port: 8080 }] });
    const undo = renderPlan(plan([change('aws_ecs_service.web', ['update'], svc(GREEN), svc(BLUE))]), prod);
    expect(notes(undo.markdown)).toContain("- `aws_ecs_service.web` would set the service's `load_balancer` back to the target group Terraform declares");
    const drift = renderPlan(plan([], { resource_drift: [change('aws_ecs_service.web', ['update'], svc(BLUE), { ...svc(GREEN), task_definition: 'td:7' })] }), prod);
    expect(drift.markdown).toContain('- `aws_ecs_service.web`: `load_balancer`, `task_definition` (expected: owned by CodeDeploy, the release CLI and auto scaling, ignored by Terraform)');
    // In a rolling environment a target-group change on the service is an ordinary IaC change.
    expect(renderPlan(plan([change('aws_ecs_service.web', ['update'], svc(GREEN), svc(BLUE))]), dev).markdown).not.toContain('load_balancer` back');
  });

  test('on creates in a blue/green environment, the forwarding listeners and the deployment group are explained', () => {
    const p = plan([
      listener(['create'], null, { port: 443, default_action: [{ type: 'forward', target_group_arn: null }] }),
      change('aws_lb_listener.redirect', ['create'], null, { port: 80, default_action: [{ type: 'redirect' }] }),
      group(['create'], null, groupValue()),
    ]);
    const md = notes(renderPlan(p, prod).markdown);
    expect(md).toContain('- Listener `aws_lb_listener.production` forwards to the blue target group; from the first blue/green deployment on, CodeDeploy moves its forward target and Terraform ignores it');
    expect(md).not.toContain('aws_lb_listener.redirect');
    // prod has several services: the commands name the blue/green one
    expect(md).toContain('- CodeDeploy deployment group `webapp-prod-web`: `ecs-release deploy --env prod --service web` ships through it, new tasks on the test listener first, then the traffic shift; `ecs-release approve --env prod --service web` lets a held deployment continue.');
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
    // The reason quotes values (addresses, SHAs): it is shown as a text block, never as Markdown.
    expect(renderApplyResult('', { env: 'dev', status: 'refused', reason: 'Refusing to apply: x.' })).toContain('### 🛑 Apply to `dev` refused\n\n```text\nRefusing to apply: x.\n```');
    expect(renderApplyResult('Error: y', { env: 'dev', status: 'failure' })).toContain('### ❌ Apply to `dev` failed');
  });
});

describe('the apply gate compares what the reviewer read', () => {
  const taskDef = (image: string) => plan([change('aws_ecs_task_definition.task', ['delete', 'create'],
    { cpu: '256', skip_destroy: true, container_definitions: JSON.stringify([{ name: 'app', image: 'bootstrap:1' }]) },
    { cpu: '512', skip_destroy: true, container_definitions: JSON.stringify([{ name: 'app', image }]) },
    { change: { replace_paths: [['cpu']] } })]);

  test('GIVEN a deploy moved the release image between review and merge WHEN compared THEN no difference', () => {
    const reviewed = renderPlan(taskDef('repo@sha256:aaa'), dev).markdown;
    const now = renderPlan(taskDef('repo@sha256:bbb'), dev).markdown;
    expect(reviewed).not.toBe(now);
    expect(reviewDifference(reviewed, now)).toBeUndefined();
  });

  test('GIVEN a body that hides the caution WHEN compared THEN the first differing line is named', () => {
    const real = renderPlan(taskDef('repo@sha256:aaa'), dev).markdown;
    const forged = real.replace(/> \[!CAUTION\][^]*?\n\n/, '');
    expect(reviewDifference(forged, real)).toBe('line 6 shows "#### ECS releases" where this plan renders "> [!CAUTION]"');
  });

  test('GIVEN a task definition replaced with skip_destroy WHEN rendered THEN the comment says nothing is deregistered', () => {
    const md = renderPlan(taskDef('repo@sha256:aaa'), dev).markdown;
    expect(md).toContain('**Plan: 1 to add, 0 to change, 1 to destroy.**');
    expect(md).toContain('> - `aws_ecs_task_definition.task` gets a new revision; the old one only leaves the state (`skip_destroy`): nothing is deregistered');
    expect(md).toContain('the previous revision leaves Terraform\'s state but stays registered (`skip_destroy`)');
    expect(md).toContain('Check that nothing in it holds data or traffic you need.');
  });
});

describe('smaller rendering rules', () => {
  test('an empty string and null are the same (Terraform hides `allowed_pattern = ""`)', () => {
    const md = renderPlan(plan([change('aws_ssm_parameter.p', ['create'], null, { name: 'n', allowed_pattern: '' })]), dev).markdown;
    expect(md).toContain('+ name = "n"');
    expect(md).not.toContain('allowed_pattern');
  });

  test('drift Terraform hides through relevant_attributes is hidden; drift of objects the plan does not name stays', () => {
    const p = plan([change('aws_s3_bucket.b', ['update'], { acl: 'a' }, { acl: 'b' })], {
      relevant_attributes: [{ resource: 'aws_s3_bucket.b', attribute: ['acl'] }],
      resource_drift: [
        change('aws_s3_bucket.b', ['update'], { acl: 'a', tags_all: { a: '1' } }, { acl: 'a', tags_all: { a: '2' } }),
        change('aws_ssm_parameter.hand', ['update'], { value: '1' }, { value: '2' }),
      ],
    });
    const md = renderPlan(p, dev).markdown;
    expect(md).not.toContain('tags_all');
    expect(md).toContain('- `aws_ssm_parameter.hand`: `value`');
    // One heading for the drift section, the list under it titled by what it holds.
    expect(md.match(/Changed outside of Terraform/g)).toHaveLength(1);
    expect(md).toContain('#### Changed outside of Terraform (drift)\n\n**🌀 Objects (1)**');
  });

  test('an outputs-only change shows the values, a sensitive one as such', () => {
    const md = renderPlan(plan([], { output_changes: {
      url: { actions: ['update'], before: 'https://a.example.com', after: 'https://b.example.com' },
      token: { actions: ['update'], before: 'x', after: 'y', before_sensitive: true, after_sensitive: true },
    } }), dev).markdown;
    expect(md).toContain('- `token` (update in place): `(sensitive value)`');
    expect(md).toContain('- `url` (update in place): `"https://a.example.com"` → `"https://b.example.com"`');
  });

  test('a refresh-only plan says what it accepts, with a fingerprint of its own', () => {
    const drift = [change('aws_ssm_parameter.hand', ['update'], { value: '1' }, { value: '2' })];
    const refresh = renderPlan(plan([], { resource_changes: undefined, refresh_only: true, resource_drift: drift }), dev);
    const normal = renderPlan(plan([], { resource_drift: drift }), dev);
    expect(refresh.status).toBe('refresh-only');
    expect(refresh.markdown).toContain('### 🔄 Terraform refresh-only plan for `dev`\n\n**Refresh only: applying it accepts 1 change made outside of Terraform into the state, and changes nothing in AWS.**');
    expect(refresh.markdown).toContain('**🌀 Accepted into the state (1)**');
    expect(refresh.hash).not.toBe(normal.hash);
    expect(renderPlan(plan([], { resource_changes: undefined, refresh_only: true }), dev).hash).not.toBe(renderPlan(plan([]), dev).hash);
  });

  test('a -refresh-only plan file is recognised: no resource_changes while the state has objects', () => {
    const text = JSON.stringify({ format_version: '1.2', planned_values: {}, prior_state: { values: { root_module: { resources: [{ address: 'a.b' }] } } } });
    expect(parsePlan(text).refresh_only).toBe(true);
    expect(parsePlan(JSON.stringify({ format_version: '1.2', planned_values: {}, resource_changes: [] })).refresh_only).toBeUndefined();
  });

  test('Terraform\'s own warnings: objects no longer managed, failed checks', () => {
    const md = renderPlan(plan([change('aws_s3_bucket.kept', ['forget'], { bucket: 'a' }, null)], { checks: [{ address: { to_display: 'check.health' }, status: 'fail', instances: [{ problems: [{ message: 'endpoint down' }] }] }] }), dev).markdown;
    expect(md).toContain('#### Terraform warnings\n\n> [!WARNING]\n> - **Some objects will no longer be managed by Terraform**');
    expect(md).toContain('> - Check `check.health` failed: `endpoint down`.');
  });
});
