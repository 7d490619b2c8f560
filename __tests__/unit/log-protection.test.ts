import { dev, policy, prod, resource, resources, synth } from '../helpers/stacks';

const devOut = synth(dev).tf;
const prodOut = synth(prod).tf;
const keyRef = (tf: typeof devOut) => `\${aws_kms_key.${Object.keys(resources(tf, 'aws_kms_key'))[0]}.arn}`;

describe('log encryption key', () => {
  test('one rotating customer managed key per account, usable by CloudWatch Logs for this account\'s log groups only', () => {
    const key = resource(prodOut, 'aws_kms_key');
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(policy(key.policy).Statement).toEqual([
      { Sid: 'AccountAdministersThroughIam', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'CloudWatchLogsForThisAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:222222222222:log-group:*' } },
      },
    ]);
    expect(resource(prodOut, 'aws_kms_alias').name).toBe('alias/webapp-prod-logs');
  });

  test.each([
    ['dev', devOut, 4],
    ['prod', prodOut, 5],
  ] as const)('%s: every log group is encrypted with that key (%i groups: one per service (3), flow logs, and WAF in prod)', (_n, tf, count) => {
    const groups = Object.values(resources(tf, 'aws_cloudwatch_log_group'));
    expect(groups).toHaveLength(count);
    expect(groups.every((g) => g.kms_key_id === keyRef(tf))).toBe(true);
  });
});

describe('VPC flow logs', () => {
  test.each([
    ['dev', devOut, 14],
    ['prod', prodOut, 365],
  ] as const)('%s: all traffic of the VPC goes to an encrypted log group kept for the environment retention (%i days)', (name, tf, days) => {
    const flowLog = resource(tf, 'aws_flow_log');
    const group = resource(tf, 'aws_cloudwatch_log_group', 'network/flow-logs');
    expect(group).toMatchObject({ name: `/vpc/webapp-${name}/flow-logs`, retention_in_days: days });
    expect(flowLog).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs', vpc_id: expect.stringMatching(/^\$\{aws_vpc\.network_vpc_\w+\.id\}$/) });
    expect(flowLog.log_destination).toMatch(/^\$\{aws_cloudwatch_log_group\.network_flow-logs_\w+\.arn\}$/);
  });

  test('the delivery role is trusted by flow logs of this account only and writes to its group only', () => {
    const role = resource(prodOut, 'aws_iam_role', 'network/flow-logs-role');
    expect(role.name).toBe('webapp-prod-vpc-flow-logs');
    expect(policy(role.assume_role_policy).Statement).toEqual([
      {
        Sid: 'Trust',
        Effect: 'Allow',
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' }, ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:eu-west-1:222222222222:vpc-flow-log/*' } },
      },
    ]);
    const groupArn = `\${aws_cloudwatch_log_group.${Object.keys(resources(prodOut, 'aws_cloudwatch_log_group')).find((id) => id.startsWith('network_flow-logs_'))}.arn}`;
    expect(policy(resource(prodOut, 'aws_iam_role_policy', 'network/flow-logs-role/policy').policy).Statement).toEqual([
      { Sid: 'WriteFlowLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: `${groupArn}:*` },
    ]);
  });

  test('the apply role may pass the workload roles to ECS tasks, the flow-logs service, (blue/green) CodeDeploy and (scheduled) EventBridge Scheduler, nothing else', () => {
    const pass = policy(resource(prodOut, 'aws_iam_role_policy', 'ci/apply/policy').policy).Statement.find((s) => s.Sid === 'PassWorkloadRolesToTheirServices');
    const role = (name: string) => `arn:aws:iam::222222222222:role/webapp-prod-${name}`;
    expect(pass).toEqual({
      Sid: 'PassWorkloadRolesToTheirServices',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [
        role('web-codedeploy'),
        ...['nightly', 'web', 'worker'].flatMap((s) => [role(`${s}-execution`), role(`${s}-task`)]),
        role('nightly-scheduler'),
        role('vpc-flow-logs'),
      ],
      Condition: { StringEquals: { 'iam:PassedToService': ['codedeploy.amazonaws.com', 'ecs-tasks.amazonaws.com', 'scheduler.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] } },
    });
  });
});
