import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pipelinesExample from '../../environments/examples/pipelines';
import { formatFindingLine, loadCheckovSkips, reviewedEnvironments, reviewScans, scanPlans, type ReviewedScan } from '../../scripts/lib/checkov';
import { repoRoot } from '../../scripts/lib/paths';
import { planStack, scratchDir, synthEnvironments, type PlanJson } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { requireTerraform } from '../helpers/terraform';

/**
 * An environment with `delivery` (and `ci.gitlab`) on, as Terraform and checkov read it: environments/examples/pipelines.ts
 * synthesized offline, validated, planned once (the terraform tier's cost: one plan) and that plan scanned by checkov
 * with the reviewed list (tools/checkov-skips.yaml).
 */
describe('an environment with the delivery pipeline, planned offline and scanned', () => {
  const scratch = scratchDir('tf-delivery');
  let plan: PlanJson;
  let exitCode: number;
  let dir: string;
  afterAll(() => scratch.remove());

  beforeAll(() => {
    requireTerraform();
    // GIVEN the example environment synthesized with the offline provider, planned once
    dir = synthEnvironments([pipelinesExample], join(scratch.dir, 'out'), 'offline')[pipelinesExample.name];
    ({ plan, exitCode } = planStack(dir));
  }, 600_000);

  test('terraform validate passes and the plan creates the pipeline, two projects, their roles, the artifact bucket and the GitLab provider', () => {
    expect(JSON.parse(terraform(['validate', '-json'], dir).stdout)).toMatchObject({ valid: true, error_count: 0 });
    const changes = plan.resource_changes ?? [];
    expect(exitCode).toBe(2);
    expect(changes.every((c) => c.change.actions.join() === 'create')).toBe(true);
    const delivery = changes.filter((c) => c.address.includes('delivery_'));
    const count = (t: string) => delivery.filter((c) => c.type === t).length;
    expect({
      pipeline: count('aws_codepipeline'),
      projects: count('aws_codebuild_project'),
      roles: count('aws_iam_role'),
      policies: count('aws_iam_role_policy'),
      boundaries: count('aws_iam_policy'),
      buckets: count('aws_s3_bucket'),
      logGroups: count('aws_cloudwatch_log_group'),
    }).toEqual({ pipeline: 1, projects: 2, roles: 3, policies: 3, boundaries: 1, buckets: 1, logGroups: 1 });
    const providers = changes.filter((c) => c.type === 'aws_iam_openid_connect_provider').map((c) => (c.change.after as { url: string }).url).sort();
    expect(providers).toEqual(['https://gitlab.com', 'https://token.actions.githubusercontent.com']);
  });

  test('Terraform plans the buildspecs byte for byte as this repository ships them', () => {
    // (their shell `${VAR:-}` is not read as Terraform interpolation)
    const specs = (plan.resource_changes ?? []).filter((c) => c.type === 'aws_codebuild_project').map((c) => (c.change.after as { source: { buildspec: string }[] }).source[0].buildspec);
    const shipped = ['buildspec.yml', 'promote.buildspec.yml'].map((f) => readFileSync(join(repoRoot(), 'ci', 'codebuild', f), 'utf8'));
    expect(specs.sort()).toEqual(shipped.sort());
  });

  describe('checkov on the plan', () => {
    let reviewed: ReviewedScan[];
    let stale: string[];

    beforeAll(() => {
      const file = join(scratch.dir, `${pipelinesExample.name}.tfplan.json`);
      writeFileSync(file, JSON.stringify(plan));
      const scan = scanPlans({ [pipelinesExample.name]: file });
      // Entries naming only dev or prod do not apply here; entries for every environment must match here too.
      const skips = loadCheckovSkips(undefined, reviewedEnvironments());
      ({ reviewed } = reviewScans(scan.scans, skips));
      ({ stale } = reviewScans(scan.scans, skips.filter((s) => s.environments?.includes(pipelinesExample.name))));
      for (const r of reviewed) process.stdout.write(`checkov ${scan.version} ${r.environment}: passed ${r.passed}, failed ${r.failed.length}, skipped ${r.skipped.length}\n`);
    }, 300_000);

    test('real checks ran and no failed check remains outside the reviewed list', () => {
      expect(reviewed[0].passed).toBeGreaterThan(100);
      expect(reviewed.flatMap((r) => r.failed.map(formatFindingLine))).toEqual([]);
    });

    test('the privileged build project (Docker layer caching) is the reviewed CKV_AWS_316 entry, the promote project is not privileged', () => {
      const skipped = reviewed[0].skipped.filter((s) => s.finding.checkId === 'CKV_AWS_316').map((s) => s.finding.resource);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatch(/^aws_codebuild_project\.delivery_build_/);
    });

    test('every entry naming this environment still matches a finding here', () => {
      expect(stale).toEqual([]);
    });
  });
});
