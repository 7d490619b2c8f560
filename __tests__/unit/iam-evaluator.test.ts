import { conditionHolds, evaluate, wildcardMatch, type PolicyDocument } from '../helpers/iam-evaluator';

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
