import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration';
import type { LogEncryptionKey } from './log-key';

/**
 * AWS managed rule groups applied by default, in evaluation order: the common rule set (OWASP-style request checks),
 * known bad inputs (Log4j/Log4Shell, Java deserialization and other exploit patterns) and Amazon's IP reputation
 * list (sources AWS threat intelligence saw attacking). None of them costs more than the standard per-rule-group fee.
 */
export const DEFAULT_MANAGED_RULE_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/** Request headers never written to the WAF logs: they carry credentials. */
export const REDACTED_HEADERS = ['authorization', 'cookie'] as const;

export interface WebAclProps {
  /** Web ACL and metric name prefix: letters, digits, hyphens and underscores, 1-128 characters. */
  readonly name: string;
  /** ARNs of the regional resources (Application Load Balancers) the ACL protects. Must not be empty. */
  readonly resourceArns: string[];
  /** AWS managed rule groups (vendor AWS), evaluated in this order. @default DEFAULT_MANAGED_RULE_GROUPS */
  readonly managedRuleGroups?: readonly string[];
  /** Requests one client IP may send in 5 minutes before it is blocked (10-2,000,000,000). @default undefined (no rate rule) */
  readonly rateLimitPer5Minutes?: number;
  /** Where WAF writes its log of matched and sampled requests (a CloudWatch log group `aws-waf-logs-<name>`). */
  readonly logging: { readonly retentionDays: number; readonly encryptionKey: LogEncryptionKey };
}

/**
 * A regional AWS WAFv2 web ACL with AWS managed rule groups, associated with the given load balancers.
 *
 * Secure by default: requests pass unless a rule blocks them (rule groups keep their own block actions: no rule is
 * put in count mode), every rule and the ACL publish CloudWatch metrics and sampled requests, and every request WAF
 * evaluates is logged to an encrypted log group with the environment's retention, with the Authorization and Cookie
 * headers redacted.
 */
export class WebAcl extends Construct {
  public readonly acl: Wafv2WebAcl;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly ruleGroups: readonly string[];

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    if (!/^[\w-]{1,100}$/.test(props.name)) throw new Error(`WebAcl ${id}: name: received "${props.name}"; allowed: 1-100 letters, digits, hyphens and underscores`);
    if (props.resourceArns.length === 0) throw new Error(`WebAcl ${id}: resourceArns: received []; allowed: at least one load balancer ARN`);
    this.ruleGroups = props.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS;
    if (this.ruleGroups.length === 0) throw new Error(`WebAcl ${id}: managedRuleGroups: received []; allowed: at least one AWS managed rule group`);
    const rate = props.rateLimitPer5Minutes;
    if (rate !== undefined && (!Number.isInteger(rate) || rate < 10 || rate > 2_000_000_000)) {
      throw new Error(`WebAcl ${id}: rateLimitPer5Minutes: received ${rate}; allowed: a whole number from 10 to 2000000000`);
    }
    const visibility = (metric: string) => ({ cloudwatchMetricsEnabled: true, metricName: `${props.name}-${metric}`, sampledRequestsEnabled: true });

    const rules: Record<string, unknown>[] = [];
    if (rate !== undefined) {
      // First, so a flooding client is blocked before the managed groups spend capacity on its requests.
      rules.push({
        name: 'rate-limit-per-ip',
        priority: 0,
        action: { block: {} },
        statement: { rate_based_statement: { limit: rate, aggregate_key_type: 'IP' } },
        visibilityConfig: visibility('rate-limit-per-ip'),
      });
    }
    this.ruleGroups.forEach((group, i) => {
      rules.push({
        name: group,
        priority: i + 1,
        overrideAction: { none: {} },
        statement: { managed_rule_group_statement: { name: group, vendor_name: 'AWS' } },
        visibilityConfig: visibility(group),
      });
    });

    this.acl = new Wafv2WebAcl(this, 'acl', {
      name: props.name,
      description: `Managed rule groups in front of ${props.name}`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rule: rules as never,
      visibilityConfig: visibility('all'),
    });
    props.resourceArns.forEach((arn, i) => {
      new Wafv2WebAclAssociation(this, `association-${i}`, { resourceArn: arn, webAclArn: this.acl.arn });
    });

    // WAF only logs to CloudWatch log groups whose name starts with aws-waf-logs-.
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `aws-waf-logs-${props.name}`,
      retentionInDays: props.logging.retentionDays,
      kmsKeyId: props.logging.encryptionKey.arn,
    });
    new Wafv2WebAclLoggingConfiguration(this, 'logging', {
      resourceArn: this.acl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
    });
  }
}
