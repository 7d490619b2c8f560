import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadEnvironment } from '../../environments';
import type { PolicyDocument } from '../helpers/iam-evaluator';
import { approveRolePolicy, deniedRequests, deployRolePolicy, identityFor, type RecordedCall } from '../helpers/release-permissions';
import { ACCOUNT, DIGEST, REPO, TD, mockAws } from '../helpers/release-mocks';

/**
 * The checker every client-mock test runs (release-mocks `cli`): it must catch a call the deploy role cannot make.
 * The bug it exists for: the role could tag revisions only while registering them, so the `ecs-release:deployed-at`
 * tag after a completed rollout was AccessDenied on AWS (moto enforces no IAM), and rollback never found a revision.
 */
const mocks = mockAws();
afterAll(() => mocks.restore());

const dev = loadEnvironment('dev');
const owned = [{ key: 'ecs-coexist:owner', value: 'ecs-release' }];
const register: RecordedCall = {
  environment: 'dev',
  service: 'ECS',
  command: 'RegisterTaskDefinition',
  input: { family: 'webapp-dev-web', containerDefinitions: [{ name: 'app', image: `${REPO}@${DIGEST(3)}` }], executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/webapp-dev-web-execution`, tags: owned },
  output: { taskDefinition: { taskDefinitionArn: TD(8) } },
};
const markDeployed = (arn: string): RecordedCall => ({ environment: 'dev', service: 'ECS', command: 'TagResource', input: { resourceArn: arn, tags: [{ key: 'ecs-release:deployed-at', value: '2026-01-02T00:00:00Z' }] } });

/** The deploy role as it was before the fix: TagResource only with ecs:CreateAction = RegisterTaskDefinition. */
function asBefore(): PolicyDocument {
  const doc = deployRolePolicy(dev);
  return { ...doc, Statement: doc.Statement.filter((s) => s.Sid !== 'MarkOwnRevisionsDeployed') };
}

describe('release permission checker', () => {
  test('GIVEN the old deploy role WHEN a completed deploy tags its revision THEN the checker reports that TagResource denied', () => {
    const denied = deniedRequests([register, markDeployed(TD(8))], () => dev, asBefore);
    expect(denied.map((d) => `${d.request.action} ${d.request.resource}`)).toEqual([`ecs:TagResource ${TD(8)}`]);
  });

  test('GIVEN the deploy role as synthesized WHEN the same calls are replayed THEN nothing is denied', () => {
    expect(deniedRequests([register, markDeployed(TD(8))], () => dev)).toEqual([]);
  });

  test('GIVEN the deploy role as synthesized WHEN a revision ecs-release did not register is tagged THEN it is denied', () => {
    const terraforms: RecordedCall = {
      environment: 'dev',
      service: 'ECS',
      command: 'DescribeTaskDefinition',
      input: { taskDefinition: TD(5), include: ['TAGS'] },
      output: { taskDefinition: { taskDefinitionArn: TD(5) }, tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }] },
    };
    expect(deniedRequests([terraforms, markDeployed(TD(5))], () => dev)).toHaveLength(1);
  });

  test('a call without an IAM mapping fails the check instead of passing unchecked', () => {
    const unknown: RecordedCall = { environment: 'dev', service: 'ECS', command: 'DeleteService', input: {} };
    expect(() => deniedRequests([unknown], () => dev)).toThrow('no IAM mapping for ECS:DeleteService');
  });

  test('the mocks record which environment each call was made for', async () => {
    mocks.reset();
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    const { cli } = await import('../helpers/release-mocks');
    const r = await cli(['status', '--env', 'prod', '--service', 'web']);
    expect(r.code).toBe(3);
    expect(r.calls).toEqual([{ environment: 'prod', service: 'STS', command: 'GetCallerIdentity', input: {}, output: { Account: '999999999999' } }]);
  });

  test('GIVEN a blue/green environment WHEN ContinueDeployment is checked THEN the deploy role is denied it and the approval role allowed', () => {
    const prod = loadEnvironment('prod');
    const continueCall: RecordedCall = { environment: 'prod', service: 'CodeDeploy', command: 'ContinueDeployment', input: { deploymentId: 'd-1', deploymentWaitType: 'READY_WAIT' } };
    expect(deniedRequests([continueCall], () => prod, deployRolePolicy).map((d) => d.request.action)).toEqual(['codedeploy:ContinueDeployment']);
    expect(deniedRequests([continueCall], () => prod, approveRolePolicy)).toEqual([]);
    // approve and rollback of a blue/green environment run as the approval identity; the rest, and rolling environments, as deploy
    expect(identityFor(['approve', '--service', 'web'])(prod)).toBe(approveRolePolicy(prod));
    expect(identityFor(['rollback', '--service', 'web'])(prod)).toBe(approveRolePolicy(prod));
    expect(identityFor(['deploy', '--service', 'web'])(prod)).toBe(deployRolePolicy(prod));
    expect(identityFor(['rollback', '--service', 'web'])(dev)).toBe(deployRolePolicy(dev));
    // prod's worker rolls: its rollback is the deploy identity's
    expect(identityFor(['rollback', '--service', 'worker'])(prod)).toBe(deployRolePolicy(prod));
  });

  test('the approval role registers no revision, updates no service, runs no task and passes no role', () => {
    const prod = loadEnvironment('prod');
    const calls: RecordedCall[] = [
      { environment: 'prod', service: 'ECS', command: 'RegisterTaskDefinition', input: { family: 'webapp-prod-web', containerDefinitions: [], executionRoleArn: 'arn:aws:iam::222222222222:role/webapp-prod-web-execution' }, output: { taskDefinition: { taskDefinitionArn: 'arn:aws:ecs:eu-west-1:222222222222:task-definition/webapp-prod-web:9' } } },
      { environment: 'prod', service: 'ECS', command: 'UpdateService', input: { cluster: 'webapp-prod', service: 'web', taskDefinition: 'webapp-prod-web:9' } },
    ];
    expect(deniedRequests(calls, () => prod, approveRolePolicy).map((d) => d.request.action)).toEqual(['ecs:RegisterTaskDefinition', 'iam:PassRole', 'ecs:UpdateService']);
  });
});
