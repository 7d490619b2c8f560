import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { partitionOf } from '../contracts/partition';

/**
 * The Elastic Load Balancing account that delivers access logs, for the regions opened before August 2022: there the
 * bucket policy must name it. Every later region accepts only the service principal
 * `logdelivery.elasticloadbalancing.amazonaws.com` (ELB user guide, "Enable access logs", step 2). A literal table, not
 * the provider's `aws_elb_service_account` data source: the stacks keep no data sources, so plans run offline.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021', 'us-east-2': '033677994240', 'us-west-1': '027434742980', 'us-west-2': '797873946194',
  'af-south-1': '098369216593', 'ap-east-1': '754344448648', 'ap-south-1': '718504428378', 'ap-northeast-1': '582318560864',
  'ap-northeast-2': '600734575887', 'ap-northeast-3': '383597477331', 'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266', 'ap-southeast-3': '589379963580', 'ca-central-1': '985666609251',
  'eu-central-1': '054676820928', 'eu-west-1': '156460612806', 'eu-west-2': '652711504416', 'eu-west-3': '009996457667',
  'eu-north-1': '897822967062', 'eu-south-1': '635631232127', 'me-south-1': '076674570225', 'sa-east-1': '507241528517',
  'us-gov-west-1': '048591011584', 'us-gov-east-1': '190560391635', 'cn-north-1': '638102146993', 'cn-northwest-1': '037604701340',
};

export const ELB_LOG_DELIVERY_PRINCIPAL = 'logdelivery.elasticloadbalancing.amazonaws.com';

export interface AccessLogBucketProps {
  /** Bucket name: 3-63 lowercase letters, digits, dots and hyphens (globally unique: include the account id). */
  readonly bucketName: string;
  readonly accountId: string;
  readonly region: string;
  /** Key prefix the load balancer writes under (`<prefix>/AWSLogs/<account>/...`). @default 'alb' */
  readonly prefix?: string;
  /** Days a log object (and a superseded version) is kept before S3 deletes it. @default 90 */
  readonly retentionDays?: number;
  /** Let `terraform destroy` delete a bucket that still holds logs (dev). AWS default false. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * The S3 bucket an Application Load Balancer writes its access logs to.
 *
 * Secure by default: every public access path is blocked, ACLs are off (BucketOwnerEnforced, so objects the ELB
 * service writes belong to this account), objects are encrypted with SSE-S3, requests without TLS are refused, and only
 * the load balancer's log delivery may write, under this account's prefix only. Versioning is on so a deleted or
 * overwritten log can be recovered until the lifecycle expires it; logs and old versions expire after
 * `retentionDays`, and unfinished uploads after a day.
 *
 * SSE-S3 and not SSE-KMS: ALB access logs support only S3-managed keys; with a KMS default key the ELB service's
 * writes fail (ELB user guide, "Access log files": "The only server-side encryption option that's supported is Amazon
 * S3-managed keys (SSE-S3)").
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly policy: S3BucketPolicy;
  public readonly prefix: string;
  /** Everything that must exist before a load balancer can turn access logs on (AWS test-writes on enable). */
  public readonly ready: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      throw new Error(`AccessLogBucket ${id}: bucketName: received "${props.bucketName}"; allowed: 3-63 lowercase letters, digits, dots and hyphens`);
    }
    const days = props.retentionDays ?? 90;
    if (!Number.isInteger(days) || days < 1) throw new Error(`AccessLogBucket ${id}: retentionDays: received ${days}; allowed: a whole number of days, at least 1`);
    this.prefix = props.prefix ?? 'alb';
    if (!/^[a-z0-9][a-z0-9-]*$/.test(this.prefix)) throw new Error(`AccessLogBucket ${id}: prefix: received "${this.prefix}"; allowed: lowercase letters, digits and hyphens`);

    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const ownership = new S3BucketOwnershipControls(this, 'ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const encryption = new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const versioning = new S3BucketVersioning(this, 'versioning', { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      dependsOn: [versioning],
      rule: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days }],
          noncurrentVersionExpiration: [{ noncurrentDays: days }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });

    const objects = `${this.bucket.arn}/${this.prefix}/AWSLogs/${props.accountId}/*`;
    const elbAccount = ELB_LOG_ACCOUNTS[props.region];
    const partition = partitionOf(props.region);
    const writer = elbAccount ? { AWS: `arn:${partition}:iam::${elbAccount}:root` } : { Service: ELB_LOG_DELIVERY_PRINCIPAL };
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      // After the public access block: S3 evaluates a new policy against it, and the order keeps that check real.
      dependsOn: [publicAccess],
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          { Sid: 'LoadBalancerLogDelivery', Effect: 'Allow', Principal: writer, Action: 's3:PutObject', Resource: objects },
        ],
      }),
    });
    this.ready = [this.policy, ownership, encryption];
  }
}
