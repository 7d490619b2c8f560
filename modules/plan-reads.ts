import { TerraformResource, TerraformStack } from 'cdktf';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { Role } from './iam';

/**
 * What `terraform plan` calls to refresh each resource type (the AWS provider's Read function of that resource, as of
 * provider v6 / @cdktf/provider-aws 20), so the plan identity gets exactly these reads for the types a stack declares
 * and nothing else: no `ReadOnlyAccess`, whose `ssm:GetParameter*`, `s3:Get*` and friends read secrets and state.
 *
 * Every action here reads configuration or metadata; none returns a secret value or an object's content
 * (`ssm:GetParameter` is granted separately, on the stack's own non-secret parameters only). A resource type missing
 * from this table stops synthesis (`CiAccess`): a new type needs its reads added here before a pull request can plan
 * it. Types other engineers' modules are about to add (WAF, access-log bucket, ACM) are listed ahead of time.
 */
export const PLAN_READS: Readonly<Record<string, readonly string[]>> = {
  aws_appautoscaling_policy: ['application-autoscaling:DescribeScalingPolicies'],
  aws_appautoscaling_target: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:ListTagsForResource'],
  aws_cloudwatch_log_group: ['logs:DescribeLogGroups', 'logs:ListTagsForResource', 'logs:ListTagsLogGroup'],
  aws_cloudwatch_metric_alarm: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'],
  // The delivery pipeline (issue 16). BatchGetProjects returns the project's plaintext variables: the stack puts no secret there.
  aws_codebuild_project: ['codebuild:BatchGetProjects'],
  aws_codepipeline: ['codepipeline:GetPipeline', 'codepipeline:ListTagsForResource'],
  aws_codedeploy_app: ['codedeploy:GetApplication', 'codedeploy:ListTagsForResource'],
  aws_codedeploy_deployment_config: ['codedeploy:GetDeploymentConfig'],
  aws_codedeploy_deployment_group: ['codedeploy:GetDeploymentGroup', 'codedeploy:ListTagsForResource'],
  aws_default_security_group: ['ec2:DescribeSecurityGroups'],
  aws_ecr_lifecycle_policy: ['ecr:GetLifecyclePolicy'],
  aws_ecr_registry_policy: ['ecr:GetRegistryPolicy'],
  aws_ecr_replication_configuration: ['ecr:DescribeRegistry'],
  aws_ecr_repository: ['ecr:DescribeRepositories', 'ecr:ListTagsForResource'],
  aws_ecs_cluster: ['ecs:DescribeClusters'],
  aws_ecs_service: ['ecs:DescribeServices'],
  aws_ecs_task_definition: ['ecs:DescribeTaskDefinition'],
  aws_eip: ['ec2:DescribeAddresses', 'ec2:DescribeAddressesAttribute'],
  aws_flow_log: ['ec2:DescribeFlowLogs'],
  aws_iam_openid_connect_provider: ['iam:GetOpenIDConnectProvider'],
  aws_iam_policy: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags'],
  aws_iam_role: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'],
  aws_iam_role_policy: ['iam:GetRolePolicy'],
  aws_iam_role_policy_attachment: ['iam:ListAttachedRolePolicies'],
  aws_internet_gateway: ['ec2:DescribeInternetGateways'],
  aws_kms_alias: ['kms:ListAliases'],
  aws_kms_key: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
  aws_lb: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeTags'],
  aws_lb_listener: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeTags'],
  aws_lb_listener_certificate: ['elasticloadbalancing:DescribeListenerCertificates'],
  aws_lb_listener_rule: ['elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTags'],
  aws_lb_target_group: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTags'],
  aws_nat_gateway: ['ec2:DescribeNatGateways'],
  aws_route: ['ec2:DescribeRouteTables'],
  aws_route_table: ['ec2:DescribeRouteTables'],
  aws_route_table_association: ['ec2:DescribeRouteTables'],
  aws_security_group: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'],
  // GetParameter itself is granted on the stack's own parameters only (see CiAccess).
  aws_ssm_parameter: ['ssm:DescribeParameters', 'ssm:ListTagsForResource'],
  aws_subnet: ['ec2:DescribeSubnets'],
  aws_vpc: ['ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute'],
  aws_vpc_endpoint: ['ec2:DescribeVpcEndpoints', 'ec2:DescribePrefixLists'],
  aws_vpc_security_group_egress_rule: ['ec2:DescribeSecurityGroupRules'],
  aws_vpc_security_group_ingress_rule: ['ec2:DescribeSecurityGroupRules'],
  terraform_data: [],
  // Announced by the edge work of issue 12 (WAF, access logs, certificates).
  aws_acm_certificate: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
  aws_scheduler_schedule: ['scheduler:GetSchedule'],
  aws_scheduler_schedule_group: ['scheduler:GetScheduleGroup', 'scheduler:ListTagsForResource'],
  aws_wafv2_web_acl: ['wafv2:GetWebACL', 'wafv2:ListTagsForResource'],
  aws_wafv2_web_acl_association: ['wafv2:GetWebACLForResource'],
  aws_wafv2_web_acl_logging_configuration: ['wafv2:GetLoggingConfiguration'],
  aws_s3_bucket: [
    's3:ListBucket', 's3:GetBucketAcl', 's3:GetBucketCORS', 's3:GetBucketWebsite', 's3:GetBucketVersioning', 's3:GetAccelerateConfiguration',
    's3:GetBucketRequestPayment', 's3:GetBucketLogging', 's3:GetLifecycleConfiguration', 's3:GetReplicationConfiguration',
    's3:GetEncryptionConfiguration', 's3:GetBucketObjectLockConfiguration', 's3:GetBucketTagging', 's3:GetBucketPolicy',
  ],
  aws_s3_bucket_policy: ['s3:GetBucketPolicy'],
  aws_s3_bucket_public_access_block: ['s3:GetBucketPublicAccessBlock'],
  aws_s3_bucket_server_side_encryption_configuration: ['s3:GetEncryptionConfiguration'],
  aws_s3_bucket_lifecycle_configuration: ['s3:GetLifecycleConfiguration'],
  aws_s3_bucket_ownership_controls: ['s3:GetBucketOwnershipControls'],
  aws_s3_bucket_versioning: ['s3:GetBucketVersioning'],
  aws_s3_bucket_logging: ['s3:GetBucketLogging'],
};

/** Actions that read a secret value or Terraform's state: never granted to the plan identity, and denied outright. */
export const SECRET_READS = [
  'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory',
  'secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue', 'kms:Decrypt',
] as const;

/** The read actions for `types`, sorted and deduplicated; throws naming the first type the table does not know. */
export function planReadActions(types: Iterable<string>, where: string): string[] {
  const actions = new Set<string>();
  for (const type of types) {
    const reads = PLAN_READS[type];
    if (!reads) {
      throw new Error(`${where}: resource type: received "${type}"; allowed: a type listed in PLAN_READS (modules/plan-reads.ts) with the read actions terraform plan needs to refresh it`);
    }
    for (const a of reads) actions.add(a);
  }
  return [...actions].sort();
}

export interface PlanIdentityProps {
  readonly bucketArn: string;
  readonly stateObject: string;
  /** KMS key of the state object. @default none (S3-managed keys) */
  readonly stateKmsKeyArn?: string;
  /** Names the role in refusals (a resource type without reads). */
  readonly where: string;
}

/**
 * The plan identity's grant: refresh every resource type the stack declares (read when the policy is rendered, so
 * types of later constructs count) and the state object; nothing that returns a secret, and no write to state or its
 * lock (the pull-request workflow plans with -lock=false). The explicit Denies keep it so if a grant is ever added.
 */
export function grantPlanIdentity(role: Role, props: PlanIdentityProps): void {
  const stack = TerraformStack.of(role);
  const readActions = () => planReadActions(new Set(stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource).map((r) => r.terraformResourceType)), props.where);
  // A SecureString the stack declares stays denied: its refresh would decrypt it (plan then fails, by design).
  const ownParameters = () => stack.node.findAll().filter((c): c is SsmParameter => c instanceof SsmParameter && c.typeInput !== 'SecureString');
  const stateKey = props.stateKmsKeyArn ? [props.stateKmsKeyArn] : [];
  role.addStatements(
    { Sid: 'ListStateBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: props.bucketArn },
    { Sid: 'ReadState', Effect: 'Allow', Action: ['s3:GetObject'], Resource: props.stateObject },
    {
      Sid: 'RefreshOwnParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      // Getters: read when the policy is rendered, once every parameter of the stack exists.
      get Resource() {
        return ownParameters().map((p) => p.arn);
      },
    },
    {
      Sid: 'NeverReadSecrets',
      Effect: 'Deny',
      Action: [...SECRET_READS],
      get NotResource() {
        return [...ownParameters().map((p) => p.arn), ...stateKey];
      },
    },
    { Sid: 'NeverWriteStateOrLock', Effect: 'Deny', Action: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:RestoreObject'], Resource: `${props.bucketArn}/*` },
  );
  if (props.stateKmsKeyArn) role.addStatements({ Sid: 'StateKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: props.stateKmsKeyArn });
  role.addStatementsWithoutResourceScope(
    'terraform plan refreshes the resource types the stack declares with these Describe/Get/List reads of configuration and metadata (modules/plan-reads.ts); most have no resource-level permission and the others must also match resources a plan is about to create; none returns a secret value or an object.',
    {
      Sid: 'RefreshDeclaredResourceTypes',
      Effect: 'Allow',
      get Action() {
        return readActions();
      },
      Resource: '*',
    },
  );
}
