import { canAssumeRole, conditionHolds, evaluate, evaluatePrincipal, evaluateTrust, wildcardMatch, type PolicyDocument, type PrincipalPolicies } from '../helpers/iam-evaluator';

/** The evaluator the release-permission tests rely on: each operator both ways, so a misread condition shows here. */
describe('IAM evaluator (test helper)', () => {
  test('wildcards: * any run, ? one character; actions case-insensitive, ARNs not', () => {
    expect(wildcardMatch('arn:aws:ecs:*:1:task-definition/web:*', 'arn:aws:ecs:eu-west-1:1:task-definition/web:12')).toBe(true);
    expect(wildcardMatch('arn:aws:ecs:*:1:task-definition/web:*', 'arn:aws:ecs:eu-west-1:1:task-definition/web-other:12')).toBe(false);
    expect(wildcardMatch('task/?', 'task/ab')).toBe(false);
    expect(wildcardMatch('ecs:Describe*', 'ECS:DESCRIBETASKS', true)).toBe(true);
    expect(wildcardMatch('arn:aws:iam::1:role/Web', 'arn:aws:iam::1:role/web')).toBe(false);
  });

  test('StringEquals needs the key; StringEqualsIfExists also holds without it', () => {
    expect(conditionHolds('StringEquals', { 'ecs:CreateAction': 'RunTask' }, { 'ecs:createaction': 'RunTask' })).toBe(true);
    expect(conditionHolds('StringEquals', { 'ecs:CreateAction': 'RunTask' }, {})).toBe(false);
    expect(conditionHolds('StringEquals', { 'ecs:CreateAction': ['RunTask', 'CreateService'] }, { 'ecs:CreateAction': 'CreateService' })).toBe(true);
    expect(conditionHolds('StringEqualsIfExists', { 'ecs:enable-execute-command': 'false' }, {})).toBe(true);
    expect(conditionHolds('StringEqualsIfExists', { 'ecs:enable-execute-command': 'false' }, { 'ecs:enable-execute-command': 'true' })).toBe(false);
  });

  test('ArnEquals, ArnLike and ArnLikeIfExists match ARNs with wildcards', () => {
    expect(conditionHolds('ArnEquals', { 'ecs:cluster': 'arn:aws:ecs:r:1:cluster/a' }, { 'ecs:cluster': 'arn:aws:ecs:r:1:cluster/a' })).toBe(true);
    expect(conditionHolds('ArnEquals', { 'ecs:cluster': 'arn:aws:ecs:r:1:cluster/a' }, { 'ecs:cluster': 'arn:aws:ecs:r:1:cluster/b' })).toBe(false);
    expect(conditionHolds('ArnLike', { 'ecs:task-definition': 'arn:*:web:*' }, { 'ecs:task-definition': 'arn:aws:td:web:3' })).toBe(true);
    expect(conditionHolds('ArnLikeIfExists', { 'ecs:task-definition': 'arn:*:web:*' }, {})).toBe(true);
    expect(conditionHolds('ArnLikeIfExists', { 'ecs:task-definition': 'arn:*:web:*' }, { 'ecs:task-definition': 'arn:aws:td:api:3' })).toBe(false);
  });

  test('ForAllValues:StringEquals holds for a subset, and vacuously for no keys (why policies pair it with Null)', () => {
    const only = { 'aws:TagKeys': ['ecs-release:deployed-at'] };
    expect(conditionHolds('ForAllValues:StringEquals', only, { 'aws:TagKeys': ['ecs-release:deployed-at'] })).toBe(true);
    expect(conditionHolds('ForAllValues:StringEquals', only, { 'aws:TagKeys': ['ecs-release:deployed-at', 'Owner'] })).toBe(false);
    expect(conditionHolds('ForAllValues:StringEquals', only, {})).toBe(true);
    expect(conditionHolds('Null', { 'aws:TagKeys': 'false' }, {})).toBe(false);
    expect(conditionHolds('Null', { 'aws:TagKeys': 'false' }, { 'aws:TagKeys': [] })).toBe(false);
    expect(conditionHolds('Null', { 'aws:TagKeys': 'false' }, { 'aws:TagKeys': ['x'] })).toBe(true);
    expect(conditionHolds('Null', { 'aws:TagKeys': 'true' }, {})).toBe(true);
  });

  test('an operator it does not know is an error, never a silent match', () => {
    expect(() => conditionHolds('NumericLessThan', { 'aws:MultiFactorAuthAge': '300' }, {})).toThrow('unsupported condition operator NumericLessThan');
  });

  test('every condition of a statement must hold; an explicit Deny wins over any Allow', () => {
    const doc: PolicyDocument = {
      Statement: [
        { Sid: 'Tag', Effect: 'Allow', Action: 'ecs:TagResource', Resource: 'arn:td/web:*', Condition: { StringEquals: { 'aws:ResourceTag/owner': 'release' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['k'] } } },
        { Sid: 'NoProd', Effect: 'Deny', Action: 'ecs:*', Resource: 'arn:td/web:13' },
      ],
    };
    const request = (resource: string, context: Record<string, string | string[]>) => evaluate(doc, { action: 'ecs:TagResource', resource, context });
    expect(request('arn:td/web:12', { 'aws:ResourceTag/owner': 'release', 'aws:TagKeys': ['k'] })).toEqual({ allowed: true, statement: 'Tag' });
    expect(request('arn:td/web:12', { 'aws:ResourceTag/owner': 'terraform', 'aws:TagKeys': ['k'] }).allowed).toBe(false);
    expect(request('arn:td/web:13', { 'aws:ResourceTag/owner': 'release', 'aws:TagKeys': ['k'] })).toEqual({ allowed: false, statement: 'NoProd' });
  });
});

describe('IAM evaluator: boundaries, NotAction and trust policies', () => {
  const account = '111111111111';
  const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const everything: PolicyDocument = { Statement: [{ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }] };
  const ecsOnly: PolicyDocument = { Statement: [{ Sid: 'Ecs', Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] };
  const ask = (action: string, resource = '*', context: Record<string, string | string[]> = {}) => ({ action, resource, context });

  test('NotAction allows everything but the listed actions, as PowerUserAccess does', () => {
    const power: PolicyDocument = { Statement: [{ Sid: 'NotIam', Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }] };
    expect(evaluate(power, ask('sts:AssumeRole', role('x'))).allowed).toBe(true);
    expect(evaluate(power, ask('iam:CreateRole', role('x'))).allowed).toBe(false);
    const notResource: PolicyDocument = { Statement: [{ Sid: 'NotThat', Effect: 'Deny', Action: 'iam:PassRole', NotResource: [role('ok')] }, ...everything.Statement] };
    expect(evaluate(notResource, ask('iam:PassRole', role('ok'))).allowed).toBe(true);
    expect(evaluate(notResource, ask('iam:PassRole', role('other'))).allowed).toBe(false);
  });

  test('negated operators hold when no value matches, and when the key is absent', () => {
    expect(conditionHolds('StringNotEquals', { 'iam:PermissionsBoundary': 'arn:b' }, { 'iam:PermissionsBoundary': 'arn:other' })).toBe(true);
    expect(conditionHolds('StringNotEquals', { 'iam:PermissionsBoundary': 'arn:b' }, { 'iam:PermissionsBoundary': 'arn:b' })).toBe(false);
    expect(conditionHolds('StringNotEquals', { 'iam:PermissionsBoundary': 'arn:b' }, {})).toBe(true);
    expect(conditionHolds('ArnNotLike', { 'aws:PrincipalArn': 'arn:*:role/a*' }, { 'aws:PrincipalArn': 'arn:x:role/b' })).toBe(true);
  });

  test('a boundary caps the identity policy: both must allow, and a Deny in either wins', () => {
    // GIVEN a role whose identity policy allows everything and whose boundary allows ECS only
    const capped: PrincipalPolicies = { identity: [everything], boundary: ecsOnly };
    // THEN ECS is allowed, IAM is not (the boundary has no Allow for it)
    expect(evaluatePrincipal(capped, ask('ecs:RunTask')).allowed).toBe(true);
    expect(evaluatePrincipal(capped, ask('iam:CreateUser'))).toEqual({ allowed: false, statement: 'no Allow in the permissions boundary', by: 'boundary' });
    // AND a boundary alone grants nothing
    expect(evaluatePrincipal({ identity: [], boundary: ecsOnly }, ask('ecs:RunTask')).allowed).toBe(false);
    // AND an explicit Deny in the boundary beats an Allow in both
    const denyingBoundary: PolicyDocument = { Statement: [...ecsOnly.Statement, { Sid: 'NoStop', Effect: 'Deny', Action: 'ecs:StopTask', Resource: '*' }] };
    expect(evaluatePrincipal({ identity: [everything], boundary: denyingBoundary }, ask('ecs:StopTask'))).toMatchObject({ allowed: false, statement: 'NoStop', explicitDeny: true });
    // AND without a boundary the identity policies decide, a Deny in any of them winning
    const deny: PolicyDocument = { Statement: [{ Sid: 'NoIam', Effect: 'Deny', Action: 'iam:*', Resource: '*' }] };
    expect(evaluatePrincipal({ identity: [everything, deny] }, ask('iam:CreateUser'))).toMatchObject({ allowed: false, statement: 'NoIam' });
  });

  test('trust policies: the principal must be named and the conditions must hold', () => {
    const oidc = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
    const trust: PolicyDocument = {
      Statement: [{ Sid: 'Trust', Effect: 'Allow', Principal: { Federated: oidc }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'token.actions.githubusercontent.com:sub': 'repo:o/r:pull_request' } } }],
    };
    const web = (sub: string, federated = oidc) => evaluateTrust(trust, { action: 'sts:AssumeRoleWithWebIdentity', principal: { Federated: federated }, context: { 'token.actions.githubusercontent.com:sub': sub } });
    expect(web('repo:o/r:pull_request').allowed).toBe(true);
    expect(web('repo:o/r:ref:refs/heads/main').allowed).toBe(false);
    expect(web('repo:o/r:pull_request', 'arn:aws:iam::999999999999:oidc-provider/other').allowed).toBe(false);
    expect(evaluateTrust(trust, { action: 'sts:AssumeRole', principal: { AWS: role('x') }, context: {} }).allowed).toBe(false);
  });

  test('sts:AssumeRole: a same-account trust naming the caller suffices, an account trust needs the caller\'s Allow, a Deny always refuses', () => {
    const caller = role('apply');
    const trusting = (aws: string): PolicyDocument => ({ Statement: [{ Sid: 'Trust', Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }] });
    const none: PrincipalPolicies = { identity: [] };
    expect(canAssumeRole({ arn: caller, policies: none }, { arn: role('x'), trust: trusting(caller) }).allowed).toBe(true);
    expect(canAssumeRole({ arn: caller, policies: none }, { arn: role('x'), trust: trusting(`arn:aws:iam::${account}:root`) }).allowed).toBe(false);
    expect(canAssumeRole({ arn: caller, policies: { identity: [everything] } }, { arn: role('x'), trust: trusting(`arn:aws:iam::${account}:root`) }).allowed).toBe(true);
    const deny: PolicyDocument = { Statement: [{ Sid: 'NeverAssume', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] };
    expect(canAssumeRole({ arn: caller, policies: { identity: [deny] } }, { arn: role('x'), trust: trusting(caller) })).toMatchObject({ allowed: false, statement: 'NeverAssume' });
    expect(canAssumeRole({ arn: caller, policies: { identity: [everything] } }, { arn: role('x'), trust: trusting(role('someone-else')) }).allowed).toBe(false);
  });
});
