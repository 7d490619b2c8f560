import { resourceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import pipelinesExample from '../../environments/examples/pipelines';
import { accountNow, type Account } from '../helpers/account-iam';
import type { IamRequest, PolicyDocument, Statement } from '../helpers/iam-evaluator';
import { dev, prod, synth, variant } from '../helpers/stacks';

/**
 * `delivery` in an environment: the stack creates the DeliveryPipeline, and its CodeBuild build role holds exactly the
 * deploy rights of the released repository's deploy role, proven with the IAM evaluator on the account model (inline
 * policies and permissions boundaries as IAM evaluates them), not by comparing JSON.
 */
const devDelivery = variant(dev, {
  delivery: {
    connectionArn: 'arn:aws:codestar-connections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
    appRepository: 'example-org/webapp',
    // web, worker and nightly are one release group: the pipeline ships the image to all three.
    group: 'app',
    promote: { roleArn: 'arn:aws:iam::222222222222:role/webapp-prod-ci-deploy' },
  },
});

/** The build role's own statements besides the deploy rights: logs, artifacts, pushing its image, the ECR login. */
const BUILD_ONLY = new Set(['BuildLogs', 'BuildArtifacts', 'BuildArtifactKey', 'PushImage', 'EcrLogin']);

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const concrete = (v: string) => v.replace(/\*/g, 'sample').replace(/\?/g, 's');

/**
 * Requests that exercise a policy's Allow statements: each action on each resource (wildcards made concrete), with a
 * context meeting the statement's condition (its first value per key). Sampled from the document, so a statement added
 * to either role is sampled too.
 */
function samples(doc: PolicyDocument, keep: (s: Statement) => boolean = () => true): (IamRequest & { sid: string })[] {
  const out: (IamRequest & { sid: string })[] = [];
  for (const s of doc.Statement.filter((x) => x.Effect === 'Allow' && keep(x))) {
    const context: Record<string, string> = {};
    for (const [, byKey] of Object.entries(s.Condition ?? {})) {
      for (const [key, value] of Object.entries(byKey)) context[key] = concrete(String(Array.isArray(value) ? value[0] : value));
    }
    for (const action of list(s.Action).filter((a) => !a.includes('*'))) {
      for (const resource of list(s.Resource)) out.push({ sid: s.Sid ?? '', action, resource: concrete(resource), context, origin: s.Sid });
    }
  }
  return out;
}

const inline = (a: Account, role: string): PolicyDocument => a.role(role).inline.get('inline')!;

describe.each([
  ['the pipelines example (one service)', pipelinesExample],
  ['dev with delivery (web, worker, nightly)', devDelivery],
] as const)('%s: the CodeBuild build role deploys exactly what the deploy role deploys', (_name, env: EnvironmentConfig) => {
  const a = accountNow(env);
  const n = resourceNames(env);
  const build = `${n.prefix}-delivery-build`;

  test('every call the deploy role may make, the build role may make, and every call it may not, neither may the build role', () => {
    // GIVEN requests sampled from the deploy role's statements WHEN both roles' policies (with boundaries) evaluate them
    const requests = samples(inline(a, n.deployRole));
    const differ = requests.filter((r) => a.request(n.deployRole, r.action, r.resource, r.context).allowed !== a.request(build, r.action, r.resource, r.context).allowed);
    // THEN the decisions are the same, and the sample is not trivial
    expect(differ.map((r) => `${r.origin}: ${r.action} ${r.resource}`)).toEqual([]);
    expect(requests.length).toBeGreaterThan(30);
    expect(requests.filter((r) => a.request(n.deployRole, r.action, r.resource, r.context).allowed).length).toBeGreaterThan(30);
  });

  test('nothing more: beyond logs, artifacts and pushing its own image, everything the build role may do the deploy role may do', () => {
    const own = samples(inline(a, build), (s) => !BUILD_ONLY.has(s.Sid ?? ''));
    const more = own.filter((r) => a.request(build, r.action, r.resource, r.context).allowed && !a.request(n.deployRole, r.action, r.resource, r.context).allowed);
    expect(more.map((r) => `${r.origin}: ${r.action} ${r.resource}`)).toEqual([]);
    // and the build's own extras are the writes of a build (the deploy role already reads images), which the deploy role lacks
    const extras = samples(inline(a, build), (s) => BUILD_ONLY.has(s.Sid ?? '') && s.Resource !== '*').filter((r) => !a.request(n.deployRole, r.action, r.resource, r.context).allowed);
    expect([...new Set(extras.map((r) => r.action))].sort()).toEqual(
      ['ecr:BatchCheckLayerAvailability', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart', 'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
    );
  });

  test('calls outside the deploy rights are refused to the build role', () => {
    for (const [action, resource] of [
      ['iam:CreateUser', `arn:aws:iam::${env.accountId}:user/backdoor`],
      ['ssm:GetParameters', String(Object.values(env.services)[0].secrets.DATABASE_URL)],
      ['s3:GetObject', `arn:aws:s3:::${env.state.bucket}/${env.state.key}`],
      ['sts:AssumeRole', env.delivery!.promote.roleArn],
      ['ecs:UpdateService', `arn:aws:ecs:${env.region}:${env.accountId}:service/other-cluster/other`],
      ['iam:PassRole', a.roleArn(n.applyRole)],
    ]) {
      expect([action, a.request(build, action, resource).allowed]).toEqual([action, false]);
    }
  });

  test('the build role carries a permissions boundary of its own; the promote and pipeline roles the workload boundary', () => {
    expect(a.role(build).boundary).toBe(a.policyArn(`${n.prefix}-delivery-boundary`));
    expect(a.role(`${n.prefix}-delivery-promote`).boundary).toBe(a.policyArn(`${n.prefix}-workload-boundary`));
    expect(a.role(`${n.prefix}-delivery-pipeline`).boundary).toBe(a.policyArn(`${n.prefix}-workload-boundary`));
    // and the boundary caps: an administrator's action written into the build role's policy stays refused
    a.role(build).inline.set('all', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(a.request(build, 'iam:CreateUser', `arn:aws:iam::${env.accountId}:user/backdoor`).allowed).toBe(false);
  });

  test('the stack creates the pipeline: deploy here, a manual approval, then the promotion with prod\'s deploy role', () => {
    const tf = synth(env).tf;
    const pipeline = Object.values(tf.resource.aws_codepipeline)[0] as { stage: { name: string; action: { category: string; provider: string }[] }[] };
    expect(pipeline.stage.map((s) => s.name)).toEqual(['Source', `Deploy-${env.name}`, 'Approve-prod', 'Promote-prod']);
    expect(pipeline.stage[2].action[0]).toMatchObject({ category: 'Approval', provider: 'Manual' });
    const promote = Object.values(tf.resource.aws_codebuild_project).find((p) => String(p.name).endsWith('-promote')) as { environment: { environment_variable: { name: string; value: string }[] } };
    expect(promote.environment.environment_variable).toContainEqual(expect.objectContaining({ name: 'ECS_RELEASE_ROLE_ARN', value: env.delivery!.promote.roleArn }));
    expect(tf.output).toHaveProperty('delivery_promoter_role_arn');
    // AND both stages release the configured selection (none for the example's only service)
    const selects = Object.values(tf.resource.aws_codebuild_project).map((p) => (p as { environment: { environment_variable: { name: string; value: string }[] } }).environment.environment_variable.find((v) => v.name === 'ECS_RELEASE_SELECT')?.value);
    expect(selects).toEqual(env.delivery!.group ? [`--group ${env.delivery!.group}`, `--group ${env.delivery!.group}`] : [undefined, undefined]);
  });
});

describe('the promotion target: prod\'s deploy role trusts exactly the promoting pipeline\'s promote role', () => {
  const promoter = `arn:aws:iam::${pipelinesExample.accountId}:role/webapp-pipelines-delivery-promote`;
  const prodWithPromoter = variant(prod, { ci: { deliveryPromoterRoleArn: promoter } });
  const n = resourceNames(prod);

  test('the promote role (its own policy allows it) assumes prod\'s deploy role; no other role of that account, and prod unconfigured, refuse', () => {
    // GIVEN prod configured with the example's delivery_promoter_role_arn
    const target = accountNow(prodWithPromoter);
    // WHEN the promote role of the pipelines account calls sts:AssumeRole THEN allowed, and its own policy allows the call
    expect(target.assumeRole({ external: promoter }, n.deployRole).allowed).toBe(true);
    const source = accountNow(pipelinesExample);
    expect(source.request('webapp-pipelines-delivery-promote', 'sts:AssumeRole', pipelinesExample.delivery!.promote.roleArn).allowed).toBe(true);
    // AND the same account's build role, another role, or prod's approve role are refused
    expect(target.assumeRole({ external: `arn:aws:iam::${pipelinesExample.accountId}:role/webapp-pipelines-delivery-build` }, n.deployRole).allowed).toBe(false);
    expect(target.assumeRole({ external: `arn:aws:iam::${pipelinesExample.accountId}:root` }, n.deployRole).allowed).toBe(false);
    expect(target.assumeRole({ external: promoter }, `${n.prefix}-ci-approve`).allowed).toBe(false);
    expect(accountNow(prod).assumeRole({ external: promoter }, n.deployRole).allowed).toBe(false);
  });
});

test('an environment of several services names what its pipeline releases, or is refused in one line', () => {
  const { group: _group, ...unselected } = devDelivery.delivery!;
  expect(() => variant(dev, { delivery: unselected })).toThrow(/^invalid environment "dev": delivery\.service: received [^;]+; allowed: a service \(web, worker, nightly\) or delivery\.group \(app\): the environment has several services$/);
});
