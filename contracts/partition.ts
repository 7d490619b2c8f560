/**
 * The AWS partition of a region, the answer the provider's `aws_partition` data source gives there. ARNs the stack
 * writes are spelled with it as a literal (not the data source's token), so the IAM evaluator and reviewers read the
 * ARN itself, and it is still right in China, GovCloud and the isolated regions.
 */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f';

/** Region prefixes of the partitions other than `aws` (botocore/endpoints partitions.json, regionRegex). */
const PREFIXES: readonly [RegExp, Partition][] = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-iso-/, 'aws-iso'],
  [/^us-isob-/, 'aws-iso-b'],
  [/^eu-isoe-/, 'aws-iso-e'],
  [/^us-isof-/, 'aws-iso-f'],
];

export function partitionOf(region: string): Partition {
  return PREFIXES.find(([prefix]) => prefix.test(region))?.[1] ?? 'aws';
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; region and account are left empty for global services. */
export function arn(region: string, service: string, arnRegion: string, accountId: string, resource: string): string {
  return `arn:${partitionOf(region)}:${service}:${arnRegion}:${accountId}:${resource}`;
}
