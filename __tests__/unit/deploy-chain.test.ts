import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadEnvironment } from '../../environments';
import staging from '../../environments/examples/staging';
import { previousEnvironment } from '../../environments/schema/chain';
import { ENVIRONMENTS } from '../../main';
import { chainSteps, DEPLOY_WORKFLOW, renderDeployWorkflow } from '../../scripts/deploy-workflow';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { dev, prod, variant } from '../helpers/stacks';

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; name?: string };
type Job = { needs?: string | string[]; environment?: string; if?: string; steps: Step[] };
type Workflow = { jobs: Record<string, Job>; on: { workflow_call: { outputs: Record<string, { value: string }> } } };

const ACTIONLINT = join(repoRoot(), 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
const devWithStaging = variant(dev, { registry: { replicateTo: [...dev.registry.replicateTo, { accountId: staging.accountId, region: staging.region }] } });
const THREE = [devWithStaging, staging, prod];

/** Every `npx ecs-release …` line of a job. */
const releaseLines = (job: Job) => job.steps.flatMap((s) => (s.run ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('npx ecs-release ')));

describe('deploy.yml promotes along the chain (scripts/deploy-workflow.ts)', () => {
  test('the committed deploy.yml is exactly what the environment list renders (edit the templates, run npm run workflows)', () => {
    // GIVEN the environments main.ts deploys, in order / WHEN the workflow is rendered / THEN it is the committed file
    const rendered = renderDeployWorkflow(chainSteps(ENVIRONMENTS.map((n) => loadEnvironment(n))));
    expect(readFileSync(join(repoRoot(), DEPLOY_WORKFLOW), 'utf8')).toBe(rendered);
  });

  test('with staging listed between dev and prod: deploy to dev, promote dev -> staging -> prod, each from the one before', () => {
    // GIVEN the chain dev, staging (the example file), prod
    const w = parse(renderDeployWorkflow(chainSteps(THREE))) as Workflow;
    // THEN one job per environment (plus prod's traffic approval), each in its GitHub Environment
    expect(Object.keys(w.jobs)).toEqual(['dev', 'staging', 'prod', 'prod-traffic']);
    for (const name of ['dev', 'staging', 'prod']) expect(w.jobs[name].environment).toBe(name);
    // AND each promotion reads the status the job before it wrote, naming the environment before it in the chain
    const chain = THREE.map((e) => e.name);
    expect(releaseLines(w.jobs.dev)).toEqual(['npx ecs-release deploy --env dev --group "$GROUP" --image "$IMAGE" --timeout 30m --json > deploy.json', 'npx ecs-release status --env dev --group "$GROUP" --json > dev-status.json']);
    for (const name of ['staging', 'prod']) {
      const from = previousEnvironment(chain, name)!;
      const promote = releaseLines(w.jobs[name]).find((l) => l.includes(' promote '))!;
      expect(promote).toContain(`promote --from ${from} --from-status ${from}-status.json --to ${name} --group "$GROUP" `);
      expect(w.jobs[name].steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with).toEqual({ name: `${from}-status` });
    }
    // AND staging hands its own status on after its promotion; prod (last) hands nothing on
    expect(releaseLines(w.jobs.staging)).toContain('npx ecs-release status --env staging --group "$GROUP" --json > staging-status.json');
    expect(releaseLines(w.jobs['prod-traffic'])).toEqual(['npx ecs-release approve --env prod --service web --timeout 45m --json > approve.json']);
    expect(w.jobs.staging.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with).toMatchObject({ name: 'staging-status' });
    expect(w.jobs.prod.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(false);
    // AND every job checks the digest deployed at the start of the chain, so prod needs dev and staging
    expect([w.jobs.staging.needs, w.jobs.prod.needs, w.jobs['prod-traffic'].needs]).toEqual(['dev', ['dev', 'staging'], ['dev', 'prod']]);
    for (const name of ['staging', 'prod']) {
      expect(w.jobs[name].steps.filter((s) => s.env?.DEV_DIGEST).length).toBeGreaterThanOrEqual(2);
      for (const s of w.jobs[name].steps.filter((x) => x.env?.DEV_DIGEST)) expect(s.env!.DEV_DIGEST).toBe('${{ needs.dev.outputs.digest }}');
    }
    // AND staging (rolling) gets the rolling timeout, no hold; prod keeps blue/green's longer wait and its hold
    expect(releaseLines(w.jobs.staging).find((l) => l.includes(' promote '))).toContain('--timeout 30m');
    expect(JSON.stringify(w.jobs.staging)).not.toContain('holding');
    expect(w.jobs['prod-traffic'].if).toBe("needs.prod.outputs.holding == 'true'");
  });

  test('the rendered three-environment workflow passes actionlint', () => {
    const scratch = scratchDir('deploy-chain');
    try {
      mkdirSync(join(scratch.dir, 'wf'));
      writeFileSync(join(scratch.dir, 'wf', 'deploy.yml'), renderDeployWorkflow(chainSteps(THREE)));
      const r = spawnSync(process.execPath, [ACTIONLINT, 'wf/*.yml'], { cwd: scratch.dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('All workflow files passed lint checks');
      expect(r.status).toBe(0);
    } finally {
      scratch.remove();
    }
  });

  test('the digest a job hands on is the one every service of the group reports, else none (and the job fails)', () => {
    // GIVEN the rendered workflow's digest check / WHEN it reads group documents
    const w = parse(renderDeployWorkflow(chainSteps(THREE))) as Workflow;
    const step = w.jobs.staging.steps.find((s) => s.run?.includes('recorded=$(node -p'))!;
    const script = /node -p '([^']+)'/.exec(step.run!)![1];
    const scratch = scratchDir('digest-check');
    try {
      const read = (doc: object) => {
        const file = join(scratch.dir, `${Math.random().toString(36).slice(2)}.json`);
        writeFileSync(file, JSON.stringify(doc));
        return spawnSync(process.execPath, ['-p', script, file], { encoding: 'utf8' }).stdout.trim();
      };
      const a = `sha256:${'a'.repeat(64)}`;
      const b = `sha256:${'b'.repeat(64)}`;
      // THEN one digest across the members is handed on; two, or none, hand on nothing
      expect(read({ group: 'app', services: [{ service: 'web', digest: a }, { service: 'worker', digest: a }, { service: 'nightly', digest: a }] })).toBe(a);
      expect(read({ digest: a })).toBe(a);
      expect(read({ group: 'app', services: [{ service: 'web', digest: a }, { service: 'worker', digest: b }] })).toBe('');
      expect(read({ group: 'app', services: [] })).toBe('');
    } finally {
      scratch.remove();
    }
  });

  test('a blue/green hold before the end of the chain is refused in one line (the next promotion would wait on a person)', () => {
    const holdingStaging = { name: 'staging', blueGreen: true, holds: true };
    expect(() => renderDeployWorkflow([{ name: 'dev', blueGreen: false, holds: false }, holdingStaging, { name: 'prod', blueGreen: true, holds: true }])).toThrow(
      'deploy workflow: staging: received a blue/green hold (approvalWaitMinutes > 0) before prod; allowed: a hold in the last environment of the chain only (set approvalWaitMinutes: 0 in staging)',
    );
  });

  test('an environment name that is not a configuration name never reaches the workflow', () => {
    expect(() => renderDeployWorkflow([{ name: 'dev"; rm -rf /', blueGreen: false, holds: false }])).toThrow('deploy workflow: environment: received "dev\\"; rm -rf /"; allowed: lowercase letters, digits and hyphens');
  });

  test('a chain that fails the configuration checks renders nothing', () => {
    expect(() => chainSteps([dev, staging, prod])).toThrow('invalid environment "staging": registry: received "no replication into 111111111111/eu-central-1"');
  });
});
