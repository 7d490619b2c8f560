import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RULES, checkStack } from '../../rules';
import { repoRoot } from '../../scripts/lib/paths';
import { templateLiteral } from '../../modules/template-literal';
import { evaluatePrincipal, type PolicyDocument } from '../helpers/iam-evaluator';
import { deliveryStack, PROD_DEPLOY_ROLE, PROPS, REPOSITORY_ARN, SERVICE_ARN } from '../helpers/delivery-stack';

const { stack } = deliveryStack();
const tf = stack.toTerraform() as { resource: Record<string, Record<string, any>> };
const one = (type: string, name?: string) => {
  const all = Object.entries(tf.resource[type] ?? {});
  return (name ? all.find(([k]) => k.includes(name)) : all[0])![1];
};
/** The inline policy Terraform receives for the role whose construct id is `role` (references as `${...}`). */
const policyOf = (role: string): PolicyDocument => JSON.parse(one('aws_iam_role_policy', `${role}_policy`).policy) as PolicyDocument;
const can = (policy: PolicyDocument, action: string, resource: string) => evaluatePrincipal({ identity: [policy] }, { action, resource, context: {} }).allowed;
const projectArn = (name: string) => `arn:aws:codebuild:eu-west-1:111111111111:project/webapp-dev-${name}`;

describe('DeliveryPipeline (CodeBuild + CodePipeline)', () => {
  test('stages run source, deploy to dev, a manual approval, then promote to prod, one release at a time', () => {
    const p = one('aws_codepipeline');
    expect(p.stage.map((s: any) => s.name)).toEqual(['Source', 'Deploy-dev', 'Approve-prod', 'Promote-prod']);
    expect(p.stage[2].action[0]).toMatchObject({ category: 'Approval', provider: 'Manual' });
    expect(p.stage[3].action[0]).toMatchObject({ provider: 'CodeBuild', input_artifacts: ['deployed', 'infra'] });
    expect(p.execution_mode).toBe('QUEUED');
    expect(p.stage[0].action.map((a: any) => a.configuration.FullRepositoryId)).toEqual(['example-org/webapp', 'example-org/webapp-infra']);
  });

  test('the projects run this repository\'s buildspecs, inlined; only the build project has Docker and layer caching', () => {
    const build = one('aws_codebuild_project', 'build');
    const promote = one('aws_codebuild_project', 'promote');
    expect(build.source.buildspec).toBe(templateLiteral(readFileSync(join(repoRoot(), 'ci', 'codebuild', 'buildspec.yml'), 'utf8')));
    expect(promote.source.buildspec).toBe(templateLiteral(readFileSync(join(repoRoot(), 'ci', 'codebuild', 'promote.buildspec.yml'), 'utf8')));
    expect(build.environment.privileged_mode).toBe(true);
    expect(build.cache).toEqual({ type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_CUSTOM_CACHE'] });
    expect(promote.environment.privileged_mode).toBe(false);
    expect(promote.environment.environment_variable).toContainEqual({ name: 'ECS_RELEASE_ROLE_ARN', value: PROD_DEPLOY_ROLE, type: 'PLAINTEXT' });
  });

  test('least privilege, evaluated: the build pushes to its repository and deploys dev; only the promote role reaches prod', () => {
    const build = policyOf('build-role');
    const promote = policyOf('promote-role');
    expect(can(build, 'ecr:PutImage', REPOSITORY_ARN)).toBe(true);
    expect(can(build, 'ecr:PutImage', REPOSITORY_ARN.replace('webapp', 'other'))).toBe(false);
    expect(can(build, 'ecs:UpdateService', SERVICE_ARN)).toBe(true);
    expect(can(build, 'sts:AssumeRole', PROD_DEPLOY_ROLE)).toBe(false);
    expect(can(promote, 'sts:AssumeRole', PROD_DEPLOY_ROLE)).toBe(true);
    expect(can(promote, 'sts:AssumeRole', 'arn:aws:iam::222222222222:role/webapp-prod-terraform')).toBe(false);
    expect(can(promote, 'ecr:PutImage', REPOSITORY_ARN)).toBe(false);
    expect(can(promote, 'ecs:UpdateService', SERVICE_ARN)).toBe(false);
    const pipelineRole = policyOf('pipeline-role');
    expect(can(pipelineRole, 'codebuild:StartBuild', projectArn('build'))).toBe(true);
    expect(can(pipelineRole, 'codebuild:StartBuild', projectArn('promote'))).toBe(true);
    expect(can(pipelineRole, 'codebuild:StartBuild', 'arn:aws:codebuild:eu-west-1:111111111111:project/other')).toBe(false);
    expect(can(pipelineRole, 'codestar-connections:UseConnection', PROPS.connectionArn)).toBe(true);
  });

  test('the project\'s policy rules pass on the construct (no error, no warning; the ECR login token is the one accepted risk)', () => {
    const r = checkStack(stack, { production: false, target: 'aws', rules: ALL_RULES });
    expect(r.errors.map((f) => `${f.ruleId} ${f.path}: ${f.reason}`)).toEqual([]);
    expect(r.warnings.map((f) => `${f.ruleId} ${f.path}`)).toEqual([]);
    expect(r.accepted.map((a) => `${a.ruleId} ${a.findingId}`)).toEqual(['iam-no-wildcard-resources EcrLogin']);
  });

  test.each([
    ['connectionArn', { connectionArn: 'github' }, /connectionArn: received "github"; allowed: a CodeStar\/CodeConnections connection ARN/],
    ['promote.roleArn', { promote: { roleArn: 'webapp-prod-ci-deploy' } }, /promote\.roleArn: received "webapp-prod-ci-deploy"/],
    ['promote.environment', { promote: { roleArn: PROD_DEPLOY_ROLE, environment: 'dev' } }, /promote\.environment: received "dev"; allowed: an environment other than dev/],
  ])('a contradiction in %s throws at construction, in one line', (_field, patch, message) => {
    expect(() => deliveryStack(undefined, { ...PROPS, ...patch } as typeof PROPS)).toThrow(message);
  });
});
