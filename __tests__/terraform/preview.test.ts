import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments';
import { ENVIRONMENTS } from '../../main';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/** One environment's block of the preview output. */
interface Section {
  readonly header: string;
  readonly planLine: string;
  readonly rows: { type: string; count: number }[];
}

function sections(stdout: string): Map<string, Section> {
  const out = new Map<string, Section>();
  for (const block of stdout.split('\n== ').slice(1)) {
    const [header, columns, ...rest] = block.split('\n');
    expect(columns.trim().split(/\s+/)).toEqual(['resource', 'type', 'count']);
    const rows = rest.filter((l) => /^ {2}\S+\s+\d+$/.test(l)).map((l) => {
      const [type, count] = l.trim().split(/\s+/);
      return { type, count: Number(count) };
    });
    out.set(header.split(' ')[0], { header, planLine: /Plan: .*$/.exec(header)![0], rows });
  }
  return out;
}

describe('npm run preview (the compiled script, real Terraform, offline)', () => {
  const scratch = scratchDir('preview');
  let run: { status: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    requireTerraform();
    requireBuild();
    // GIVEN a fresh clone's state: no AWS credentials, the compiled scripts
    // WHEN the preview runs (into its own folder, so a person's preview is never touched)
    const env = { ...process.env };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
    const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'scripts', 'preview.js'), '--outdir', scratch.dir], { cwd: repoRoot(), env, encoding: 'utf8', timeout: 300_000 });
    run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  });
  afterAll(() => scratch.remove());

  test('exits 0 and prints one section per environment of main.ts, in order, each with its account and region', () => {
    expect({ status: run.status, stderrTail: run.status === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ status: 0, stderrTail: '' });
    const found = sections(run.stdout);
    expect([...found.keys()]).toEqual([...ENVIRONMENTS]);
    for (const name of ENVIRONMENTS) {
      const env = loadEnvironment(name);
      expect(found.get(name)!.header).toBe(`${name} (account ${env.accountId}, ${env.region}): ${found.get(name)!.planLine}`);
    }
    expect(run.stdout).toMatch(new RegExp(`Offline plans of ${ENVIRONMENTS.length} environments in [\\d.]+ s\\. Nothing was sent to AWS\\.`));
  });

  test('groups the planned resources by type: one sorted row per type, counts matching the synthesized configuration and the Plan line', () => {
    const found = sections(run.stdout);
    for (const name of ENVIRONMENTS) {
      const { rows, planLine } = found.get(name)!;
      const types = rows.map((r) => r.type);
      expect(types).toEqual([...new Set(types)].sort());
      // Every resource of the configuration that was planned is created once: the rows are its resources by type.
      const tf = JSON.parse(readFileSync(join(scratch.dir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, unknown>> };
      expect(Object.fromEntries(rows.map((r) => [r.type, r.count]))).toEqual(Object.fromEntries(Object.entries(tf.resource).map(([t, byId]) => [t, Object.keys(byId).length])));
      const total = rows.reduce((n, r) => n + r.count, 0);
      expect(planLine).toBe(`Plan: ${total} to add, 0 to change, 0 to destroy.`);
      // One load balancer and network for the environment; a task definition per service (web, worker, nightly), an ECS
      // service per long-running one, a schedule for the scheduled one.
      const expected = { aws_lb: 1, aws_vpc: 1, aws_ecs_task_definition: 3, aws_ecs_service: 2, aws_scheduler_schedule: 1 };
      expect(Object.fromEntries(Object.keys(expected).map((type) => [type, rows.find((r) => r.type === type)?.count]))).toEqual(expected);
    }
    // Blue/green only where configured: prod's CodeDeploy group, dev's rolling listener rule.
    expect(found.get('prod')!.rows.map((r) => r.type)).toContain('aws_codedeploy_deployment_group');
    expect(found.get('dev')!.rows.map((r) => r.type)).not.toContain('aws_codedeploy_deployment_group');
  });
});
