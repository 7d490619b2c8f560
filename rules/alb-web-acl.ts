import { isApplicationLoadBalancer, LB_TYPES } from './lib/load-balancers';
import { blocks, referencing, resolveReference } from './lib/synthesized';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

export const WEB_ACL_ASSOCIATION = 'aws_wafv2_web_acl_association';

/**
 * AWS managed rule groups of a web ACL that actually act: a group whose override action is `count` only labels
 * requests, so it protects nothing.
 */
function blockingAwsManagedGroups(acl: Readonly<Record<string, unknown>>): string[] {
  return blocks(acl.rule).flatMap((r) => {
    const group = blocks(blocks(r.statement)[0]?.managed_rule_group_statement)[0];
    if (!group || group.vendor_name !== 'AWS') return [];
    const override = blocks(r.override_action)[0] ?? {};
    return 'count' in override ? [] : [String(group.name)];
  });
}

/** The internet-facing production load balancer sits behind AWS WAF with AWS managed rule groups that block. */
export const rule: PolicyRule = {
  id: 'alb-web-acl',
  requirement: 'Internet-facing production Application Load Balancers are associated with a WAFv2 web ACL that applies at least one AWS managed rule group (not in count mode).',
  level: 'error',
  resourceTypes: [...LB_TYPES],
  evaluate(resource, stack) {
    if (!stack.production || !isApplicationLoadBalancer(resource) || resource.attributes.internal === true) return NOT_APPLICABLE;
    const associations = referencing(stack, WEB_ACL_ASSOCIATION, 'resource_arn', resource);
    if (associations.length === 0) return nonCompliant('no WAF web ACL is associated: the load balancer takes internet traffic unfiltered; set loadBalancer.webAcl');
    const acl = resolveReference(stack, associations[0].attributes.web_acl_arn);
    if (!acl) return nonCompliant('the associated web ACL is not declared in this stack, so its rules cannot be checked');
    if (blockingAwsManagedGroups(acl.attributes).length === 0) return nonCompliant(`web ACL ${acl.path} applies no AWS managed rule group (or only in count mode)`);
    return COMPLIANT;
  },
};
