import { resourceNames } from '../../environments/names';
import { PLAN_READS, SECRET_READS } from '../../modules/plan-reads';
import { accountNow } from '../helpers/account-iam';
import { web, dev, prod, resources, synth } from '../helpers/stacks';

/**
 * The plan identity (pull requests): refreshes every resource type the stack declares, reads nothing secret, never
 * writes state or its lock. Evaluated with the IAM evaluator on the synthesized policies, not by reading them.
 */
describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s plan identity', (_name, env) => {
  const tf = synth(env).tf;
  const account = accountNow(env);
  const plan = resourceNames(env).planRole;
  const allowed = (action: string, resource = '*') => account.request(plan, action, resource).allowed;

  test('every resource type the stack declares has its refresh reads, and the plan role is allowed each of them', () => {
    // GIVEN the types actually synthesized (a new type without an entry in PLAN_READS already stops synthesis)
    const types = Object.keys(tf.resource).sort();
    expect(types.filter((t) => !(t in PLAN_READS))).toEqual([]);
    // WHEN each read is evaluated for the plan role THEN none is refused
    const refused = types.flatMap((t) => PLAN_READS[t].filter((a) => !allowed(a)).map((a) => `${t}: ${a}`));
    expect(refused).toEqual([]);
  });

  test('refreshes the stack\'s own (non-secret) parameters, which are all plain String', () => {
    const params = Object.values(resources(tf, 'aws_ssm_parameter'));
    expect(params.map((p) => p.type)).toEqual(params.map(() => 'String'));
    for (const p of params) expect(allowed('ssm:GetParameter', `arn:aws:ssm:${env.region}:${env.accountId}:parameter${String(p.name)}`)).toBe(true);
  });

  test('reads no secret: the database URL, any other parameter, any secret, any key', () => {
    const other = `arn:aws:ssm:${env.region}:${env.accountId}:parameter/${env.project}/${env.name}/other-secret`;
    for (const action of SECRET_READS) {
      for (const resource of [web(env).secrets.DATABASE_URL, other, `arn:aws:secretsmanager:${env.region}:${env.accountId}:secret:db-AbCdEf`, `arn:aws:kms:${env.region}:${env.accountId}:key/1234`, '*']) {
        expect([action, resource, allowed(action, resource)]).toEqual([action, resource, false]);
      }
    }
  });

  test('reads the state, and writes neither the state nor its lock (the pull-request workflow plans with -lock=false)', () => {
    const state = `arn:aws:s3:::${env.state.bucket}/${env.state.key}`;
    expect(allowed('s3:GetObject', state)).toBe(true);
    for (const action of ['s3:PutObject', 's3:DeleteObject']) {
      for (const resource of [state, `${state}.tflock`]) expect([action, resource, allowed(action, resource)]).toEqual([action, resource, false]);
    }
    expect(allowed('s3:GetObject', `arn:aws:s3:::${env.state.bucket}/other/terraform.tfstate`)).toBe(false);
  });

  test('changes nothing: no write action of any declared service is allowed', () => {
    for (const action of ['ecs:UpdateService', 'ecs:RegisterTaskDefinition', 'iam:PutRolePolicy', 'iam:PassRole', 'ssm:PutParameter', 'ec2:AuthorizeSecurityGroupIngress', 'sts:AssumeRole']) {
      expect([action, allowed(action)]).toEqual([action, false]);
    }
  });
});
