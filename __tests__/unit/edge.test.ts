import { ConfigError } from '../../environments/schema';
import { ELB_LOG_DELIVERY_PRINCIPAL } from '../../modules/access-log-bucket';
import { evaluate, type PolicyDocument } from '../helpers/iam-evaluator';
import { web, dev, policy, prod, resource, resources, synth, variant } from '../helpers/stacks';

/**
 * The edge of each environment (issue 12, item 5): who reaches the load balancer, what filters the traffic, and where
 * every request is recorded.
 */

const refusal = (build: () => unknown): string => {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('dev: no world-open plain HTTP while ECS Exec or secrets are on', () => {
  test('the shipped dev configuration admits plain HTTP from its named range only', () => {
    expect(dev.loadBalancer.certificateArn).toBeUndefined();
    expect(web(dev).enableExecuteCommand).toBe(true);
    expect(dev.loadBalancer.allowedIngressCidrs).toEqual(['203.0.113.0/24']);
    const { tf } = synth(dev);
    const http = Object.values(resources(tf, 'aws_vpc_security_group_ingress_rule')).filter((r) => r.from_port === 80);
    expect(http.map((r) => r.cidr_ipv4)).toEqual(['203.0.113.0/24']);
  });

  test.each([
    ['0.0.0.0/0', 'the internet'],
    ['0.0.0.0/1', 'half the internet (the /1 split)'],
    ['64.0.0.0/2', 'a quarter of the internet'],
  ])('refuses plain HTTP from %s (%s) with one line naming field, value and what is allowed', (cidr) => {
    // GIVEN dev (no certificate, ECS Exec on, a database secret) WHEN its ingress is widened
    const message = refusal(() => variant(dev, { loadBalancer: { allowedIngressCidrs: ['203.0.113.0/24', cidr] } }));
    // THEN one line: field, received, allowed
    expect(message).not.toContain('\n');
    expect(message).toBe(
      `invalid environment "dev": loadBalancer.allowedIngressCidrs.1: received "${cidr}"; allowed: named source ranges narrower than /8 (an office or VPN CIDR), or a loadBalancer.certificateArn, when services.web.enableExecuteCommand is true (plain HTTP must not be open to the internet)`,
    );
  });

  test('names the secret as the reason when ECS Exec is off', () => {
    const message = refusal(() => variant(dev, { services: { web: { enableExecuteCommand: false } }, loadBalancer: { allowedIngressCidrs: ['0.0.0.0/0'] } }));
    expect(message).toContain('loadBalancer.allowedIngressCidrs.0: received "0.0.0.0/0"; allowed: ');
    expect(message).toContain('when services.web.secrets is set');
  });

  test('accepts the internet once a certificate is configured (HTTP then only redirects)', () => {
    const env = variant(dev, { loadBalancer: { allowedIngressCidrs: ['0.0.0.0/0'], certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000000' } });
    const { tf } = synth(env);
    const listeners = Object.values(resources(tf, 'aws_lb_listener'));
    expect(listeners.map((l) => [l.port, l.protocol]).sort()).toEqual([[443, 'HTTPS'], [80, 'HTTP']]);
  });

  test('accepts the internet when only services behind no load balancer (worker, scheduled) hold a secret', () => {
    // GIVEN dev's web without secret or Exec, its worker and nightly job still reading DATABASE_URL
    const env = variant(dev, { services: { web: { enableExecuteCommand: false, secrets: { DATABASE_URL: undefined } } }, loadBalancer: { allowedIngressCidrs: ['0.0.0.0/0'] } });
    // THEN the configuration and the policy rules (synthesis) accept the open listener
    expect(Object.keys(env.services.worker.secrets)).toEqual(['DATABASE_URL']);
    expect(() => synth(env)).not.toThrow();
  });

  test('accepts the internet for tasks that hold no secret and take no Exec session', () => {
    const env = variant(dev, { services: { web: { enableExecuteCommand: false, secrets: { DATABASE_URL: undefined } } }, loadBalancer: { allowedIngressCidrs: ['0.0.0.0/0'] } });
    expect(web(env).secrets).toEqual({});
    expect(env.loadBalancer.allowedIngressCidrs).toEqual(['0.0.0.0/0']);
  });
});

describe('production keeps its web ACL and access logs', () => {
  test.each([
    [{ webAcl: { enabled: false } }, 'loadBalancer.webAcl.enabled: received false; allowed: true in production'],
    [{ accessLogs: { enabled: false } }, 'loadBalancer.accessLogs.enabled: received false; allowed: true in production'],
    [{ webAcl: { managedRuleGroups: ['AWSManagedRulesMadeUp'] } }, 'loadBalancer.webAcl.managedRuleGroups.0: received "AWSManagedRulesMadeUp"; allowed: one of "AWSManagedRulesAmazonIpReputationList"'],
    [{ webAcl: { rateLimitPer5Minutes: 5 } }, 'loadBalancer.webAcl.rateLimitPer5Minutes: received 5; allowed: >= 10'],
  ])('refuses %j with one line', (patch, expected) => {
    const message = refusal(() => variant(prod, { loadBalancer: patch }));
    expect(message).not.toContain('\n');
    expect(message).toContain(`invalid environment "prod": ${expected}`);
  });
});

describe('prod: AWS WAF in front of the load balancer', () => {
  const { tf } = synth(prod);
  const acl = resource(tf, 'aws_wafv2_web_acl');
  const alb = Object.keys(resources(tf, 'aws_lb'))[0];

  test('a regional web ACL, associated with the load balancer, applies the AWS managed rule groups that block', () => {
    expect(acl).toMatchObject({ scope: 'REGIONAL', default_action: { allow: {} } });
    const rules = acl.rule as Record<string, any>[];
    const managed = rules.filter((r) => r.statement.managed_rule_group_statement);
    expect(managed.map((r) => r.statement.managed_rule_group_statement)).toEqual([
      { name: 'AWSManagedRulesAmazonIpReputationList', vendor_name: 'AWS' },
      { name: 'AWSManagedRulesCommonRuleSet', vendor_name: 'AWS' },
      { name: 'AWSManagedRulesKnownBadInputsRuleSet', vendor_name: 'AWS' },
    ]);
    // No group left in count mode: each keeps its own block actions.
    for (const r of managed) expect(r.override_action).toEqual({ none: {} });
    expect(resource(tf, 'aws_wafv2_web_acl_association')).toEqual(expect.objectContaining({ resource_arn: `\${aws_lb.${alb}.arn}` }));
  });

  test('the per-IP rate rule comes first and blocks', () => {
    const first = (acl.rule as Record<string, any>[])[0];
    expect(first).toMatchObject({ priority: 0, action: { block: {} }, statement: { rate_based_statement: { limit: 2000, aggregate_key_type: 'IP' } } });
  });

  test('metrics and sampled requests are on for the ACL and every rule', () => {
    const configs = [acl.visibility_config, ...(acl.rule as Record<string, any>[]).map((r) => r.visibility_config)] as Record<string, unknown>[];
    for (const v of configs) expect(v).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    expect(new Set(configs.map((v) => v.metric_name)).size).toBe(configs.length);
  });

  test('WAF logs go to an encrypted log group with the environment retention, credentials redacted', () => {
    const group = resource(tf, 'aws_cloudwatch_log_group', 'web-acl/logs');
    expect(group).toMatchObject({ name: 'aws-waf-logs-webapp-prod', retention_in_days: prod.logRetentionDays });
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.log-key[\w-]*\.arn\}$/);
    const logging = resource(tf, 'aws_wafv2_web_acl_logging_configuration');
    expect(logging.redacted_fields).toEqual([{ single_header: { name: 'authorization' } }, { single_header: { name: 'cookie' } }]);
  });

  test('dev has none by default, and gets one when it asks', () => {
    expect(resources(synth(dev).tf, 'aws_wafv2_web_acl')).toEqual({});
    const withAcl = synth(variant(dev, { loadBalancer: { webAcl: { enabled: true, managedRuleGroups: ['AWSManagedRulesCommonRuleSet'] } } })).tf;
    expect((resource(withAcl, 'aws_wafv2_web_acl').rule as unknown[]).length).toBe(1);
  });
});

describe('access logs to an encrypted, lifecycle-managed, non-public bucket', () => {
  const { tf } = synth(prod);
  const bucketId = Object.keys(resources(tf, 'aws_s3_bucket'))[0];
  const ref = (attr: string) => `\${aws_s3_bucket.${bucketId}.${attr}}`;
  const bucketArn = 'arn:aws:s3:::webapp-prod-alb-logs-222222222222';
  const doc = () => {
    const raw = policy(resource(tf, 'aws_s3_bucket_policy').policy);
    return JSON.parse(JSON.stringify(raw).split(ref('arn')).join(bucketArn)) as PolicyDocument & { Statement: { Principal: unknown }[] };
  };
  /** The statements of the bucket policy that apply to `principal` (the evaluator models identity policies). */
  const forPrincipal = (principal: { AWS?: string; Service?: string }): PolicyDocument => ({
    Statement: doc().Statement.filter((s) => {
      const p = (s as unknown as { Principal: Record<string, string> }).Principal;
      return (p as unknown) === '*' || (principal.AWS !== undefined && p.AWS === principal.AWS) || (principal.Service !== undefined && p.Service === principal.Service);
    }),
  });
  const elb = { AWS: 'arn:aws:iam::156460612806:root' };
  const put = (key: string, secure = true) => ({ action: 's3:PutObject', resource: `${bucketArn}/${key}`, context: { 'aws:SecureTransport': String(secure) } });

  test('the load balancer writes its logs there', () => {
    const alb = Object.values(resources(tf, 'aws_lb'))[0];
    expect(alb.access_logs).toEqual({ bucket: ref('bucket'), prefix: 'alb', enabled: true });
    // AWS test-writes when logs are turned on: the policy must exist before the load balancer.
    expect(alb.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_s3_bucket_policy\./)]));
  });

  test('public access blocked, ACLs off, SSE-S3, versioning, lifecycle expiration', () => {
    expect(resource(tf, 'aws_s3_bucket')).toMatchObject({ bucket: 'webapp-prod-alb-logs-222222222222', force_destroy: false });
    expect(resource(tf, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(resource(tf, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    // SSE-S3: ALB access logs cannot be written to a bucket whose default encryption is SSE-KMS.
    expect(resource(tf, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(resource(tf, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    const [rule] = resource(tf, 'aws_s3_bucket_lifecycle_configuration').rule as Record<string, unknown>[];
    expect(rule).toMatchObject({ status: 'Enabled', expiration: [{ days: 365 }], noncurrent_version_expiration: [{ noncurrent_days: 365 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }] });
  });

  test('eu-west-1: the regional ELB account may write under this account’s prefix, and nowhere else', () => {
    expect(evaluate(forPrincipal(elb), put('alb/AWSLogs/222222222222/elasticloadbalancing/eu-west-1/2026/12/01/x.log.gz'))).toMatchObject({ allowed: true, statement: 'LoadBalancerLogDelivery' });
    expect(evaluate(forPrincipal(elb), put('alb/AWSLogs/999999999999/x.log.gz')).allowed).toBe(false);
    expect(evaluate(forPrincipal(elb), put('other/x')).allowed).toBe(false);
    expect(evaluate(forPrincipal(elb), { action: 's3:GetObject', resource: `${bucketArn}/alb/AWSLogs/222222222222/x`, context: { 'aws:SecureTransport': 'true' } }).allowed).toBe(false);
    expect(evaluate(forPrincipal({ AWS: 'arn:aws:iam::999999999999:root' }), put('alb/AWSLogs/222222222222/x')).allowed).toBe(false);
  });

  test('every request without TLS is denied, whoever sends it', () => {
    expect(evaluate(forPrincipal(elb), put('alb/AWSLogs/222222222222/x', false))).toEqual({ allowed: false, statement: 'DenyInsecureTransport' });
    expect(evaluate(forPrincipal({}), { action: 's3:GetObject', resource: `${bucketArn}/alb/x`, context: { 'aws:SecureTransport': 'false' } }).statement).toBe('DenyInsecureTransport');
  });

  test('a region opened after August 2022 grants the log-delivery service principal instead of an account', () => {
    const env = variant(dev, {
      region: 'eu-south-2',
      network: { availabilityZones: ['eu-south-2a', 'eu-south-2b'] },
      state: { region: 'eu-south-2' },
      services: Object.fromEntries(['web', 'worker', 'nightly'].map((n) => [n, { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-south-2:111111111111:parameter/webapp/dev/database-url' } }])),
    });
    const statements = policy(resource(synth(env).tf, 'aws_s3_bucket_policy').policy).Statement;
    expect(statements.find((s) => s.Sid === 'LoadBalancerLogDelivery')!.Principal).toEqual({ Service: ELB_LOG_DELIVERY_PRINCIPAL });
  });

  test('dev keeps its logs 14 days and lets terraform destroy remove the bucket', () => {
    const devTf = synth(dev).tf;
    expect(resource(devTf, 'aws_s3_bucket').force_destroy).toBe(true);
    expect((resource(devTf, 'aws_s3_bucket_lifecycle_configuration').rule as Record<string, unknown>[])[0].expiration).toEqual([{ days: 14 }]);
  });
});
