import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { partitionOf } from '../contracts/partition';

export interface LogEncryptionKeyProps {
  /** Alias suffix: `alias/<name>-logs`. */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** Days a scheduled deletion waits (7-30). @default 30 */
  readonly deletionWindowDays?: number;
}

/**
 * A customer managed KMS key for this account's CloudWatch log groups (the service's logs, VPC flow logs).
 *
 * Secure by default: AWS's default encrypts log data with a key nobody here controls or audits; with this key every
 * use is in CloudTrail and access can be revoked. Rotation is on (AWS default: off). CloudWatch Logs may use the key
 * only for log groups of this account and region (encryption-context condition); readers of the logs need no KMS
 * permission, the service decrypts for them.
 */
export class LogEncryptionKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: LogEncryptionKeyProps) {
    super(scope, id);
    const days = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw new Error(`LogEncryptionKey ${id}: deletionWindowDays: received ${days}; allowed: an integer from 7 to 30`);
    }
    this.key = new KmsKey(this, 'key', {
      description: `CloudWatch Logs of ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: days,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            // The key policy's standard first statement: IAM policies of this account decide who administers the key.
            Sid: 'AccountAdministersThroughIam',
            Effect: 'Allow',
            Principal: { AWS: `arn:${partitionOf(props.region)}:iam::${props.accountId}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CloudWatchLogsForThisAccountsLogGroups',
            Effect: 'Allow',
            Principal: { Service: `logs.${props.region}.amazonaws.com` },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
            Resource: '*',
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partitionOf(props.region)}:logs:${props.region}:${props.accountId}:log-group:*` } },
          },
        ],
      }),
    });
    this.alias = new KmsAlias(this, 'alias', { name: `alias/${props.name}-logs`, targetKeyId: this.key.keyId });
  }

  get arn(): string {
    return this.key.arn;
  }
}
