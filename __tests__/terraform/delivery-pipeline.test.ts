import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';
import { planStack, scratchDir } from '../../scripts/lib/synth';
import { terraform, terraformInit } from '../../scripts/lib/terraform';
import { deliveryStack } from '../helpers/delivery-stack';
import { requireTerraform } from '../helpers/terraform';

/** The CodeBuild/CodePipeline construct as Terraform reads it: valid, and planned offline with the provider's own checks. */
describe('DeliveryPipeline planned offline', () => {
  const scratch = scratchDir('tf-delivery');
  afterAll(() => scratch.remove());

  test('terraform validate passes and the offline plan creates the pipeline, two projects, three roles and the artifact bucket', () => {
    requireTerraform();
    // GIVEN the construct synthesized in a stack with the offline provider
    const { app } = deliveryStack(scratch.dir);
    app.synth();
    const dir = join(scratch.dir, 'stacks', 'delivery');
    // WHEN validating and planning it
    terraformInit(dir, { backend: false });
    expect(JSON.parse(terraform(['validate', '-json'], dir).stdout)).toMatchObject({ valid: true, error_count: 0 });
    const { plan, exitCode } = planStack(dir);
    // THEN every resource is a create, and these are the ones
    const created = (plan.resource_changes ?? []).filter((c) => c.change.actions.join() === 'create').map((c) => c.type);
    expect(exitCode).toBe(2);
    expect((plan.resource_changes ?? []).every((c) => c.change.actions.join() === 'create')).toBe(true);
    const count = (t: string) => created.filter((c) => c === t).length;
    expect({
      pipeline: count('aws_codepipeline'),
      projects: count('aws_codebuild_project'),
      roles: count('aws_iam_role'),
      policies: count('aws_iam_role_policy'),
      buckets: count('aws_s3_bucket'),
      logGroups: count('aws_cloudwatch_log_group'),
    }).toEqual({ pipeline: 1, projects: 2, roles: 3, policies: 3, buckets: 1, logGroups: 1 });
    // AND Terraform plans the buildspecs byte for byte as this repository ships them (their shell `${VAR:-}` is not
    // read as Terraform interpolation)
    const specs = (plan.resource_changes ?? []).filter((c) => c.type === 'aws_codebuild_project').map((c) => ((c.change.after as { source: { buildspec: string }[] }).source[0].buildspec));
    const shipped = ['buildspec.yml', 'promote.buildspec.yml'].map((f) => readFileSync(join(repoRoot(), 'ci', 'codebuild', f), 'utf8'));
    expect(specs.sort()).toEqual(shipped.sort());
  });
});
