import { asStringList } from './lib/synthesized';
import { fromFindings, NOT_APPLICABLE, type PolicyRule } from './lib/types';

const AWS_MANAGED = /^arn:aws[\w-]*:iam::aws:policy\//;

/**
 * AWS managed policies are opaque to the other IAM rules and broad by design (ReadOnlyAccess, PowerUserAccess allow
 * wildcard actions on every resource, and AWS widens them without review here): each attachment is an accepted risk.
 */
export const rule: PolicyRule = {
  id: 'iam-aws-managed-policy',
  requirement: 'No AWS managed policy is attached without an accepted-risk suppression on the attachment.',
  level: 'error',
  resourceTypes: ['aws_iam_role_policy_attachment', 'aws_iam_policy_attachment', 'aws_iam_user_policy_attachment', 'aws_iam_group_policy_attachment', 'aws_iam_role'],
  evaluate(resource) {
    const arns = resource.type === 'aws_iam_role' ? asStringList(resource.attributes.managed_policy_arns) : asStringList(resource.attributes.policy_arn);
    if (arns.length === 0) return NOT_APPLICABLE;
    return fromFindings(
      arns.filter((a) => AWS_MANAGED.test(a)).map((a) => ({ id: a.replace(AWS_MANAGED, ''), reason: `attaches the AWS managed policy ${a}, whose wildcard grants AWS changes without review here` })),
    );
  },
};
