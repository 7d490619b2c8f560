import { partitionOf } from '../../contracts/partition';
import { dev, synth, variant } from '../helpers/stacks';

describe('partitionOf', () => {
  test.each([
    ['eu-west-1', 'aws'],
    ['us-east-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
  ])('%s is in partition %s (as the provider\'s aws_partition answers there)', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('ARNs the stack writes name the partition of its region', () => {
  test('GIVEN dev moved to cn-north-1 WHEN synthesized THEN no ARN says arn:aws: and the literal ones say arn:aws-cn:', () => {
    // GIVEN dev's configuration in China: its own ARNs (roles, secrets) in aws-cn, every eu-west-1 in cn-north-1
    const china = variant(JSON.parse(JSON.stringify(dev).replaceAll('arn:aws:', 'arn:aws-cn:').replaceAll('eu-west-1', 'cn-north-1')), {});
    expect(china.region).toBe('cn-north-1');
    // WHEN synthesized, for AWS and for the emulator
    for (const target of ['aws', 'emulator'] as const) {
      const { json } = synth(china, target);
      // THEN not one ARN of the aws partition, and the literal IAM ARNs (boundary, trust) are in aws-cn
      expect(json.match(/arn:aws:[^"]{0,80}/g) ?? []).toEqual([]);
      expect(json).toContain(`arn:aws-cn:iam::${dev.accountId}:policy/`);
      expect(json).toContain('arn:aws-cn:iam::aws:policy/PowerUserAccess');
    }
  });
});
