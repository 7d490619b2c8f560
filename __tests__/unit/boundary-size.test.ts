import { Testing } from 'cdktf';
import { scalingStack } from '../../scripts/lib/bench/scaling-stack';
import { dev } from '../helpers/stacks';

/** The workload boundary is one managed policy: IAM refuses more than 6,144 characters (whitespace excluded). */
test('GIVEN the 20-service benchmark stack WHEN synthesized THEN its workload boundary fits one managed policy', () => {
  const tf = JSON.parse(Testing.synth(scalingStack(Testing.app(), dev, 20)));
  const [boundary] = Object.values(tf.resource.aws_iam_policy as Record<string, { policy: string }>);
  const size = boundary.policy.replace(/\s/g, '').length;
  process.stdout.write(`workload boundary, 20 services: ${size} of 6144 characters\n`);
  expect(size).toBeLessThanOrEqual(6144);
  // every one of the 20 services' roles carries it
  const roles = Object.entries(tf.resource.aws_iam_role as Record<string, { permissions_boundary?: string }>).filter(([id]) => !id.startsWith('ci_'));
  expect(roles.length).toBeGreaterThanOrEqual(40);
  expect(roles.filter(([, r]) => r.permissions_boundary !== 'arn:aws:iam::111111111111:policy/webapp-dev-workload-boundary')).toEqual([]);
});

test('GIVEN more services than one managed policy can bound WHEN synthesized THEN synthesis stops with one line naming the size', () => {
  expect(() => Testing.synth(scalingStack(Testing.app(), dev, 99))).toThrow(/WorkloadBoundary dev\/ci\/boundary: policy size: received \d+ characters; allowed: at most 6144 \(IAM's managed-policy limit\)/);
});
