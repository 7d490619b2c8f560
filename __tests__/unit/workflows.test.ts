import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadEnvironment } from '../../environments';
import staging from '../../environments/examples/staging';
import { ciEnvironments } from '../../scripts/environments';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { EXIT } from '../../src/release/errors';
import { requireBuild } from '../helpers/terraform';
import { HOSTILE, shape } from '../helpers/hostile-markdown';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const DIR = join(repoRoot(), '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const ACTIONLINT = join(repoRoot(), 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string; name?: string; if?: string };
type Job = {
  uses?: string;
  steps?: Step[];
  permissions?: Record<string, string>;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  needs?: string | string[];
  if?: string;
  with?: Record<string, unknown>;
  outputs?: Record<string, string>;
  'timeout-minutes'?: number;
  strategy?: { 'fail-fast'?: boolean; matrix?: { include?: Record<string, string>[] | string; environment?: string } };
};
type Workflow = { on: Record<string, unknown>; permissions?: unknown; env?: Record<string, string>; jobs: Record<string, Job> };

const workflows: Record<string, Workflow> = Object.fromEntries(FILES.map((f) => [f, parse(readFileSync(join(DIR, f), 'utf8')) as Workflow]));
const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

function actionlint(glob: string, cwd: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [ACTIONLINT, glob], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('workflow files', () => {
  test('the plan, apply and deploy workflows exist', () => {
    expect(FILES).toEqual(['_apply.yml', 'apply.yml', 'deploy.yml', 'plan.yml']);
  });

  test('every workflow file passes actionlint', () => {
    const r = actionlint('.github/workflows/*.yml', repoRoot());
    expect(r.out).toContain(`Checking ${FILES.length} workflow file(s)...`);
    expect(r.out).toContain('All workflow files passed lint checks');
    expect(r.code).toBe(0);
  });

  test('actionlint does fail on a broken workflow (negative control)', () => {
    const scratch = scratchDir('actionlint');
    try {
      mkdirSync(join(scratch.dir, 'wf'));
      writeFileSync(join(scratch.dir, 'wf', 'bad.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.no_such_field }}\n');
      const r = actionlint('wf/*.yml', scratch.dir);
      expect(r.code).toBe(1);
      expect(r.out).toContain('no_such_field');
    } finally {
      scratch.remove();
    }
  });

  test.each(FILES)('%s: least privilege: nothing by default, each job states its permissions', (file) => {
    const w = workflows[file];
    expect(w.permissions).toEqual({});
    for (const [name, job] of Object.entries(w.jobs)) {
      expect([name, job.permissions]).toEqual([name, expect.any(Object)]);
      // An OIDC token only where AWS credentials are configured (or handed to a called workflow that does).
      const usesAws = (job.steps ?? []).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')) || !!job.uses;
      expect([name, job.permissions!['id-token'] === 'write']).toEqual([name, usesAws]);
      for (const [scope, level] of Object.entries(job.permissions!)) {
        expect([name, scope, level]).toEqual([name, scope, expect.stringMatching(/^(read|write)$/)]);
        expect(['contents', 'id-token', 'pull-requests']).toContain(scope);
      }
      if (job.permissions!.contents) expect(job.permissions!.contents).toBe('read');
    }
  });

  test.each(FILES)('%s: no long-lived AWS keys, actions pinned to commits, no expressions inside scripts', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|secrets\.AWS/i);
    for (const s of allSteps(workflows[file])) {
      if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      // Script injection: values reach scripts through env, never pasted into the script by ${{ }}.
      if (s.run) expect(s.run).not.toContain('${{');
    }
    for (const s of allSteps(workflows[file]).filter((x) => x.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
      expect(Object.keys(s.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
    }
  });
});

/** Every `npx <bin> …` command line in a job's scripts. */
const commands = (job: Job, bin: string) => (job.steps ?? []).flatMap((st) => (st.run ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`npx ${bin} `)));
const stepIndex = (job: Job, pred: (s: Step) => boolean) => job.steps!.findIndex(pred);
const runs = (text: string) => (s: Step) => !!s.run?.includes(text);

describe('the environments come from main.ts, not from the workflow files', () => {
  test('plan and apply list them with scripts/environments.ts in a job of their own, without AWS credentials', () => {
    for (const file of ['plan.yml', 'apply.yml']) {
      const job = workflows[file].jobs.environments;
      expect([file, job.permissions]).toEqual([file, { contents: 'read' }]);
      expect(job.steps!.find((st) => st.id === 'list')?.run).toBe('node dist/scripts/environments.js --github-output >> "$GITHUB_OUTPUT"');
    }
    // No workflow names an environment of this repository except the app-facing deploy (dev, then prod).
    for (const file of ['plan.yml', 'apply.yml', '_apply.yml']) {
      expect([file, readFileSync(join(DIR, file), 'utf8').replace(/^\s*#.*$/gm, '')]).not.toEqual([file, expect.stringMatching(/\b(dev|prod|staging)\b/)]);
    }
  });

  test('the compiled script prints the matrices of this repository: dev and prod planned, dev applied first, prod after', () => {
    requireBuild();
    const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'scripts', 'environments.js'), '--github-output'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'chain=["dev","prod"]\n' +
        'plan=[{"environment":"dev","plan-role-variable":"PLAN_ROLE_ARN_DEV"},{"environment":"prod","plan-role-variable":"PLAN_ROLE_ARN_PROD"}]\n' +
        'non-production=["dev"]\nproduction=["prod"]\n',
    );
  });

  test('a third environment joins the plan matrix, its wave and the promotion chain with no workflow change', () => {
    // GIVEN main.ts listing staging (environments/examples/staging.ts) between dev and prod, dev replicating to it
    const dev = loadEnvironment('dev');
    const devWithStaging = { ...dev, registry: { ...dev.registry, replicateTo: [...dev.registry.replicateTo, { accountId: staging.accountId, region: staging.region }] } };
    const load = (name: string) => (name === 'staging' ? staging : name === 'dev' ? devWithStaging : loadEnvironment(name));
    // WHEN the script lists them
    const ci = ciEnvironments(['dev', 'staging', 'prod'], load);
    // THEN staging is planned with its own role variable, applied with the non-production wave, promoted after dev
    expect(ci.plan).toContainEqual({ environment: 'staging', 'plan-role-variable': 'PLAN_ROLE_ARN_STAGING' });
    expect(ci['non-production']).toEqual(['dev', 'staging']);
    expect(ci.production).toEqual(['prod']);
    expect(ci.chain).toEqual(['dev', 'staging', 'prod']);
    // AND a copy of dev that was only renamed is refused on the pull request, naming the first copied value
    const renamed = { ...devWithStaging, name: 'staging', ci: { ...dev.ci, githubEnvironment: 'staging' } };
    expect(() => ciEnvironments(['dev', 'staging', 'prod'], (n) => (n === 'staging' ? renamed : load(n)))).toThrow('invalid environment "staging": tags.Environment: received "dev"; allowed: "staging"');
  });

  test('an environment whose GitHub Environment has another name is refused on the pull request, not at the first apply', () => {
    const dev = loadEnvironment('dev');
    const load = () => ({ ...dev, ci: { ...dev.ci, githubEnvironment: 'development' } });
    expect(() => ciEnvironments(['dev'], load)).toThrow('invalid environment "dev": ci.githubEnvironment: received "development"; allowed: "dev" (the GitHub Environment the workflows apply and deploy dev in)');
  });
});

describe('plan on pull requests', () => {
  const w = workflows['plan.yml'];
  const job = w.jobs.plan;
  test('plans every listed environment in parallel, each with its own read-only plan role, pinned Node and Terraform', () => {
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    expect(job.needs).toBe('environments');
    expect(job.strategy?.['fail-fast']).toBe(false);
    expect(job.strategy?.matrix?.include).toBe('${{ fromJSON(needs.environments.outputs.plan) }}');
    expect(w.jobs.environments.outputs).toEqual({ plan: '${{ steps.list.outputs.plan }}' });
    // Forks get no OIDC token: the first job is skipped for them, and the plan job with it.
    expect(w.jobs.environments.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(job.environment).toBeUndefined(); // the plan role trusts `pull_request` subjects, not Environments
    expect(w.env?.NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(w.env?.TERRAFORM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const steps = job.steps!;
    expect(steps.find((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))?.with).toEqual({ terraform_version: '${{ env.TERRAFORM_VERSION }}', terraform_wrapper: false });
    expect(steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume']).toBe('${{ vars[matrix.plan-role-variable] }}');
    expect(steps.some((s) => s.run === 'npm ci --no-audit --no-fund')).toBe(true);
    // The plan role may not write the lock (nor the state): the plan takes no lock.
    const plan = steps.find((s) => s.id === 'plan')!.run!;
    expect(plan).toMatch(/terraform -chdir="\$dir" plan [^\n]*-lock=false/);
    expect(plan).not.toContain('-lock-timeout');
  });

  test('the comment step runs even when the plan failed, and then posts the error', () => {
    const comment = job.steps!.find((s) => s.run?.includes('npx plan-comment'))!;
    expect(comment.if).toBe('always()');
    expect(comment.run).toContain('--plan-json plan.json');
    expect(comment.run).toContain('--error-log plan.log');
    expect(comment.run).toContain('--post');
  });

  test('Terraform\'s output stays on the runner: the plan goes to a file, the log shows only masked renderings', () => {
    const plan = job.steps!.find((s) => s.id === 'plan')!.run!;
    expect(plan).toContain('} > plan.log 2>&1');
    expect(plan).toContain('show -json tfplan > plan.json');
    expect(plan).not.toMatch(/\btee\b/);
    expect(plan).not.toMatch(/show -no-color|show tfplan/);
    // On failure the log gets the masked failure comment, never plan.log itself.
    const comment = job.steps!.find(runs('npx plan-comment'))!.run!;
    expect(comment).toContain('cat comment-failed.md');
    expect(comment).not.toMatch(/cat plan\.log|tee/);
  });

  test('the only artifact is the untrimmed comment, masked; no workflow uploads a plan file, its text, JSON or log', () => {
    const upload = job.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'plan-${{ matrix.environment }}', path: 'comment-full.md' });
    expect(job.steps!.find(runs('npx plan-comment'))!.run).toContain('--full-output comment-full.md');
    for (const [file, wf] of Object.entries(workflows)) {
      for (const st of allSteps(wf).filter((x) => x.uses?.startsWith('actions/upload-artifact@'))) {
        expect([file, String(st.with?.path)]).not.toEqual([file, expect.stringMatching(/tfplan|plan\.(json|txt|log)|apply\.log/)]);
      }
    }
  });
});

describe('apply after merge', () => {
  const caller = workflows['apply.yml'];
  const called = workflows['_apply.yml'];
  test('non-production environments apply first, production ones only after all of them succeeded, through the same called workflow', () => {
    expect(caller.on).toEqual({ push: { branches: ['main'] } });
    const { 'non-production': first, production: then } = caller.jobs;
    expect(first).toMatchObject({ uses: './.github/workflows/_apply.yml', with: { environment: '${{ matrix.environment }}' }, needs: 'environments' });
    expect(first.strategy).toEqual({ 'fail-fast': false, matrix: { environment: '${{ fromJSON(needs.environments.outputs.non-production) }}' } });
    expect(then).toMatchObject({ uses: './.github/workflows/_apply.yml', with: { environment: '${{ matrix.environment }}' }, needs: ['environments', 'non-production'] });
    expect(then.strategy).toEqual({ 'fail-fast': false, matrix: { environment: '${{ fromJSON(needs.environments.outputs.production) }}' } });
    // A failed or refused non-production apply stops production; no non-production environment at all does not.
    expect(then.if).toContain("(needs.non-production.result == 'success' || needs.non-production.result == 'skipped')");
    expect(then.if).toContain('!cancelled()');
    // And with this repository's environments: dev in the first wave, prod (required reviewers) in the second.
    expect(ciEnvironments()).toMatchObject({ 'non-production': ['dev'], production: ['prod'] });
    // actionlint's WASM build cannot read called workflows: check the inputs here.
    const inputs = (called.on.workflow_call as { inputs: Record<string, { required?: boolean }> }).inputs;
    for (const job of [first, then]) {
      for (const [name, spec] of Object.entries(inputs)) if (spec.required) expect(job.with).toHaveProperty(name);
      for (const name of Object.keys(job.with ?? {})) expect(inputs).toHaveProperty(name);
    }
  });

  test('each environment applies in its GitHub Environment, one at a time, never cancelled', () => {
    const job = called.jobs.apply;
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.concurrency).toEqual({ group: 'apply-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(job.steps!.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume']).toBe('${{ vars.APPLY_ROLE_ARN }}');
  });

  test('the gate runs before apply, apply uses the verified plan file, and the result goes back to the pull request scrubbed with the plan\'s secrets', () => {
    const steps = called.jobs.apply.steps!;
    const verify = steps.findIndex((s) => s.run?.includes('npx plan-comment verify'));
    const apply = steps.findIndex((s) => s.run?.includes(' apply -input=false'));
    const report = steps.findIndex((s) => s.run?.includes('npx plan-comment apply-result'));
    expect(verify).toBeGreaterThan(0);
    expect(apply).toBeGreaterThan(verify);
    expect(report).toBeGreaterThan(apply);
    expect(steps[verify].run).toContain('--post');
    expect(steps[apply].run).toMatch(/apply -input=false -no-color tfplan/);
    expect(steps[report].run).toContain('--post');
    expect(steps[report].run).toContain('--plan-json plan.json');
  });

  test('after a successful apply, Terraform\'s revision is rolled out with the running image; a blue/green hold is a notice, not a failure', () => {
    const steps = called.jobs.apply.steps!;
    const apply = steps.findIndex((s) => s.run?.includes(' apply -input=false'));
    const rollout = steps.findIndex((s) => s.id === 'rollout');
    expect(rollout).toBeGreaterThan(apply);
    expect(steps[rollout].if).toBe("steps.apply.outcome == 'success'");
    expect(commands(called.jobs.apply, 'ecs-release')).toEqual(['npx ecs-release rollout --env "$ENVIRONMENT" --all --timeout 45m --json > rollout.json']);
    // exit 5 (holding) and the in-flight refusal end the step green; any other non-zero code fails the job
    expect(steps[rollout].run).toMatch(/if \[ "\$code" -eq 5 \]; then[\s\S]*exit 0[\s\S]*exit "\$code"/);
    expect(steps[rollout].run).toContain(`if [ "$code" -eq 3 ] && grep -q '"message": "deployment in progress' rollout.json; then`);
    // AND the rollout's wait runs on fresh credentials of the same role
    const refresh = steps[rollout - 1];
    expect([refresh.uses?.split('@')[0], refresh.with?.['role-to-assume']]).toEqual(['aws-actions/configure-aws-credentials', '${{ vars.APPLY_ROLE_ARN }}']);
    expect(called.jobs.apply['timeout-minutes']).toBeGreaterThanOrEqual(45 + 60);
  });

  test('planning main keeps Terraform\'s plan output off the job log; a failure is shown masked', () => {
    const steps = called.jobs.apply.steps!;
    const plan = steps.find((s) => s.id === 'plan')!;
    expect(plan.run).toContain('} > plan.log 2>&1');
    expect(plan.run).not.toMatch(/\btee\b/);
    const why = steps.find((s) => s.run?.includes('--error-log plan.log'))!;
    expect(why.if).toBe("failure() && steps.plan.outcome == 'failure'");
    expect(why.run).not.toContain('--post');
  });
});

describe('deploy for application repositories', () => {
  const w = workflows['deploy.yml'];
  const { dev, prod } = w.jobs;
  const traffic = w.jobs['prod-traffic'];
  const minutes = (line: string) => Number(/--timeout (\d+)m\b/.exec(line)?.[1]);

  test('is reusable, takes an image, deploys dev with the release CLI, each job holding one account\'s deploy role', () => {
    const call = w.on.workflow_call as { inputs: Record<string, { required?: boolean; type: string }> };
    expect(call.inputs.image).toMatchObject({ required: true, type: 'string' });
    expect(dev.environment).toBe('dev');
    expect(commands(dev, 'ecs-release')[0]).toBe('npx ecs-release deploy --env dev --group "$GROUP" --image "$IMAGE" --timeout 30m --json > deploy.json');
    for (const job of [dev, prod, traffic]) {
      expect(job.concurrency?.['cancel-in-progress']).toBe(false);
      expect(job.steps!.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume']).toBe(job === traffic ? '${{ vars.APPROVE_ROLE_ARN }}' : '${{ vars.DEPLOY_ROLE_ARN }}');
    }
  });

  test('the caller chooses no repository or ref of the release CLI: every job checks out this workflow\'s own commit', () => {
    // GIVEN the reusable workflow's inputs: the image and its release group only (no infra-repository, no infra-ref)
    const call = w.on.workflow_call as { inputs: Record<string, unknown> };
    expect(Object.keys(call.inputs)).toEqual(['image', 'release-group']);
    for (const job of [dev, prod, traffic]) {
      // THEN each job reads repository and commit from its OIDC token's job_workflow_ref / job_workflow_sha, then checks them out
      const source = stepIndex(job, (st) => st.id === 'source');
      const checkout = stepIndex(job, (st) => !!st.uses?.startsWith('actions/checkout@'));
      expect(source).toBe(0);
      expect(job.steps![source].run).toContain('.job_workflow_ref');
      expect(job.steps![source].run).toContain('.job_workflow_sha');
      expect(job.steps![source].run).toContain('audience=workflow-source');
      expect(checkout).toBe(source + 1);
      expect(job.steps![checkout].with).toMatchObject({ repository: '${{ steps.source.outputs.repository }}', ref: '${{ steps.source.outputs.sha }}' });
    }
    expect(JSON.stringify(w)).not.toContain('inputs.infra-');
  });

  test('GIVEN the prod job cannot read dev WHEN promoting THEN it uses the status the dev job wrote after its deploy', () => {
    // The dev job: deploy, then `status --json` (after the deploy step, which waits for completion), then the artifact.
    const deploy = stepIndex(dev, runs('npx ecs-release deploy'));
    const status = stepIndex(dev, runs('npx ecs-release status --env dev --group "$GROUP" --json > dev-status.json'));
    const upload = stepIndex(dev, (st) => !!st.uses?.startsWith('actions/upload-artifact@'));
    expect(deploy).toBeGreaterThan(0);
    expect(status).toBeGreaterThan(deploy);
    expect(upload).toBeGreaterThan(status);
    expect(dev.steps![upload].with).toMatchObject({ name: 'dev-status', path: 'dev-status.json', 'if-no-files-found': 'error' });
    // The prod job: download, promote from the file; never read dev with prod's credentials.
    expect(prod).toMatchObject({ environment: 'prod', needs: 'dev' });
    const download = stepIndex(prod, (st) => !!st.uses?.startsWith('actions/download-artifact@'));
    expect(prod.steps![download].with).toEqual({ name: 'dev-status' });
    const promote = commands(prod, 'ecs-release');
    expect(promote).toEqual(['npx ecs-release promote --from dev --from-status dev-status.json --to prod --group "$GROUP" --timeout 45m --json > promote.json || code=$?']);
    expect(stepIndex(prod, runs('npx ecs-release promote'))).toBeGreaterThan(download);
  });

  test('the digest check comes before prod is touched: before its credentials and before the promotion', () => {
    const check = stepIndex(prod, runs('"$recorded" != "$DEV_DIGEST"'));
    const credentials = stepIndex(prod, (st) => !!st.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    const promote = stepIndex(prod, runs('npx ecs-release promote'));
    expect(check).toBeGreaterThan(stepIndex(prod, (st) => !!st.uses?.startsWith('actions/download-artifact@')));
    expect(check).toBeLessThan(credentials);
    expect(credentials).toBeLessThan(promote);
    expect(prod.steps![check].env).toEqual({ DEV_DIGEST: '${{ needs.dev.outputs.digest }}' });
    // Nothing compares digests after the promotion any more: the CLI ships exactly the file's digest.
    expect(prod.steps!.slice(promote).map((st) => st.run ?? '').join('\n')).not.toContain('grep');
  });

  test('blue/green: a hold (exit 5) ends the promote job green, and a second approval in the prod Environment shifts traffic', () => {
    const promote = prod.steps!.find(runs('npx ecs-release promote'))!.run!;
    expect(EXIT.HOLDING).toBe(5);
    expect(promote).toMatch(/\n\s*5\)\n\s*# [^\n]*\n\s*echo "holding=true" >> "\$GITHUB_OUTPUT"/);
    expect(promote).toMatch(/\n\s*0\)\n\s*echo "holding=false" >> "\$GITHUB_OUTPUT"/);
    expect(promote).toMatch(/\*\)\n\s*echo "::error::[^\n]*\n\s*exit "\$code"/);
    expect(prod.outputs).toEqual({ holding: '${{ steps.promote.outputs.holding }}' });
    // The traffic job: only when holding, in its own Environment (its reviewers approve; only the approval role trusts it).
    expect(traffic).toMatchObject({ environment: 'prod-approve', needs: ['dev', 'prod'], if: "needs.prod.outputs.holding == 'true'" });
    expect(traffic.concurrency?.group).toBe(prod.concurrency?.group);
    expect(commands(traffic, 'ecs-release')).toEqual(['npx ecs-release approve --env prod --service web --timeout 45m --json > approve.json']);
  });

  test('every job\'s timeout covers its CLI wait, and the waits cover what prod\'s configuration makes CodeDeploy wait', () => {
    // GIVEN prod's blue/green settings
    const web = loadEnvironment('prod').services.web;
    if (web.kind !== 'web') throw new Error('prod declares web as a web service');
    const d = web.deployment;
    const shift = d.trafficShifting.type === 'all-at-once' ? 0 : d.trafficShifting.type === 'canary' ? d.trafficShifting.intervalMinutes : d.trafficShifting.intervalMinutes * Math.ceil(100 / d.trafficShifting.percent);
    const startup = 10; // new tasks starting and passing health checks
    const setup = 10; // checkout, npm ci, build
    const cli = { dev: minutes(commands(dev, 'ecs-release')[0]), prod: minutes(commands(prod, 'ecs-release')[0]), traffic: minutes(commands(traffic, 'ecs-release')[0]) };
    // THEN approve outlasts the traffic shift and the termination wait (CodeDeploy succeeds after the old tasks go)
    expect(cli.traffic).toBeGreaterThanOrEqual(shift + d.terminationWaitMinutes + startup);
    // AND promote outlasts the start of the new tasks, and everything after when nothing holds
    expect(cli.prod).toBeGreaterThanOrEqual(startup + (d.approvalWaitMinutes > 0 ? 0 : shift + d.terminationWaitMinutes));
    // AND a hold exists only where a job follows it (the hold itself waits for people, between jobs)
    expect(d.strategy === 'blue-green' && d.approvalWaitMinutes > 0).toBe(traffic.if === "needs.prod.outputs.holding == 'true'");
    // AND no job is cut off by GitHub before its CLI gives up on its own, with its exit code and message
    expect(dev['timeout-minutes']).toBeGreaterThanOrEqual(cli.dev + setup);
    expect(prod['timeout-minutes']).toBeGreaterThanOrEqual(cli.prod + setup);
    expect(traffic['timeout-minutes']).toBeGreaterThanOrEqual(cli.traffic + setup);
  });

  test('every ecs-release flag the workflow uses exists in the CLI', () => {
    requireBuild();
    const cli = join(repoRoot(), 'dist', 'src', 'release', 'cli.js');
    const jobs = [...Object.values(w.jobs), ...Object.values(workflows['_apply.yml'].jobs)];
    const helps = new Map<string, string>();
    for (const line of jobs.flatMap((job) => commands(job, 'ecs-release'))) {
      const [, command, ...rest] = line.replace(/\s*(>|\|\|).*$/, '').split(/\s+/).slice(1);
      if (!helps.has(command)) helps.set(command, spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' }).stdout);
      const help = helps.get(command)!;
      // An option line of the command's help (`  --flag <value>  description`), not a mention in a description.
      for (const flag of rest.filter((x) => x.startsWith('--'))) expect([command, flag, new RegExp(`^\\s+${flag}(\\s|$)`, 'm').test(help)]).toEqual([command, flag, true]);
    }
  });
});

describe('the promote step summary: what AWS returns reaches Markdown only as a code span', () => {
  test('GIVEN promote.json messages from the hostile corpus WHEN the step formats its summary line THEN the Markdown has the same structure as for a plain message', () => {
    requireBuild();
    const run = allSteps(workflows['deploy.yml']).find((st) => st.id === 'promote')?.run ?? '';
    const line = run.split('\n').find((l) => l.trim().startsWith('message=$('));
    expect(line).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'promote-summary-'));
    const summary = (message: string): string => {
      writeFileSync(join(dir, 'promote.json'), JSON.stringify({ message }));
      // The step's own lines: the message formatting and the summary line of a completed promotion, written to stdout
      const echo = run.split('\n').find((l) => l.includes('Promoted') && l.includes('GITHUB_STEP_SUMMARY'))!.replace('>> "$GITHUB_STEP_SUMMARY"', '');
      const script = [line!.trim().replace('"$PWD/promote.json"', JSON.stringify(join(dir, 'promote.json'))), echo.trim()].join('\n');
      const r = spawnSync('bash', ['-c', script], { cwd: repoRoot(), encoding: 'utf8', env: { ...process.env, DEV_DIGEST: `sha256:${'a'.repeat(64)}` } });
      expect(r.status).toBe(0);
      return r.stdout;
    };
    const plain = shape(summary('prod runs webapp-prod-web:42')).outline;
    for (const hostile of HOSTILE) {
      // THEN only the code span's content differs (the outline keeps text outside code)
      expect([hostile, shape(summary(hostile)).outline]).toEqual([hostile, plain]);
    }
  });
});
