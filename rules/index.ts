import type { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { rule as albAccessLogs } from './alb-access-logs';
import { rule as albDeletionProtection } from './alb-deletion-protection';
import { rule as albDropInvalidHeaders } from './alb-drop-invalid-headers';
import { rule as albHttpRedirect } from './alb-http-redirect';
import { rule as albHttps } from './alb-https';
import { rule as albOpenPlainHttp } from './alb-open-plain-http';
import { rule as albTlsPolicy } from './alb-tls-policy';
import { rule as albWebAcl } from './alb-web-acl';
import { rule as codepipelineApprovalGate } from './codepipeline-approval-gate';
import { rule as ecrImmutableScan } from './ecr-immutable-scan';
import { rule as ecsExecProduction } from './ecs-exec-production';
import { rule as ecsRegistryCredentialsScoped } from './ecs-registry-credentials-scoped';
import { rule as ecsSecretsNotInEnvironment } from './ecs-secrets-not-in-environment';
import { rule as ecsTasksPrivate } from './ecs-tasks-private';
import { rule as ecsVersionConsistency } from './ecs-version-consistency';
import { rule as iamAwsManagedPolicy } from './iam-aws-managed-policy';
import { rule as iamNoWildcardActions } from './iam-no-wildcard-actions';
import { rule as iamNoWildcardResources } from './iam-no-wildcard-resources';
import { rule as iamOidcTrustScoped } from './iam-oidc-trust-scoped';
import { rule as iamPassroleCondition } from './iam-passrole-condition';
import { attachPolicyChecks, type PolicyChecks, type PolicyChecksOptions } from './lib/aspect';
import { suppress as attachSuppressions, type Suppression } from './lib/suppressions';
import type { PolicyRule } from './lib/types';
import { rule as logsRetention } from './logs-retention';
import { rule as sgNoPublicIngress } from './sg-no-public-ingress';
import { rule as stateBackendEncrypted } from './state-backend-encrypted';

export type { PolicyRule, SynthesizedResource, StackFacts, RuleResult, Level } from './lib/types';
export type { Suppression } from './lib/suppressions';
export type { PolicyReport, PolicyFinding, AcceptedRisk } from './lib/engine';
export { PolicyViolation } from './lib/engine';
export { POLICY_REPORT_FILE, checkStack } from './lib/aspect';

/** Every rule, one per file in this folder (a unit test keeps this list and the folder in step). */
export const ALL_RULES: readonly PolicyRule[] = [
  ecrImmutableScan,
  sgNoPublicIngress,
  ecsTasksPrivate,
  albHttps,
  albHttpRedirect,
  albTlsPolicy,
  albDropInvalidHeaders,
  albDeletionProtection,
  albWebAcl,
  albAccessLogs,
  albOpenPlainHttp,
  iamNoWildcardActions,
  iamNoWildcardResources,
  iamPassroleCondition,
  iamAwsManagedPolicy,
  iamOidcTrustScoped,
  logsRetention,
  ecsSecretsNotInEnvironment,
  ecsVersionConsistency,
  stateBackendEncrypted,
  ecsExecProduction,
  ecsRegistryCredentialsScoped,
  codepipelineApprovalGate,
];

export const RULE_IDS: readonly string[] = ALL_RULES.map((r) => r.id);

/**
 * Accepts a risk on `scope` (and the resources under it): attach it to the narrowest construct that carries the
 * risk, with a written reason; use `appliesTo` to name the statement Sids when the rule reports them.
 */
export function suppress(scope: IConstruct, ...suppressions: Suppression[]): void {
  attachSuppressions(scope, RULE_IDS, ...suppressions);
}

/** Runs every rule over `stack` at synthesis (the hook of EnvironmentStack). */
export function applyPolicyChecks(stack: TerraformStack, options: Omit<PolicyChecksOptions, 'rules'> & { rules?: readonly PolicyRule[] }): PolicyChecks {
  return attachPolicyChecks(stack, { ...options, rules: options.rules ?? ALL_RULES });
}
