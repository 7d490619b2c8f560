import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { parseMarker } from '../../src/plan-comment/marker';
import { FakeGitHub } from '../helpers/github-server';
import { change, manyCreates, plan } from '../helpers/synthetic-plan';
import { requireBuild } from '../helpers/terraform';

/**
 * The compiled CLI, run as the workflows run it, against a local server speaking GitHub's REST endpoints. (The CLI
 * is driven as a process: @octokit/rest is an ES module that Jest's CommonJS runtime does not load.)
 */
const CLI = join(repoRoot(), 'dist', 'src', 'plan-comment', 'cli.js');
const BOT = 'github-actions[bot]';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, GITHUB_REPOSITORY: 'example-org/webapp-infra', ...env })) if (v !== undefined) merged[k] = v;
    const child = spawn(process.execPath, [CLI, ...args], { env: merged });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The same CLI in this process (its `main`, with this environment and captured output): for refusals, which never
 * reach GitHub, a process per case would only add Node start-ups to the unit tier. Posting runs the real binary.
 */
async function runInProcess(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const { main } = await import('../../src/plan-comment/cli');
  const saved = { ...process.env };
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true)),
  ];
  for (const [k, v] of Object.entries({ GITHUB_REPOSITORY: 'example-org/webapp-infra', ...env })) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    for (const s of spies) s.mockRestore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

const scratch = scratchDir('pc-post');
const file = (name: string, content: string) => {
  const p = join(scratch.dir, name);
  writeFileSync(p, content);
  return p;
};

const v1 = plan([change('aws_ssm_parameter.flags', ['update'], { name: '/webapp/dev/web/flags', insecure_value: 'a=1' }, { name: '/webapp/dev/web/flags', insecure_value: 'a=2' })]);
const v2 = plan([change('aws_ssm_parameter.flags', ['update'], { name: '/webapp/dev/web/flags', insecure_value: 'a=1' }, { name: '/webapp/dev/web/flags', insecure_value: 'a=3' })]);

let gh: FakeGitHub;
let env: Record<string, string>;

beforeAll(() => requireBuild());
beforeEach(async () => {
  gh = new FakeGitHub();
  await gh.start();
  env = { GITHUB_TOKEN: 'test-token', GITHUB_API_URL: gh.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '77' };
});
afterEach(async () => gh.stop());
afterAll(() => scratch.remove());

describe('--post: one comment per environment, updated in place', () => {
  test('the first run creates, the second updates the same comment, on page 3 of 250 comments; others are untouched', async () => {
    // GIVEN a pull request with 250 comments by people, one by another user that copies our marker, and the bot's prod comment
    for (let i = 0; i < 250; i++) gh.addComment(12, i % 2 ? 'alice' : 'bob', `review note ${i}`);
    const spoof = gh.addComment(12, 'mallory', '<!-- ecs-coexist:plan-comment env=dev plan-sha256=' + 'f'.repeat(64) + ' -->\nfake');
    const prod = gh.addComment(12, BOT, '<!-- ecs-coexist:plan-comment env=prod plan-sha256=' + 'a'.repeat(64) + ' -->\nprod plan');
    const before = JSON.stringify(gh.comments.filter((c) => c.issue === 12));

    // WHEN the dev plan is posted
    const first = await run(['--env', 'dev', '--plan-json', file('v1.json', JSON.stringify(v1)), '--post', '--pr', '12'], env);
    // THEN one comment was created, by the bot, after reading all three pages
    expect(first.stderr).toMatch(/plan-comment: created comment (\d+) on example-org\/webapp-infra#12/);
    expect(first.code).toBe(0);
    const created = gh.comments.filter((c) => c.issue === 12 && c.user.login === BOT && parseMarker(c.body)?.env === 'dev');
    expect(created).toHaveLength(1);
    const id = created[0].id;
    expect(gh.requests.filter((r) => r.method === 'GET').map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);

    // WHEN a new commit changes the plan and the workflow runs again
    gh.requests.length = 0;
    const second = await run(['--env', 'dev', '--plan-json', file('v2.json', JSON.stringify(v2)), '--post', '--pr', '12'], env);
    expect(second.code).toBe(0);
    // THEN the same comment was rewritten: no new comment, one PATCH to that id, nothing else written
    expect(second.stderr).toContain(`plan-comment: updated comment ${id} on example-org/webapp-infra#12`);
    const writes = gh.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /repos/example-org/webapp-infra/issues/comments/${id}`]);
    expect(gh.comments.find((c) => c.id === id)!.body).toContain('+ insecure_value = "a=3"');
    // AND every other comment, including the spoofed marker and the prod comment, is exactly as it was
    const others = JSON.stringify(gh.comments.filter((c) => c.issue === 12 && c.id !== id));
    expect(others).toBe(before);
    expect(gh.comments.find((c) => c.id === spoof.id)!.body).toContain('fake');
    expect(gh.comments.find((c) => c.id === prod.id)!.body).toContain('prod plan');
  });

  test('the pull request and its head commit come from the pull_request event when --pr is not given', async () => {
    // GIVEN the event of a pull_request workflow (GITHUB_SHA would be the merge ref, not the head)
    const head = 'c'.repeat(40);
    const event = file('event.json', JSON.stringify({ pull_request: { number: 31, head: { sha: head } } }));
    // WHEN the plan is posted
    const r = await run(['--env', 'prod', '--plan-json', file('p.json', JSON.stringify(v1)), '--post'], { ...env, GITHUB_EVENT_PATH: event, GITHUB_SHA: 'd'.repeat(40) });
    // THEN the comment lands on that pull request and its marker names the head the plan was made for
    expect(r.code).toBe(0);
    expect(gh.comments.filter((c) => c.issue === 31)).toHaveLength(1);
    expect(gh.comments[0].body).toContain('[workflow run](https://github.com/example-org/webapp-infra/actions/runs/77)');
    expect(parseMarker(gh.comments[0].body)?.head).toBe(head);
  });

  test('--full-output keeps the untrimmed comment, masked, for the workflow artifact; the posted one stays under the limit', async () => {
    // GIVEN a plan far over the limit whose last resource carries a sensitive value
    const big = manyCreates(3000);
    const last = big.resource_changes!.at(-1)!;
    last.change.after = { ...(last.change.after as object), value: 'Art1fact-S3cret-value' };
    last.change.after_sensitive = { value: true };
    const full = join(scratch.dir, 'full.md');
    // WHEN it is rendered and posted with --full-output
    const r = await run(['--env', 'dev', '--plan-json', file('big-full.json', JSON.stringify(big)), '--post', '--pr', '6', '--full-output', full], env);
    expect(r.code).toBe(0);
    // THEN the comment is trimmed and points at the artifact; the file has every resource's details and no secret
    expect(gh.comments[0].body.length).toBeLessThanOrEqual(65_536);
    expect(gh.comments[0].body).toContain('Everything left out is in the `plan-dev` artifact of the [workflow run](https://github.com/example-org/webapp-infra/actions/runs/77)');
    const untrimmed = readFileSync(full, 'utf8');
    expect(untrimmed.length).toBeGreaterThan(65_536);
    expect(untrimmed).toContain('<details><summary>➕ create <code>aws_ssm_parameter.p[2999]</code></summary>');
    expect(untrimmed).not.toContain('Trimmed to fit');
    expect(untrimmed).not.toContain('Art1fact-S3cret-value');
  });

  test('a 3,000-resource plan is accepted by a server enforcing GitHub\'s 65,536-character limit', async () => {
    const r = await run(['--env', 'dev', '--plan-json', file('big.json', JSON.stringify(manyCreates(3000))), '--post', '--pr', '5'], env);
    expect(r.stderr).toMatch(/created comment/);
    expect(r.code).toBe(0);
    expect(gh.comments[0].body.length).toBeLessThanOrEqual(65_536);
    expect(gh.comments[0].body).toContain('**Plan: 3000 to add, 0 to change, 0 to destroy.**');
  });

  test('a failed plan\'s log is scrubbed of the plan\'s secrets when the plan JSON is at hand', async () => {
    // GIVEN a provider error that echoes a value Terraform marks sensitive in the plan
    const p = plan([change('aws_db_instance.db', ['update'], { password: 'Old-Db-Pass-1' }, { password: 'New-Db-Pass-2' }, { change: { before_sensitive: { password: true }, after_sensitive: { password: true } } })]);
    const log = file('fail.log', 'Error: updating aws_db_instance.db: InvalidParameterValue: New-Db-Pass-2 is too short\n');
    // WHEN the failure is rendered with the plan
    const r = await run(['--env', 'dev', '--error-log', log, '--plan-json', file('fail-plan.json', JSON.stringify(p))], env);
    // THEN the error shows without the secret
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('InvalidParameterValue: (sensitive value) is too short');
    expect(r.stdout).not.toContain('New-Db-Pass-2');
  });

  test('a failed plan is posted as the environment\'s comment, replacing its last plan', async () => {
    await run(['--env', 'dev', '--plan-json', file('ok.json', JSON.stringify(v1)), '--post', '--pr', '8'], env);
    const r = await run(['--env', 'dev', '--error-log', file('plan.log', '\nError: No valid credential sources found\n'), '--post', '--pr', '8'], env);
    expect(r.code).toBe(0);
    const mine = gh.comments.filter((c) => c.issue === 8);
    expect(mine).toHaveLength(1);
    expect(mine[0].body).toMatch(/^<!-- ecs-coexist:plan-comment env=dev status=failed -->\n### ❌ Terraform plan for `dev` failed/);
    expect(mine[0].body).toContain('Error: No valid credential sources found');
  });
});

describe('bad input: one line, exit 1, nothing reaches GitHub', () => {
  const valid = JSON.stringify(v1);
  const badPlans: [string, string, RegExp][] = [
    ['an empty file', '', /^plan-comment: --plan-json \S+: received an empty file; allowed: the output of `terraform show -json <planfile>`/],
    ['truncated JSON', valid.slice(0, valid.length / 2), /^plan-comment: --plan-json \S+: received malformed or truncated JSON \(.+\); allowed: /],
    ['malformed JSON', '{"format_version": "1.2",,}', /^plan-comment: --plan-json \S+: received malformed or truncated JSON/],
    ['an unknown major format version', JSON.stringify({ ...v1, format_version: '2.0' }), /^plan-comment: --plan-json \S+: format_version: received "2\.0"; allowed: "1\.x"/],
    ['a state instead of a plan', JSON.stringify({ format_version: '1.0', values: {} }), /received JSON without planned_values or resource_changes \(a state, not a plan\)/],
    ['an unknown action', JSON.stringify(plan([change('aws_s3_bucket.b', ['explode' as never], null, {})])), /resource_changes\[0\]\.change\.actions\[0\]: received the string "explode"; allowed: one of "no-op", "create", "read", "update", "delete", "forget"$/],
  ];
  const badInvocations: [string, string[], RegExp, Record<string, string | undefined>?][] = [
    ['a missing file', ['--env', 'dev', '--plan-json', '/nonexistent/plan.json'], /--plan-json: received "\/nonexistent\/plan\.json" \(no such file\); allowed: a readable file/],
    // Not `staging`: a third environment is one file away, and this must stay unknown.
    ['an unknown environment', ['--env', 'no-such-env', '--plan-json', 'PLAN'], /--env: received "no-such-env"; allowed: one of dev, prod/],
    ['a head that is not a commit SHA', ['--env', 'dev', '--plan-json', 'PLAN', '--head-sha', 'main'], /--head-sha: received "main"; allowed: a 40-character commit SHA/],
    ['no token', ['--env', 'dev', '--plan-json', 'PLAN'], /GITHUB_TOKEN: received nothing; allowed: a token/, { GITHUB_TOKEN: undefined }],
    ['an invalid mask', ['--env', 'dev', '--plan-json', 'PLAN', '--mask-value', '(unclosed'], /masks\.values\[0\]: received "\(unclosed"; allowed: a valid regular expression/],
    ['a bad config file', ['--env', 'dev', '--plan-json', 'PLAN', '--config', 'CONFIG'], /--config \S+: masks: received unknown key\(s\) secrets; allowed:/],
  ];
  afterAll(() => process.stdout.write(`bad inputs, surface "plan-comment": ${badPlans.length + badInvocations.length} distinct inputs refused (one line each, nothing posted)\n`));

  test.each(badPlans)('%s', async (_name, content, message) => {
    const r = await runInProcess(['--env', 'dev', '--plan-json', file('bad.json', content), '--post', '--pr', '3'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stdout).toBe('');
    expect(gh.requests).toEqual([]);
  });

  test.each(badInvocations)('%s', async (_name, args, message, extraEnv = {}) => {
    const planPath = file('good.json', JSON.stringify(v1));
    const configPath = file('config.json', JSON.stringify({ masks: { secrets: ['x'] } }));
    const r = await runInProcess([...args.map((a) => (a === 'PLAN' ? planPath : a === 'CONFIG' ? configPath : a)), '--post', '--pr', '3'], { ...env, ...extraEnv });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(gh.requests).toEqual([]);
  });
});

describe('verify: the apply gate', () => {
  const MERGE_SHA = 'abcdef0123456789abcdef0123456789abcdef01';
  const HEAD = '1111111111111111111111111111111111111111';
  const EARLIER_HEAD = '2222222222222222222222222222222222222222';

  async function reviewed(p: typeof v1, pr = 12, head = HEAD): Promise<void> {
    const r = await run(['--env', 'dev', '--plan-json', file('reviewed.json', JSON.stringify(p)), '--post', '--pr', String(pr), '--head-sha', head], env);
    expect(r.code).toBe(0);
  }

  test('passes when the plan after merge is the reviewed one, finding the PR and its head from the merge commit', async () => {
    await reviewed(v1);
    gh.pulls.set(MERGE_SHA, [{ number: 12, merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: MERGE_SHA, head_sha: HEAD }]);
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v1)), '--commit', MERGE_SHA], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^plan for dev matches the plan reviewed on example-org\/webapp-infra#12 \(fingerprint [0-9a-f]{12}, planned at its head 111111111111\)$/m);
  });

  test('refuses a comment made for an earlier push, even with the same fingerprint', async () => {
    // GIVEN the bot's comment for an earlier head, and a later push whose plan never posted (cancelled run)
    await reviewed(v1, 12, EARLIER_HEAD);
    gh.pulls.set(MERGE_SHA, [{ number: 12, merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: MERGE_SHA, head_sha: HEAD }]);
    // WHEN the merge commit's plan is verified
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v1)), '--commit', MERGE_SHA], env);
    // THEN it is refused: the reviewer never saw a plan of the last push
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^plan-comment: refusing to apply: the plan comment for dev on example-org\/webapp-infra#12 was made for commit 222222222222, but the pull request was merged at 111111111111: its last push was never planned/);
  });

  test('refuses a comment whose marker names no head commit (written before the gate checked heads)', async () => {
    const hash = (await run(['hash', '--plan-json', file('h.json', JSON.stringify(v1))], env)).stdout.trim();
    gh.addComment(12, BOT, `<!-- ecs-coexist:plan-comment env=dev plan-sha256=${hash} -->\nold format`);
    gh.heads.set(12, HEAD);
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v1)), '--pr', '12'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to apply: the plan comment for dev on example-org\/webapp-infra#12 does not name the commit it was made for: re-run the plan workflow/);
  });

  test('refuses a plan that differs from the reviewed one, and says so on the pull request', async () => {
    await reviewed(v1);
    gh.heads.set(12, HEAD);
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v2)), '--pr', '12', '--post'], { ...env, GITHUB_SHA: MERGE_SHA });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^plan-comment: refusing to apply: the plan for dev \(fingerprint [0-9a-f]{12}\) differs from the one reviewed on example-org\/webapp-infra#12 \([0-9a-f]{12}\)/);
    const refusal = gh.comments.find((c) => parseMarker(c.body)?.kind === 'apply-result');
    expect(refusal?.body).toMatch(/^<!-- ecs-coexist:apply-result env=dev -->\n### 🛑 Apply to `dev` refused\n\n```text\nRefusing to apply: the plan for dev/);
  });

  test('refuses a bot comment with the right fingerprint whose body does not show the plan (a pull request that edited the plan workflow)', async () => {
    // GIVEN a comment by the bot identity, with the merged plan's fingerprint and head, and a made-up body
    const hash = (await run(['hash', '--plan-json', file('h.json', JSON.stringify(v2))], env)).stdout.trim();
    gh.addComment(12, BOT, `<!-- ecs-coexist:plan-comment env=dev plan-sha256=${hash} head=${HEAD} -->\n### 📝 Terraform plan for \`dev\`: changes\n\n**Plan: 0 to add, 0 to change, 0 to destroy.**\n`);
    gh.heads.set(12, HEAD);
    // WHEN the merged plan is verified
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v2)), '--pr', '12'], env);
    // THEN refused, naming the first line that differs
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^plan-comment: refusing to apply: the plan comment for dev on example-org\/webapp-infra#12 carries this plan's fingerprint but does not show this plan \(line 4 shows "\*\*Plan: 0 to add, 0 to change, 0 to destroy\.\*\*" where this plan renders "\*\*Plan: 0 to add, 1 to change, 0 to destroy\.\*\*"\): it was not written by this repository's plan workflow/);
  });

  test('passes when the reviewed comment and the plan differ only in drift, details and the released image', async () => {
    // GIVEN the reviewed comment as the plan workflow posted it, then drift appearing before the merge
    await reviewed(v1);
    gh.heads.set(12, HEAD);
    const drifted = { ...v1, resource_drift: [change('aws_ssm_parameter.flags', ['update'], { name: 'f', value: 'a=1' }, { name: 'f', value: 'a=2' })] };
    // WHEN verified
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(drifted)), '--pr', '12'], env);
    // THEN it passes: what apply does is what was shown
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('refuses when the fingerprint comes from someone other than the bot', async () => {
    // GIVEN only a comment by a user that carries the current plan's fingerprint
    const hash = (await run(['hash', '--plan-json', file('h.json', JSON.stringify(v2))], env)).stdout.trim();
    gh.addComment(12, 'mallory', `<!-- ecs-coexist:plan-comment env=dev plan-sha256=${hash} -->\nlooks legit`);
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v2)), '--pr', '12'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to apply: no plan comment for dev on example-org\/webapp-infra#12/);
  });

  test('refuses when the last plan on the pull request failed', async () => {
    await run(['--env', 'dev', '--error-log', file('e.log', 'Error: boom'), '--post', '--pr', '12'], env);
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v1)), '--pr', '12'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to apply: the last plan for dev on example-org\/webapp-infra#12 failed/);
  });

  test('refuses a commit that was not merged through a pull request', async () => {
    const r = await run(['verify', '--env', 'dev', '--plan-json', file('now.json', JSON.stringify(v1)), '--commit', MERGE_SHA], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^plan-comment: --commit: received abcdef0123456789abcdef0123456789abcdef01; allowed: a commit merged through a pull request/);
  });
});

describe('apply-result', () => {
  test('the apply log posted to the pull request is scrubbed of the plan\'s secrets, not only of configured masks', async () => {
    // GIVEN the applied plan, whose sensitive value Terraform copied in clear into an unmarked attribute and the log
    const secret = 'Appl1ed-Secret-Literal';
    const applied = plan([change('terraform_data.db', ['update'], { input: { password: 'old-value-x' } }, { input: { password: secret } }, { change: { before_sensitive: { input: { password: true } }, after_sensitive: { input: { password: true } } } })]);
    const log = file('apply-secret.log', `terraform_data.db: Modifying...\nOutputs:\n\ncopy = "${secret}"\n\nApply complete! Resources: 0 added, 1 changed, 0 destroyed.\n`);
    // WHEN the result is rendered with the plan JSON
    const withPlan = await run(['apply-result', '--env', 'dev', '--status', 'success', '--log', log, '--plan-json', file('applied.json', JSON.stringify(applied))], env);
    // THEN the literal is gone; without the plan (the negative control) it would have been posted
    expect(withPlan.code).toBe(0);
    expect(withPlan.stdout).toContain('copy = "(sensitive value)"');
    expect(withPlan.stdout).not.toContain(secret);
    const without = await run(['apply-result', '--env', 'dev', '--status', 'success', '--log', log], env);
    expect(without.stdout).toContain(secret);
  });

  test('reports the apply on the merged pull request, and a re-run updates that comment', async () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    gh.pulls.set(sha, [{ number: 40, merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: sha }]);
    const log = file('apply.log', 'aws_ssm_parameter.flags: Modifying...\n\nApply complete! Resources: 0 added, 1 changed, 0 destroyed.\n');
    const failed = await run(['apply-result', '--env', 'prod', '--status', 'failure', '--log', file('f.log', 'Error: AccessDenied'), '--commit', sha, '--post'], env);
    expect(failed.code).toBe(0);
    const ok = await run(['apply-result', '--env', 'prod', '--status', 'success', '--log', log, '--commit', sha, '--post'], env);
    expect(ok.code).toBe(0);
    const comments = gh.comments.filter((c) => c.issue === 40);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toMatch(/^<!-- ecs-coexist:apply-result env=prod -->\n### ✅ Applied to `prod`\n\n\*\*Apply complete! Resources: 0 added, 1 changed, 0 destroyed\.\*\*/);
    expect(comments[0].body).toContain('commit `0123456789ab`');
  });
});
