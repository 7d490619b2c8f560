import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT, DIGEST, REPO, TD, TERRAFORM_REVISION, cli, deployment, descriptor, dev, mockAws, names, revision, service, writeCalls } from '../helpers/release-mocks';
import { evaluate, type IamRequest } from '../helpers/iam-evaluator';
import { deployRolePolicy } from '../helpers/release-permissions';
import { planPrune, type RevisionInfo } from '../../src/release/revisions';

const mocks = mockAws();
afterAll(() => mocks.restore());

const RELEASE = (deployedAt?: string) => [
  { key: 'ecs-coexist:owner', value: 'ecs-release' },
  { key: 'ecs-release:image-digest', value: 'x' },
  ...(deployedAt ? [{ key: 'ecs-release:deployed-at', value: deployedAt }] : []),
];

/**
 * GIVEN dev's family with revisions 1..12: 1 and 5 Terraform's (5 in the descriptor), 2-4 and 6-12 ecs-release's,
 * deployed in order except 11 (a failed deploy); the service runs 12, a one-off task still runs 3; 13 belongs to
 * another family with the same prefix.
 */
function given(): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/x` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(12, [deployment('ecs-svc/a', 12, 'COMPLETED')])] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [`arn:aws:ecs:${dev.region}:${ACCOUNT}:task/${names.cluster}/t1`, `arn:aws:ecs:${dev.region}:${ACCOUNT}:task/${names.cluster}/t2`] });
  mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskDefinitionArn: TD(12) }, { taskDefinitionArn: TD(3) }] });
  const arns = [...Array.from({ length: 12 }, (_, i) => TD(12 - i)), `arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/${names.family}-worker:13`];
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: arns });
  for (let n = 1; n <= 12; n++) {
    const tags = n === 1 || n === TERRAFORM_REVISION ? [{ key: 'ecs-coexist:owner', value: 'terraform' }] : RELEASE(n === 11 ? undefined : `2026-01-${String(n).padStart(2, '0')}T00:00:00Z`);
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(n) }).resolves({ taskDefinition: revision(n, `${REPO}@${DIGEST(n % 10)}`), tags });
  }
  mocks.ecs.on(DeregisterTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({ taskDefinition: { taskDefinitionArn: input.taskDefinition, status: 'INACTIVE' } }));
}

describe('ecs-release revisions (client mocks)', () => {
  test('revisions lists the family\'s revisions newest first with owner, digest, deployed-at and what uses each; reads only', async () => {
    given();
    const r = await cli(['revisions', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.active).toBe(12); // the -worker family is not this family
    expect(doc.revisions.map((x: RevisionInfo) => x.revision)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(doc.revisions[0]).toMatchObject({ owner: 'ecs-release', deployedAt: '2026-01-12T00:00:00Z', inUse: ['service', 'deployment', 'task'] });
    expect(doc.revisions.find((x: RevisionInfo) => x.revision === 5)).toMatchObject({ owner: 'terraform', inUse: ['terraform'] });
    expect(doc.revisions.find((x: RevisionInfo) => x.revision === 3)).toMatchObject({ inUse: ['task'] });
    expect(writeCalls(mocks)).toEqual([]);
    // AND the text form shows one line per revision
    const text = await cli(['revisions', '--env', 'dev', '--service', 'web', '--limit', '3']);
    expect(text.stdout.trim().split('\n')).toHaveLength(4);
    expect(text.stdout).toContain(`${names.family}: 12 active revision(s), newest 3 shown (--limit)`);
  });

  test('prune --keep 2 --dry-run lists exactly the old, unused ecs-release revisions and writes nothing', async () => {
    given();
    const r = await cli(['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '2', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    // 12 runs, 3 runs a task, 5 and 1 are Terraform's, 10 and 9 are the 2 last deployed besides the running one;
    // 11 never completed a rollout and is older than 12
    expect(doc.deregister).toEqual([TD(11), TD(8), TD(7), TD(6), TD(4), TD(2)]);
    expect(doc.kept).toEqual(expect.arrayContaining([
      { revision: TD(12), reason: 'in use' },
      { revision: TD(10), reason: 'rollback candidate' },
      { revision: TD(9), reason: 'rollback candidate' },
      { revision: TD(5), reason: 'in use' },
      { revision: TD(3), reason: 'in use' },
      { revision: TD(1), reason: 'not registered by ecs-release' },
    ]));
    expect(doc.outcome).toBe('dry-run');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('prune deregisters the planned revisions, each one allowed to the deploy role by its owner tag', async () => {
    given();
    const r = await cli(['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '2', '--json']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([TD(11), TD(8), TD(7), TD(6), TD(4), TD(2)]);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'pruned', deregistered: [TD(11), TD(8), TD(7), TD(6), TD(4), TD(2)] });
  });

  test('prune keeps a revision that came into use between the plan and the writes', async () => {
    given();
    // GIVEN a task of revision 8 starts after the plan was read
    mocks.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [service(12, [deployment('ecs-svc/a', 12, 'COMPLETED')])] })
      .resolves({ services: [service(12, [deployment('ecs-svc/a', 12, 'COMPLETED')])] });
    mocks.ecs.on(DescribeTasksCommand).resolvesOnce({ tasks: [{ taskDefinitionArn: TD(12) }, { taskDefinitionArn: TD(3) }] }).resolves({ tasks: [{ taskDefinitionArn: TD(8) }] });
    const r = await cli(['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '2']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).not.toContain(TD(8));
    expect(r.stdout).toContain(`keep        ${names.family}:8: in use since the plan was made`);
  });

  test.each([
    ['no --keep', ['revisions', 'prune', '--env', 'dev', '--service', 'web'], /^ecs-release: required option '--keep <n>' not specified/],
    ['--keep 0 (no rollback candidate left)', ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '0'], /^ecs-release: --keep: received "0"; allowed: a whole number from 1 to 100$/],
    ['--keep twice', ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '3', '--keep', '1'], /^ecs-release: --keep: received \["3","1"\]/],
    ['a malformed --limit', ['revisions', '--env', 'dev', '--service', 'web', '--limit', 'all'], /^ecs-release: --limit: received "all"; allowed: a whole number from 1 to 500$/],
    ['no --env', ['revisions'], /^ecs-release: required option '--env <name>' not specified/],
  ])('refuses %s in one line, before any AWS call', async (_t, args, message) => {
    given();
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.calls).toEqual([]);
  });

  test('prune refuses while a deployment is in flight, writing nothing', async () => {
    given();
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(12, [deployment('ecs-svc/b', 12, 'IN_PROGRESS'), deployment('ecs-svc/a', 10, 'COMPLETED', 'ACTIVE')])] });
    const r = await cli(['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '2']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ecs-release: deployment in progress/);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('revisions prune: the plan (pure) and the grant (IAM evaluator)', () => {
  const rev = (n: number, extra: Partial<RevisionInfo> = {}): RevisionInfo => ({ revision: n, arn: TD(n), owner: 'ecs-release', inUse: [], ...extra });

  test('never a revision in use or in state, never another owner\'s, never the last N deployed besides the running one, never one newer than what runs', () => {
    const plan = planPrune(
      [
        rev(9), // registered after the running one: a deploy may be shipping it
        rev(8, { inUse: ['service'], deployedAt: '2026-01-08' }),
        rev(7, { deployedAt: '2026-01-07' }),
        rev(6, { deployedAt: '2026-01-09' }), // deployed again later (a rollback): the newest deployment counts
        rev(5, { owner: 'terraform', inUse: ['terraform'] }),
        rev(4, { owner: 'unknown' }),
        rev(3, { deployedAt: '2026-01-03' }),
        rev(2, { inUse: ['task'] }),
      ],
      2,
    );
    expect(plan.deregister.map((r) => r.revision)).toEqual([3]);
    expect(Object.fromEntries(plan.kept.map((k) => [k.revision.revision, k.reason]))).toEqual({
      9: 'newer than every revision in use',
      8: 'in use',
      7: 'rollback candidate',
      6: 'rollback candidate',
      5: 'in use',
      4: 'not registered by ecs-release',
      2: 'in use',
    });
  });

  test('the deploy role may deregister ecs-release\'s revisions of its family only: not Terraform\'s, not untagged ones, not another family\'s', () => {
    const policy = deployRolePolicy(dev);
    const request = (arn: string, owner?: string): IamRequest => ({ action: 'ecs:DeregisterTaskDefinition', resource: arn, context: owner ? { 'aws:ResourceTag/ecs-coexist:owner': owner } : ({} as Record<string, string>) });
    expect(evaluate(policy, request(TD(7), 'ecs-release')).allowed).toBe(true);
    expect(evaluate(policy, request(TD(5), 'terraform')).allowed).toBe(false);
    expect(evaluate(policy, request(TD(4))).allowed).toBe(false);
    expect(evaluate(policy, request(`arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/other-family:3`, 'ecs-release')).allowed).toBe(false);
  });
});
