import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { repoRoot } from '../../scripts/lib/paths';
import { planStack, scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { planHash } from '../../src/plan-comment/hash';
import { maskerFor } from '../../src/plan-comment/mask';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { parsePlan, type TerraformPlan } from '../../src/plan-comment/plan';
import { GITHUB_COMMENT_LIMIT, renderPlan, renderPlanFailure, type RenderOptions } from '../../src/plan-comment/render';
import { summarize } from '../../src/plan-comment/summary';
import { expectGolden } from '../helpers/golden';
import { planScenario, type RealPlan } from '../helpers/plans';
import { requireBuild, requireTerraform } from '../helpers/terraform';

const RUN_URL = 'https://github.com/example-org/webapp-infra/actions/runs/4242';
const options = (env = 'dev', extra: Partial<RenderOptions> = {}): RenderOptions => ({ env, ownership: ownershipFor(env), runUrl: RUN_URL, ...extra });

/** Our `Plan:` line is Terraform's, and "No changes" is exactly when Terraform says so. */
function expectTerraformsCounts(real: RealPlan): void {
  const s = summarize(real.plan);
  expect(s.planLine).toBe(real.terraformPlanLine);
  expect(!s.hasChanges).toBe(real.terraformSaysNoChanges);
}

beforeAll(() => {
  requireTerraform();
  requireBuild();
});

describe('the stacks of this project, planned offline from empty state', () => {
  const scratch = scratchDir('pc-stacks');
  let dirs: Record<string, string>;
  beforeAll(() => {
    // GIVEN both environments synthesized for the offline target
    dirs = synthEnvironments([loadEnvironment('dev'), loadEnvironment('prod')], scratch.dir, 'offline');
  });
  afterAll(() => scratch.remove());

  test.each(['dev', 'prod'])('%s: the comment counts like Terraform, lists every create and explains the release pointer', (env) => {
    // WHEN the real plan is rendered
    const plan = parsePlan(JSON.stringify(planStack(dirs[env]).plan));
    const text = terraform(['show', 'tfplan'], dirs[env]).stdout;
    const r = renderPlan(plan, options(env));
    // THEN the Plan line is the one Terraform printed, visible without expanding anything
    expect(summarize(plan).planLine).toBe(/^Plan: .*$/m.exec(text)?.[0]);
    const visible = r.markdown.split('<details>')[0];
    expect(visible).toContain(`**${summarize(plan).planLine}**`);
    // AND every create is listed, the ECS notes name this environment's release pointer and bootstrap image
    for (const rc of plan.resource_changes ?? []) expect(visible).toContain(`\`${rc.address}\``);
    expect(visible).toContain(`Release pointer \`/webapp/${env}/web/release-image\` is seeded with \`public.ecr.aws/nginx/nginx:1.27-alpine\``);
    // AND one note per service names it, its application container's image and its own pointer (issue 11)
    for (const service of ['web', 'worker', 'nightly']) {
      expect(visible).toMatch(new RegExp(`Task definition \`aws_ecs_task_definition\\.[^\`]+\` of service \`${service}\`${service === 'nightly' ? ' \\(scheduled\\)' : ''} is registered with the \`app\` container's image \`public\\.ecr\\.aws/nginx/nginx:1\\.27-alpine\` from the release pointer \`/webapp/${env}/${service}/release-image\``));
    }
    expect(visible).toContain(`\`ecs-release deploy --env ${env} --service worker\` registers the revisions that run;`);
    expect(r.status).toBe('changes');
    expect(r.markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expectGolden(`stack-${env}-create`, r.markdown);
  });
});

describe('small configurations with local state (terraform_data)', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((c) => c()));
  const scenario = async (name: string, o: Parameters<typeof planScenario>[1]) => {
    const r = await planScenario(name, o);
    cleanups.push(r.remove);
    return r;
  };

  test('update in place: only the changed attributes show, old and new value', async () => {
    // GIVEN applied configuration WHEN two values change and one is added
    const real = await scenario('update', {
      before: `resource "terraform_data" "config" {\n  input = { log_level = "info", replicas = 2, tags = { team = "platform" } }\n}\nresource "terraform_data" "same" { input = "unchanged" }\n`,
      after: `resource "terraform_data" "config" {\n  input = { log_level = "debug", replicas = 3, tags = { team = "platform", owner = "web" } }\n}\nresource "terraform_data" "same" { input = "unchanged" }\n`,
    });
    expectTerraformsCounts(real);
    const r = renderPlan(real.plan, options());
    // THEN the diff shows the changes and nothing unchanged
    expect(r.markdown).toContain('- input.log_level = "info"\n+ input.log_level = "debug"');
    expect(r.markdown).toContain('+ input.tags.owner = "web"');
    expect(r.markdown).not.toContain('input.tags.team');
    expect(r.markdown).not.toContain('terraform_data.same');
    expect(r.status).toBe('changes');
    expectGolden('update', r.markdown);
  });

  test('replace: the attribute forcing it, both orders, replace_triggered_by and -replace, under a caution block', async () => {
    const before = `resource "terraform_data" "trigger" { input = "v1" }
resource "terraform_data" "server" { triggers_replace = ["ami-1"] }
resource "terraform_data" "cbd" {
  triggers_replace = ["ami-1"]
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "follower" {
  input = "x"
  lifecycle { replace_triggered_by = [terraform_data.trigger] }
}
resource "terraform_data" "requested" { input = "y" }
`;
    const real = await scenario('replace', { before, after: before.replace(/ami-1/g, 'ami-2').replace('"v1"', '"v2"'), planArgs: ['-replace=terraform_data.requested'] });
    expectTerraformsCounts(real);
    const r = renderPlan(real.plan, options());
    const [visible] = r.markdown.split('#### Details');
    expect(visible).toContain('> [!CAUTION]\n> **This plan replaces 4 resources.**');
    expect(visible).toContain('- `terraform_data.server`: forced by `triggers_replace`');
    expect(visible).toContain('- `terraform_data.cbd` (create before destroy): forced by `triggers_replace`');
    expect(visible).toContain('- `terraform_data.follower`: `replace_triggered_by` changed');
    expect(visible).toContain('- `terraform_data.requested`: requested with `-replace`');
    expect(r.markdown).toContain('+ triggers_replace[0] = "ami-2"   # forces replacement');
    expect(r.status).toBe('destructive');
    expectGolden('replace', r.markdown);
  });

  test('delete: resources leaving configuration, count and for_each, with the reason', async () => {
    const real = await scenario('delete', {
      before: `resource "terraform_data" "old" { input = "bye" }\nresource "terraform_data" "n" {\n  count = 3\n  input = count.index\n}\nresource "terraform_data" "k" {\n  for_each = toset(["a", "b"])\n  input = each.key\n}\n`,
      after: `resource "terraform_data" "n" {\n  count = 1\n  input = count.index\n}\nresource "terraform_data" "k" {\n  for_each = toset(["a"])\n  input = each.key\n}\n`,
    });
    expectTerraformsCounts(real);
    const r = renderPlan(real.plan, options());
    expect(r.markdown).toContain('- `terraform_data.old` (not in configuration)');
    expect(r.markdown).toContain('- `terraform_data.n[2]` (index 2 out of range for count)');
    // The key is a value from the plan: shown as code, like every value.
    expect(r.markdown).toContain('- `terraform_data.k["b"]` (key `"b"` not in for_each)');
    expect(r.markdown).toContain('**This plan destroys 4 resources.**');
    expectGolden('delete', r.markdown);
  });

  test('move: moved blocks are listed, counted as Terraform does (not at all), with or without a change', async () => {
    const real = await scenario('move', {
      before: `resource "terraform_data" "old_name" { input = "a" }\nresource "terraform_data" "listed" {\n  count = 1\n  input = "b"\n}\n`,
      after: `resource "terraform_data" "new_name" { input = "a" }\nmoved {\n  from = terraform_data.old_name\n  to   = terraform_data.new_name\n}\nresource "terraform_data" "keyed" {\n  for_each = toset(["web"])\n  input = "b2"\n}\nmoved {\n  from = terraform_data.listed[0]\n  to   = terraform_data.keyed["web"]\n}\n`,
    });
    expectTerraformsCounts(real);
    const r = renderPlan(real.plan, options());
    expect(r.markdown).toContain('- `terraform_data.old_name` → `terraform_data.new_name`');
    expect(r.markdown).toContain('- `terraform_data.listed[0]` → `terraform_data.keyed["web"]` (and update in place)');
    expect(real.terraformPlanLine).toBe('Plan: 0 to add, 1 to change, 0 to destroy.');
    expectGolden('move', r.markdown);
  });

  test('moves alone still print a Plan line of zeros, in Terraform and in the comment', async () => {
    const real = await scenario('move-only', {
      before: 'resource "terraform_data" "a" { input = "x" }\n',
      after: 'resource "terraform_data" "b" { input = "x" }\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\n',
    });
    expectTerraformsCounts(real);
    expect(real.terraformPlanLine).toBe('Plan: 0 to add, 0 to change, 0 to destroy.');
    expect(renderPlan(real.plan, options()).markdown).toContain('- `terraform_data.a` → `terraform_data.b`');
  });

  test('import: import blocks lead the Plan line like in Terraform', async () => {
    const real = await scenario('import', {
      after: `import {\n  to = terraform_data.adopted\n  id = "legacy-1"\n}\nresource "terraform_data" "adopted" {}\nimport {\n  to = terraform_data.adopted_and_set\n  id = "legacy-2"\n}\nresource "terraform_data" "adopted_and_set" { input = "now managed" }\n`,
    });
    expectTerraformsCounts(real);
    expect(real.terraformPlanLine).toMatch(/^Plan: 2 to import, /);
    const r = renderPlan(real.plan, options());
    expect(r.markdown).toContain('- `terraform_data.adopted` from id `legacy-1`');
    expect(r.markdown).toContain('- `terraform_data.adopted_and_set` from id `legacy-2` (then update in place)');
    expectGolden('import', r.markdown);
  });

  test('everything at once: create, update, both replaces, delete, move, import, forget and an output', async () => {
    const before = `variable "password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-one"
}
resource "terraform_data" "upd" { input = "a" }
resource "terraform_data" "rep" { triggers_replace = ["x"] }
resource "terraform_data" "del" { input = "gone" }
resource "terraform_data" "mv" { input = "moving" }
resource "terraform_data" "forget" { input = "f" }
resource "terraform_data" "sec" { input = { password = var.password, user = "app" } }
output "o" { value = terraform_data.upd.output }
`;
    const after = `variable "password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-two"
}
resource "terraform_data" "upd" { input = "b" }
resource "terraform_data" "rep" { triggers_replace = ["y"] }
resource "terraform_data" "moved" { input = "moving" }
moved {
  from = terraform_data.mv
  to   = terraform_data.moved
}
removed {
  from = terraform_data.forget
  lifecycle { destroy = false }
}
resource "terraform_data" "sec" { input = { password = var.password, user = "app" } }
resource "terraform_data" "new" { input = 1 }
import {
  to = terraform_data.imp
  id = "abc"
}
resource "terraform_data" "imp" {}
output "o" { value = terraform_data.upd.output }
`;
    const real = await scenario('mixed', { before, after });
    expectTerraformsCounts(real);
    expect(real.terraformPlanLine).toBe('Plan: 1 to import, 2 to add, 2 to change, 2 to destroy.');
    const r = renderPlan(real.plan, options());
    expect(r.markdown).toContain('**🫥 Forget: removed from state, not destroyed (1)**\n- `terraform_data.forget`');
    expect(r.markdown).toContain('- `o` (update in place)');
    expectGolden('mixed', r.markdown);
  });

  test('no changes renders as one short line, and the hash of the same plan is stable', async () => {
    const config = `resource "terraform_data" "a" { input = "same" }\n`;
    const real = await scenario('nochange', { before: config, after: config });
    expectTerraformsCounts(real);
    const r = renderPlan(real.plan, options());
    const visibleLines = r.markdown.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('<!--'));
    expect(visibleLines).toEqual(['✅ **Terraform plan for `dev`: no changes.** Infrastructure matches the configuration.']);
    expectGolden('no-changes', r.markdown);
  });

  test('sensitive values never appear: marked ones, copies Terraform prints in clear, and configured masks', async () => {
    // GIVEN a sensitive variable flowing into terraform_data (whose `output` Terraform does NOT mark sensitive), an
    // attribute masked by name, and a value masked by pattern
    const conf = (pw: string, key: string, host: string) => `variable "db_password" {
  type      = string
  sensitive = true
  default   = "${pw}"
}
resource "terraform_data" "db" {
  input = { password = var.db_password, user = "app", api_key = "${key}", host = "${host}" }
}
output "dsn" {
  value     = "postgres://app:\${var.db_password}@${host}/app"
  sensitive = true
}
`;
    const real = await scenario('sensitive', { before: conf('Hunter2-old-pw', 'AKIAOLDKEY0000001', 'db-old.internal.example'), after: conf('Hunter2-new-pw', 'AKIANEWKEY0000002', 'db-new.internal.example') });
    // Terraform itself prints the old password in clear (terraform_data.output is not marked): the renderer must not.
    expect(real.text).toContain('Hunter2-old-pw');
    const masks = { attributes: ['*api_key*'], values: ['[a-z0-9-]+\\.internal\\.example'] };
    const r = renderPlan(real.plan, options('dev', { masks }));
    // THEN no secret, old or new, appears anywhere in the comment or its marker
    for (const secret of ['Hunter2-old-pw', 'Hunter2-new-pw', 'AKIAOLDKEY0000001', 'AKIANEWKEY0000002', 'db-old.internal.example', 'db-new.internal.example']) {
      expect(r.markdown).not.toContain(secret);
    }
    expect(r.markdown).toContain('~ input.password = (sensitive value)');
    expect(r.markdown).toContain('~ input.api_key = (masked)');
    expectGolden('sensitive', r.markdown);
  });

  test('a failed plan posts its error, masked, with no fingerprint', async () => {
    // GIVEN a configuration Terraform rejects
    const scratch = scratchDir('pc-fail');
    cleanups.push(scratch.remove);
    writeFileSync(join(scratch.dir, 'main.tf'), 'resource "terraform_data" "a" {\n  input = terraform_data.missing.output\n}\n');
    terraform(['init', '-input=false'], scratch.dir);
    const r = terraform(['plan', '-input=false'], scratch.dir, { okCodes: [1] });
    // WHEN its log is rendered
    const md = renderPlanFailure(r.stdout + r.stderr, { env: 'prod', runUrl: RUN_URL });
    // THEN the error shows, the marker says failed, and there is no fingerprint the apply gate could accept
    expect(md).toContain('Reference to undeclared resource');
    expect(md).toMatch(/^<!-- ecs-coexist:plan-comment env=prod status=failed -->\n### ❌ Terraform plan for `prod` failed/);
    expect(md).not.toContain('plan-sha256');
    expectGolden('plan-failed', md);
  });
});

describe('3,000 resources', () => {
  let createPlan: TerraformPlan;
  let mixedPlan: TerraformPlan;
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((c) => c()));

  beforeAll(async () => {
    // A real plan creating 3,000 objects, and a mixed one built from real change entries (applying 3,000 objects to
    // get real updates and replacements would take minutes): 1,000 updates, 1,000 replacements, 1,000 deletions.
    const real = await planScenario('big', {
      after: 'resource "terraform_data" "svc" {\n  count = 3000\n  input = { name = "service-${count.index}", port = 8000 + count.index, tier = count.index % 3 == 0 ? "web" : "worker" }\n}\n',
    });
    cleanups.push(real.remove);
    createPlan = real.plan;
    const sample = await planScenario('big-sample', {
      before: 'resource "terraform_data" "u" { input = { name = "a", port = 1 } }\nresource "terraform_data" "r" { triggers_replace = ["x"] }\nresource "terraform_data" "d" { input = "z" }\n',
      after: 'resource "terraform_data" "u" { input = { name = "b", port = 2 } }\nresource "terraform_data" "r" { triggers_replace = ["y"] }\n',
    });
    cleanups.push(sample.remove);
    const byName = (n: string) => sample.plan.resource_changes!.find((rc) => rc.name === n)!;
    const clone = (n: string, i: number) => {
      const rc = structuredClone(byName(n));
      return { ...rc, address: `terraform_data.${n}[${i}]`, index: i, change: { ...rc.change, after: rc.change.after && { ...(rc.change.after as object), input: (rc.change.after as { input?: unknown }).input && { name: `svc-${i}`, port: 9000 + i } } } };
    };
    mixedPlan = { ...sample.plan, resource_changes: ['u', 'r', 'd'].flatMap((n) => Array.from({ length: 1000 }, (_, i) => clone(n, i))) };
  });

  test.each([
    ['3,000 creates (real Terraform plan)', () => createPlan, 'Plan: 3000 to add, 0 to change, 0 to destroy.'],
    ['1,000 updates, replacements and deletions', () => mixedPlan, 'Plan: 1000 to add, 1000 to change, 2000 to destroy.'],
  ])('%s: under the limit, summary intact, says what was cut', (_name, get, line) => {
    const plan = get();
    const r = renderPlan(plan, options());
    expect(r.markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(summarize(plan).planLine).toBe(line);
    expect(r.markdown).toContain(`**${line}**`);
    expect(r.trimmed.detailsOmitted).toBeGreaterThan(0);
    expect(r.markdown).toMatch(/> Trimmed to fit GitHub's 65,536-character comment limit: details of [\d,]+ of [\d,]+ resources left out/);
    expect(r.markdown).toContain(`Everything left out is in the \`plan-dev\` artifact of the [workflow run](${RUN_URL}): this comment untrimmed, masked the same way.`);
  });

  test('the big mixed plan keeps destructive changes listed one by one before anything else', () => {
    const r = renderPlan(mixedPlan, options());
    expect(r.markdown).toContain('> [!CAUTION]\n> **This plan destroys 1,000 resources and replaces 1,000.**');
    expectGolden('large-mixed-3000', r.markdown);
  });

  test('the CLI renders the 3,000-resource plan file and reports the time', () => {
    const scratch = scratchDir('pc-big-cli');
    cleanups.push(scratch.remove);
    const file = join(scratch.dir, 'plan.json');
    writeFileSync(file, JSON.stringify(createPlan));
    const r = spawnSync(process.execPath, [join(repoRoot(), 'dist/src/plan-comment/cli.js'), '--env', 'dev', '--plan-json', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(r.stderr).toMatch(/^plan-comment: dev: Plan: 3000 to add, 0 to change, 0 to destroy\. \(changes, [\d,]+ characters, rendered in \d+ ms\)$/m);
    process.stdout.write(r.stderr);
  });

  test('the fingerprint ignores what differs between two plans of the same change, not the change', () => {
    const masker = maskerFor(createPlan);
    const again = structuredClone(createPlan);
    (again as { timestamp?: string }).timestamp = '2030-01-01T00:00:00Z';
    again.terraform_version = '1.99.0';
    expect(planHash(again, masker)).toBe(planHash(createPlan, masker));
    const changed = structuredClone(createPlan);
    (changed.resource_changes![7].change.after as { input: { port: number } }).input.port = 1;
    expect(planHash(changed, masker)).not.toBe(planHash(createPlan, masker));
  });
});
