import { loadCheckovSkips, reviewedEnvironments, reviewScans, validateCheckovSkips, type CheckovFinding } from '../../scripts/lib/checkov';

const finding = (environment: string, checkId: string, resource: string): CheckovFinding => ({ environment, checkId, checkName: 'a check', resource });
const reason = 'The finding is accepted because the risk is covered elsewhere.';

describe('the reviewed checkov skip list', () => {
  test('tools/checkov-skips.yaml is valid: known checks and environments, a written reason each', () => {
    const skips = loadCheckovSkips(undefined, reviewedEnvironments());
    expect(skips.length).toBeGreaterThan(0);
    process.stdout.write(`checkov skip list: ${skips.length} reviewed entries\n`);
  });

  test.each([
    ['a reason shorter than a sentence', [{ check: 'CKV_AWS_91', reason: 'later' }], 'entry 1: reason: received "later"; allowed: a written reason'],
    ['a malformed check id', [{ check: 'AWS_91', reason }], 'entry 1: check: received "AWS_91"; allowed: a checkov check id'],
    ['an unknown environment', [{ check: 'CKV_AWS_91', environments: ['staging'], reason }], 'entry 1: environments: received ["staging"]; allowed: a non-empty list of dev, prod'],
    ['an unknown field', [{ check: 'CKV_AWS_91', reason, expires: '2030' }], 'entry 1: expires: received "2030"; allowed: only check, environments, resource and reason'],
    ['a list that is not a list', { CKV_AWS_91: reason }, 'received object; allowed: a list'],
  ])('refuses %s with one line naming the entry and field', (_t, data, message) => {
    expect(() => validateCheckovSkips(data, ['dev', 'prod'])).toThrow(message);
  });

  test('a finding is skipped only by an entry matching its check, environment and resource', () => {
    // GIVEN two findings and an entry limited to dev's load balancer
    const skips = [{ check: 'CKV_AWS_91', environments: ['dev'], resource: 'aws_lb.load-balancer_alb_*', reason }];
    const scans = [
      { environment: 'dev', passed: 10, failed: [finding('dev', 'CKV_AWS_91', 'aws_lb.load-balancer_alb_15AADC07')] },
      { environment: 'prod', passed: 10, failed: [finding('prod', 'CKV_AWS_91', 'aws_lb.load-balancer_alb_15AADC07')] },
    ];
    // WHEN reviewed / THEN dev's finding is skipped, prod's fails
    const { reviewed, stale } = reviewScans(scans, skips);
    expect(reviewed.map((r) => [r.environment, r.failed.length, r.skipped.length])).toEqual([['dev', 0, 1], ['prod', 1, 0]]);
    expect(stale).toEqual([]);
  });

  test('an entry that no longer matches a finding is reported stale, per environment', () => {
    const skips = [{ check: 'CKV_AWS_260', resource: 'aws_vpc_security_group_ingress_rule.load-balancer_in-80-*', reason }];
    const scans = [
      { environment: 'dev', passed: 10, failed: [finding('dev', 'CKV_AWS_260', 'aws_vpc_security_group_ingress_rule.load-balancer_in-80-0_FAB523F6')] },
      { environment: 'prod', passed: 10, failed: [] },
    ];
    expect(reviewScans(scans, skips).stale).toEqual(['tools/checkov-skips.yaml entry 1 (CKV_AWS_260 aws_vpc_security_group_ingress_rule.load-balancer_in-80-*) matches no finding in prod']);
  });
});
