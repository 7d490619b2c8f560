import { Testing } from 'cdktf';
import { defineEnvironment, type EnvironmentInput } from '../../environments/schema';
import { scalingEnvironment, scalingStack } from '../../scripts/lib/bench/scaling-stack';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { dev } from '../helpers/stacks';

/** The workload boundary is one managed policy: IAM refuses more than 6,144 characters (whitespace excluded). */
const boundaryOf = (json: string) => {
  const tf = JSON.parse(json);
  const [boundary] = Object.values(tf.resource.aws_iam_policy as Record<string, { policy: string }>);
  return { tf, policy: boundary.policy, size: boundary.policy.replace(/\s/g, '').length };
};

test('GIVEN the 20-service benchmark stack WHEN synthesized THEN its workload boundary fits one managed policy and bounds every workload role', () => {
  const { tf, size } = boundaryOf(Testing.synth(scalingStack(Testing.app(), dev, 20)));
  process.stdout.write(`workload boundary, 20 services: ${size} of 6144 characters\n`);
  expect(size).toBeLessThanOrEqual(6144);
  const roles = Object.entries(tf.resource.aws_iam_role as Record<string, { permissions_boundary?: string }>).filter(([id]) => !id.startsWith('ci_'));
  expect(roles.length).toBeGreaterThanOrEqual(40);
  expect(roles.filter(([, r]) => r.permissions_boundary !== 'arn:aws:iam::111111111111:policy/webapp-dev-workload-boundary')).toEqual([]);
});

test('GIVEN 20 and 40 services WHEN synthesized THEN the boundary grows by nothing per service: the services\' log groups, families and roles are bounded by one pattern inside the environment', () => {
  const twenty = boundaryOf(Testing.synth(scalingStack(Testing.app(), dev, 20)));
  const forty = boundaryOf(Testing.synth(scalingStack(Testing.app(), dev, 40)));
  expect(forty.size).toBe(twenty.size);
  const patterns = (JSON.parse(forty.policy).Statement as { Resource: string | string[] }[]).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).filter((r) => r.endsWith('*') && r !== '*' && !r.startsWith('${'));
  expect(patterns.length).toBeGreaterThan(0);
  // Every pattern names the environment (`webapp-dev`): none reaches another environment's or project's resources.
  for (const p of patterns) expect(p.replace(/webapp\/dev/, 'webapp-dev')).toMatch(/webapp-dev/);
});

test('GIVEN more distinct secrets than one managed policy can bound WHEN synthesized THEN synthesis stops with one line naming the size', () => {
  // Secrets are never widened to a pattern: 99 services each reading its own parameter overflow the boundary.
  const wide = scalingEnvironment(dev, 99);
  const services = Object.fromEntries(
    Object.entries(wide.services).map(([name, s]) => [name, { ...s, secrets: { DATABASE_URL: `arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/${name}/a-rather-long-database-url-name` } }]),
  );
  const env = defineEnvironment({ ...structuredClone(wide), services } as EnvironmentInput);
  expect(() => Testing.synth(new EnvironmentStack(Testing.app(), env))).toThrow(/WorkloadBoundary dev\/ci\/boundary: policy size: received \d+ characters; allowed: at most 6144 \(IAM's managed-policy limit\)/);
});
