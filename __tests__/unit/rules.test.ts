import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RULES } from '../../rules';
import type { RuleResult, StackFacts, SynthesizedResource } from '../../rules/lib/types';
import { edited, editContainers, editPolicy, factsOf, one, plus, withFacts } from '../helpers/policy';
import { dev, prod } from '../helpers/stacks';
import pipelinesExample from '../../environments/examples/pipelines';

const devFacts = factsOf(dev);
const prodFacts = factsOf(prod);
const offlineDev = factsOf(dev, 'offline');
const pipelinesFacts = factsOf(pipelinesExample);
const pipeline = () => one(pipelinesFacts, 'aws_codepipeline');
/** The example's pipeline with its stages rearranged by `edit` (stage names as in modules/delivery-pipeline.ts). */
const pipelineStages = (edit: (stages: { name: string; action: { category: string }[] }[]) => unknown[]): Given =>
  edited(pipelinesFacts, pipeline(), (a) => { a.stage = edit(a.stage as { name: string; action: { category: string }[] }[]); });

type Given = { facts: StackFacts; resource: SynthesizedResource };
const as = (facts: StackFacts, resource: SynthesizedResource): Given => ({ facts, resource });
const fake = (type: string, name: string, attributes: Record<string, unknown>): SynthesizedResource => ({ type, address: `${type}.${name}`, path: `prod/test/${name}`, attributes });

/** One case of one rule: the behaviour in words, the resource it is shown, what it must answer. */
interface RuleCase {
  readonly rule: string;
  readonly title: string;
  readonly expect: RuleResult['status'];
  readonly given: () => Given;
  /** For non-compliant cases: what the one-line reason must say. */
  readonly reason?: RegExp;
}

const prodAlb = () => one(prodFacts, 'aws_lb');
const prodTask = () => one(prodFacts, 'aws_ecs_task_definition', 'services/web/task-definition/task');
const deployPolicy = () => one(prodFacts, 'aws_iam_role_policy', 'ci/deploy/policy');

/** A copy of `facts` without any resource of `type`. */
const without = (facts: StackFacts, type: string): StackFacts => ({ ...facts, resources: facts.resources.filter((r) => r.type !== type) });
/** Dev's HTTP listener, with the load balancer's port-80 ingress widened to `cidr`. */
const devListenerOpenTo = (cidr: string): Given => {
  const g = edited(devFacts, one(devFacts, 'aws_vpc_security_group_ingress_rule', 'load-balancer/in-80-0'), (a) => { a.cidr_ipv4 = cidr; });
  return as(g.facts, one(g.facts, 'aws_lb_listener'));
};

/** Prod's task pulling with private-registry credentials, its execution role granted `grant` on top of its own policy. */
const PULL_SECRET = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:webapp/prod/registry-pull-AbC123';
const withPullSecret = (credentialsParameter: string, grant: string[]): Given => {
  const g = edited(prodFacts, prodTask(), editContainers((c) => { c[0].repositoryCredentials = { credentialsParameter }; }));
  const role = String(g.resource.attributes.execution_role_arn).replace(/\.arn\}$/, '.name}');
  const statement = { Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: grant };
  return as(plus(g.facts, fake('aws_iam_role_policy', 'registry-pull', { role, policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) })), g.resource);
};

const CASES: RuleCase[] = [
  // ecr-immutable-scan
  { rule: 'ecr-immutable-scan', title: 'accepts the repository with immutable tags and scan on push', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_ecr_repository')) },
  { rule: 'ecr-immutable-scan', title: 'refuses mutable tags (the latest anti-pattern)', expect: 'non-compliant', reason: /MUTABLE.*set IMMUTABLE/, given: () => { const g = edited(prodFacts, one(prodFacts, 'aws_ecr_repository'), (a) => { a.image_tag_mutability = 'MUTABLE'; }); return g; } },
  { rule: 'ecr-immutable-scan', title: 'refuses a repository that does not scan on push', expect: 'non-compliant', reason: /not scanned on push/, given: () => edited(prodFacts, one(prodFacts, 'aws_ecr_repository'), (a) => { delete a.image_scanning_configuration; }) },

  // sg-no-public-ingress
  { rule: 'sg-no-public-ingress', title: 'accepts the internet on 443 at the load balancer', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_vpc_security_group_ingress_rule', 'load-balancer/in-443-0')) },
  { rule: 'sg-no-public-ingress', title: 'accepts task ingress from the load balancer group only', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_vpc_security_group_ingress_rule', 'load-balancer/in-web-8080')) },
  { rule: 'sg-no-public-ingress', title: 'refuses tasks open to 0.0.0.0/0', expect: 'non-compliant', reason: /admits 0\.0\.0\.0\/0 on port 8080/, given: () => edited(prodFacts, one(prodFacts, 'aws_vpc_security_group_ingress_rule', 'load-balancer/in-web-8080'), (a) => { delete a.referenced_security_group_id; a.cidr_ipv4 = '0.0.0.0/0'; }) },
  { rule: 'sg-no-public-ingress', title: 'refuses the load balancer open to the internet on a port other than 80/443', expect: 'non-compliant', reason: /port 8443/, given: () => edited(prodFacts, one(prodFacts, 'aws_vpc_security_group_ingress_rule', 'load-balancer/in-443-0'), (a) => { a.from_port = 8443; a.to_port = 8443; }) },
  { rule: 'sg-no-public-ingress', title: 'refuses ::/0 on the VPC endpoints group', expect: 'non-compliant', reason: /::\/0/, given: () => edited(prodFacts, one(prodFacts, 'aws_vpc_security_group_ingress_rule', 'network/endpoints-https-in'), (a) => { delete a.cidr_ipv4; a.cidr_ipv6 = '::/0'; }) },
  { rule: 'sg-no-public-ingress', title: 'refuses an inline ingress block open to everything', expect: 'non-compliant', reason: /all ports/, given: () => { const sg = fake('aws_security_group', 'legacy', { ingress: [{ protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/0'] }] }); return as(plus(prodFacts, sg), sg); } },

  // ecs-tasks-private
  { rule: 'ecs-tasks-private', title: 'accepts tasks in the private subnets without public IPs', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service')) },
  { rule: 'ecs-tasks-private', title: 'refuses public IPs on tasks', expect: 'non-compliant', reason: /assign_public_ip/, given: () => edited(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service'), (a) => { a.network_configuration.assign_public_ip = true; }) },
  {
    rule: 'ecs-tasks-private', title: 'refuses tasks in subnets routed to the internet gateway', expect: 'non-compliant', reason: /routes to an internet gateway/,
    given: () => edited(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service'), (a) => { a.network_configuration.subnets = [`\${${one(prodFacts, 'aws_subnet', 'network/public-0').address}.id}`]; }),
  },
  { rule: 'ecs-tasks-private', title: 'refuses subnets it cannot see (declared elsewhere)', expect: 'non-compliant', reason: /not declared in this stack/, given: () => edited(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service'), (a) => { a.network_configuration.subnets = ['subnet-0123456789abcdef0']; }) },

  // alb-https
  { rule: 'alb-https', title: 'accepts a load balancer with an HTTPS listener', expect: 'compliant', given: () => as(prodFacts, prodAlb()) },
  { rule: 'alb-https', title: 'reports a load balancer serving plain HTTP only', expect: 'non-compliant', reason: /no HTTPS listener/, given: () => as(devFacts, one(devFacts, 'aws_lb')) },

  // alb-http-redirect
  { rule: 'alb-http-redirect', title: 'accepts an HTTP listener that only redirects to HTTPS', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/http-redirect')) },
  { rule: 'alb-http-redirect', title: 'ignores HTTPS listeners', expect: 'not-applicable', given: () => as(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/production')) },
  { rule: 'alb-http-redirect', title: 'reports an HTTP listener that answers requests', expect: 'non-compliant', reason: /port 80 answers requests/, given: () => as(devFacts, one(devFacts, 'aws_lb_listener')) },
  {
    rule: 'alb-http-redirect', title: 'reports a listener rule that bypasses the redirect', expect: 'non-compliant', reason: /bypassing the redirect/,
    given: () => {
      const redirect = one(prodFacts, 'aws_lb_listener', 'load-balancer/http-redirect');
      const bypass = fake('aws_lb_listener_rule', 'bypass', { listener_arn: `\${${redirect.address}.arn}`, action: [{ type: 'forward', target_group_arn: '${aws_lb_target_group.x.arn}' }] });
      return as(plus(prodFacts, bypass), redirect);
    },
  },

  // alb-tls-policy
  { rule: 'alb-tls-policy', title: 'accepts the TLS 1.3 policy', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/production')) },
  { rule: 'alb-tls-policy', title: 'refuses a TLS 1.0 policy', expect: 'non-compliant', reason: /ELBSecurityPolicy-2016-08/, given: () => edited(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/production'), (a) => { a.ssl_policy = 'ELBSecurityPolicy-2016-08'; }) },
  { rule: 'alb-tls-policy', title: 'refuses an HTTPS listener leaving the policy to AWS', expect: 'non-compliant', reason: /unset/, given: () => edited(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/production'), (a) => { delete a.ssl_policy; }) },

  // alb-drop-invalid-headers
  { rule: 'alb-drop-invalid-headers', title: 'accepts a load balancer dropping invalid headers', expect: 'compliant', given: () => as(prodFacts, prodAlb()) },
  { rule: 'alb-drop-invalid-headers', title: 'refuses a load balancer forwarding invalid headers', expect: 'non-compliant', reason: /drop_invalid_header_fields/, given: () => edited(prodFacts, prodAlb(), (a) => { a.drop_invalid_header_fields = false; }) },

  // alb-deletion-protection
  { rule: 'alb-deletion-protection', title: 'accepts a protected production load balancer', expect: 'compliant', given: () => as(prodFacts, prodAlb()) },
  { rule: 'alb-deletion-protection', title: 'refuses an unprotected production load balancer', expect: 'non-compliant', reason: /deletion_protection/, given: () => edited(prodFacts, prodAlb(), (a) => { a.enable_deletion_protection = false; }) },
  { rule: 'alb-deletion-protection', title: 'does not apply to dev', expect: 'not-applicable', given: () => as(devFacts, one(devFacts, 'aws_lb')) },

  // alb-web-acl
  { rule: 'alb-web-acl', title: 'accepts the production load balancer behind the web ACL with AWS managed rule groups', expect: 'compliant', given: () => as(prodFacts, prodAlb()) },
  { rule: 'alb-web-acl', title: 'refuses a production load balancer with no web ACL', expect: 'non-compliant', reason: /no WAF web ACL is associated/, given: () => as(without(prodFacts, 'aws_wafv2_web_acl_association'), prodAlb()) },
  {
    rule: 'alb-web-acl', title: 'refuses a web ACL whose managed rule groups only count', expect: 'non-compliant', reason: /no AWS managed rule group \(or only in count mode\)/,
    given: () => as(edited(prodFacts, one(prodFacts, 'aws_wafv2_web_acl'), (a) => { a.rule = a.rule.filter((r: any) => r.override_action).map((r: any) => ({ ...r, override_action: { count: {} } })); }).facts, prodAlb()),
  },
  { rule: 'alb-web-acl', title: 'does not apply to dev', expect: 'not-applicable', given: () => as(devFacts, one(devFacts, 'aws_lb')) },

  // alb-access-logs
  { rule: 'alb-access-logs', title: 'accepts a load balancer writing access logs to its bucket', expect: 'compliant', given: () => as(prodFacts, prodAlb()) },
  { rule: 'alb-access-logs', title: 'refuses a load balancer without access logs', expect: 'non-compliant', reason: /access logs are off/, given: () => edited(prodFacts, prodAlb(), (a) => { delete a.access_logs; }) },
  { rule: 'alb-access-logs', title: 'refuses access logs that are declared but disabled', expect: 'non-compliant', reason: /access logs are off/, given: () => edited(prodFacts, prodAlb(), (a) => { a.access_logs.enabled = false; }) },

  // alb-open-plain-http
  { rule: 'alb-open-plain-http', title: 'accepts dev plain HTTP admitted from a named office/VPN range only', expect: 'compliant', given: () => as(devFacts, one(devFacts, 'aws_lb_listener')) },
  { rule: 'alb-open-plain-http', title: 'refuses plain HTTP open to 0.0.0.0/0 while ECS Exec is on and the tasks hold a secret', expect: 'non-compliant', reason: /port 80 is open to 0\.0\.0\.0\/0 while ECS Exec is on/, given: () => devListenerOpenTo('0.0.0.0/0') },
  { rule: 'alb-open-plain-http', title: 'refuses the internet written as two /1 halves', expect: 'non-compliant', reason: /open to 0\.0\.0\.0\/1/, given: () => devListenerOpenTo('0.0.0.0/1') },
  {
    rule: 'alb-open-plain-http', title: 'refuses an open listener when only a secret is at stake (ECS Exec off)', expect: 'non-compliant', reason: /while the tasks hold secrets/,
    given: () => { const g = devListenerOpenTo('0.0.0.0/0'); return as(edited(g.facts, one(g.facts, 'aws_ecs_service', 'services/web/service'), (a) => { a.enable_execute_command = false; }).facts, g.resource); },
  },
  {
    rule: 'alb-open-plain-http', title: 'does not apply to an open listener of tasks without secrets or ECS Exec', expect: 'not-applicable',
    given: () => {
      const g = devListenerOpenTo('0.0.0.0/0');
      const noExec = edited(g.facts, one(g.facts, 'aws_ecs_service', 'services/web/service'), (a) => { a.enable_execute_command = false; }).facts;
      return as(edited(noExec, one(noExec, 'aws_ecs_task_definition', 'services/web/task-definition/task'), editContainers((cs) => cs.forEach((c) => delete c.secrets))).facts, g.resource);
    },
  },
  { rule: 'alb-open-plain-http', title: 'does not apply to an HTTP listener that only redirects to HTTPS', expect: 'not-applicable', given: () => as(prodFacts, one(prodFacts, 'aws_lb_listener', 'load-balancer/http-redirect')) },

  // iam-no-wildcard-actions
  { rule: 'iam-no-wildcard-actions', title: 'accepts the deploy policy naming every action', expect: 'compliant', given: () => as(prodFacts, deployPolicy()) },
  { rule: 'iam-no-wildcard-actions', title: 'refuses ecs:* in a statement', expect: 'non-compliant', reason: /ReleasePointer allows wildcard actions ssm:\*/, given: () => edited(prodFacts, deployPolicy(), editPolicy('policy', (d) => { d.Statement.find((s) => s.Sid === 'ReleasePointer')!.Action = ['ssm:*']; })) },
  { rule: 'iam-no-wildcard-actions', title: 'refuses NotAction', expect: 'non-compliant', reason: /NotAction/, given: () => edited(prodFacts, deployPolicy(), editPolicy('policy', (d) => { const s = d.Statement[1]; s.NotAction = s.Action; delete s.Action; })) },

  // iam-no-wildcard-resources
  { rule: 'iam-no-wildcard-resources', title: 'accepts the apply role policy scoped to the state objects and the project roles', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_iam_role_policy', 'ci/apply/policy')) },
  { rule: 'iam-no-wildcard-resources', title: 'reports the plan role\'s refresh reads by Sid (before their suppression applies)', expect: 'non-compliant', reason: /RefreshDeclaredResourceTypes grants .*ec2:DescribeVpcs.* on \*/, given: () => as(prodFacts, one(prodFacts, 'aws_iam_role_policy', 'ci/plan/policy')) },
  { rule: 'iam-no-wildcard-resources', title: 'reports the ECR token statement by Sid (before its suppression applies)', expect: 'non-compliant', reason: /EcrAuthToken grants ecr:GetAuthorizationToken on \*/, given: () => as(prodFacts, one(prodFacts, 'aws_iam_role_policy', 'services/web/task-definition/execution-role/policy')) },
  { rule: 'iam-no-wildcard-resources', title: 'reports an ARN that names no resource', expect: 'non-compliant', reason: /arn:aws:ssm:eu-west-1:222222222222:parameter\/\*/, given: () => edited(prodFacts, deployPolicy(), editPolicy('policy', (d) => { d.Statement.find((s) => s.Sid === 'ReadDescriptor')!.Resource = 'arn:aws:ssm:eu-west-1:222222222222:parameter/*'; })) },

  // iam-passrole-condition
  { rule: 'iam-passrole-condition', title: 'accepts PassRole limited to ECS tasks', expect: 'compliant', given: () => as(prodFacts, deployPolicy()) },
  { rule: 'iam-passrole-condition', title: 'refuses PassRole without iam:PassedToService', expect: 'non-compliant', reason: /PassOnlyThisServicesRoles allows iam:PassRole without/, given: () => edited(prodFacts, deployPolicy(), editPolicy('policy', (d) => { delete d.Statement.find((s) => s.Sid === 'PassOnlyThisServicesRoles')!.Condition; })) },
  { rule: 'iam-passrole-condition', title: 'refuses iam:Pass* (a wildcard that includes PassRole)', expect: 'non-compliant', reason: /ReadDescriptor allows iam:PassRole/, given: () => edited(prodFacts, deployPolicy(), editPolicy('policy', (d) => { d.Statement.find((s) => s.Sid === 'ReadDescriptor')!.Action = ['iam:Pass*']; })) },

  // iam-aws-managed-policy
  { rule: 'iam-aws-managed-policy', title: 'reports an AWS managed policy attachment (before its suppression applies)', expect: 'non-compliant', reason: /AWS managed policy arn:aws:iam::aws:policy\/PowerUserAccess/, given: () => as(prodFacts, one(prodFacts, 'aws_iam_role_policy_attachment', 'ci/apply/managed-0')) },
  { rule: 'iam-aws-managed-policy', title: 'accepts a customer managed policy', expect: 'compliant', given: () => edited(prodFacts, one(prodFacts, 'aws_iam_role_policy_attachment', 'ci/apply/managed-0'), (a) => { a.policy_arn = 'arn:aws:iam::222222222222:policy/webapp-reader'; }) },

  // iam-oidc-trust-scoped
  { rule: 'iam-oidc-trust-scoped', title: 'accepts the deploy role trusting one repository and environment', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_iam_role', 'ci/deploy/role')) },
  { rule: 'iam-oidc-trust-scoped', title: 'accepts the plan role trusting plan.yml of any pull request (the number is the one wildcard)', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_iam_role', 'ci/plan/role')) },
  {
    rule: 'iam-oidc-trust-scoped', title: 'refuses a wildcard workflow in a pull-request subject', expect: 'non-compliant', reason: /workflows\/\*@refs/,
    given: () => edited(prodFacts, one(prodFacts, 'aws_iam_role', 'ci/plan/role'), editPolicy('assume_role_policy', (d) => { d.Statement[0].Condition.StringLike['token.actions.githubusercontent.com:sub'] = ['repo:example-org/webapp-infra:pull_request:job_workflow_ref:example-org/webapp-infra/.github/workflows/*@refs/pull/*/merge']; })),
  },
  { rule: 'iam-oidc-trust-scoped', title: 'ignores roles trusted by AWS services', expect: 'not-applicable', given: () => as(prodFacts, one(prodFacts, 'aws_iam_role', 'services/web/task-definition/task-role/role')) },
  { rule: 'iam-oidc-trust-scoped', title: 'refuses a GitHub trust without a subject', expect: 'non-compliant', reason: /without a subject condition/, given: () => edited(prodFacts, one(prodFacts, 'aws_iam_role', 'ci/deploy/role'), editPolicy('assume_role_policy', (d) => { delete d.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']; })) },
  {
    rule: 'iam-oidc-trust-scoped', title: 'refuses a wildcard repository in the subject', expect: 'non-compliant', reason: /repo:example-org\/\*/,
    given: () => edited(prodFacts, one(prodFacts, 'aws_iam_role', 'ci/deploy/role'), editPolicy('assume_role_policy', (d) => { const c = d.Statement[0].Condition; c.StringLike = { 'token.actions.githubusercontent.com:sub': 'repo:example-org/*' }; delete c.StringEquals['token.actions.githubusercontent.com:sub']; })),
  },

  // logs-retention
  { rule: 'logs-retention', title: 'accepts a log group with retention', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_cloudwatch_log_group', 'services/web/task-definition/logs')) },
  { rule: 'logs-retention', title: 'refuses a log group kept forever', expect: 'non-compliant', reason: /retention_in_days is unset/, given: () => edited(prodFacts, one(prodFacts, 'aws_cloudwatch_log_group', 'services/web/task-definition/logs'), (a) => { delete a.retention_in_days; }) },
  { rule: 'logs-retention', title: 'refuses retention 0 (never expire)', expect: 'non-compliant', reason: /retention_in_days is 0/, given: () => edited(prodFacts, one(prodFacts, 'aws_cloudwatch_log_group', 'services/web/task-definition/logs'), (a) => { a.retention_in_days = 0; }) },

  // ecs-secrets-not-in-environment
  { rule: 'ecs-secrets-not-in-environment', title: 'accepts plain settings in environment and the database URL in secrets', expect: 'compliant', given: () => as(prodFacts, prodTask()) },
  { rule: 'ecs-secrets-not-in-environment', title: 'refuses a password in a plain variable', expect: 'non-compliant', reason: /DB_PASSWORD of container app: its name DB_PASSWORD says it holds a secret/, given: () => edited(prodFacts, prodTask(), editContainers((c) => { c[0].environment.push({ name: 'DB_PASSWORD', value: 'hunter2hunter2' }); })) },
  { rule: 'ecs-secrets-not-in-environment', title: 'refuses a connection URL carrying credentials', expect: 'non-compliant', reason: /URL with a password/, given: () => edited(prodFacts, prodTask(), editContainers((c) => { c[0].environment.push({ name: 'UPSTREAM', value: 'postgres://app:s3cret@db.internal:5432/app' }); })) },
  { rule: 'ecs-secrets-not-in-environment', title: 'fails closed when container definitions cannot be read', expect: 'non-compliant', reason: /not literal JSON/, given: () => edited(prodFacts, prodTask(), (a) => { a.container_definitions = '${file("containers.json")}'; }) },

  // ecs-version-consistency
  { rule: 'ecs-version-consistency', title: 'accepts containers keeping version consistency', expect: 'compliant', given: () => as(prodFacts, prodTask()) },
  { rule: 'ecs-version-consistency', title: 'reports version consistency switched off', expect: 'non-compliant', reason: /versionConsistency "disabled"/, given: () => edited(prodFacts, prodTask(), editContainers((c) => { c[0].versionConsistency = 'disabled'; })) },
  { rule: 'ecs-version-consistency', title: 'accepts it off when the image is pinned by digest', expect: 'compliant', given: () => edited(prodFacts, prodTask(), editContainers((c) => { c[0].versionConsistency = 'disabled'; c[0].image = `public.ecr.aws/nginx/nginx@sha256:${'a'.repeat(64)}`; })) },

  // state-backend-encrypted
  { rule: 'state-backend-encrypted', title: 'accepts the encrypted S3 backend', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'terraform_backend')) },
  { rule: 'state-backend-encrypted', title: 'refuses an S3 backend without encryption', expect: 'non-compliant', reason: /encrypt = true/, given: () => edited(prodFacts, one(prodFacts, 'terraform_backend'), (a) => { a.encrypt = false; }) },
  { rule: 'state-backend-encrypted', title: 'refuses local state for a real account', expect: 'non-compliant', reason: /local file/, given: () => as(withFacts(offlineDev, { target: 'aws' }), one(offlineDev, 'terraform_backend')) },
  { rule: 'state-backend-encrypted', title: 'ignores local state of offline previews', expect: 'not-applicable', given: () => as(offlineDev, one(offlineDev, 'terraform_backend')) },

  // ecs-registry-credentials-scoped (more cases in rule-registry-credentials.test.ts)
  { rule: 'ecs-registry-credentials-scoped', title: 'does not apply to a task that pulls from ECR', expect: 'not-applicable', given: () => as(prodFacts, prodTask()) },
  { rule: 'ecs-registry-credentials-scoped', title: 'accepts a pull secret named by its full ARN that the execution role reads', expect: 'compliant', given: () => withPullSecret(PULL_SECRET, [PULL_SECRET]) },
  { rule: 'ecs-registry-credentials-scoped', title: 'refuses a pull secret named without its random suffix', expect: 'non-compliant', reason: /not a complete Secrets Manager secret ARN/, given: () => withPullSecret('webapp/prod/registry-pull', ['arn:aws:secretsmanager:eu-west-1:222222222222:secret:webapp/prod/registry-pull*']) },
  { rule: 'ecs-registry-credentials-scoped', title: 'refuses an execution role that may read other secrets', expect: 'non-compliant', reason: /lets it read \*/, given: () => withPullSecret(PULL_SECRET, [PULL_SECRET, '*']) },
  // ecs-exec-production
  { rule: 'ecs-exec-production', title: 'accepts production with ECS Exec off', expect: 'compliant', given: () => as(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service')) },
  { rule: 'ecs-exec-production', title: 'refuses ECS Exec in production', expect: 'non-compliant', reason: /ECS Exec is enabled in production/, given: () => edited(prodFacts, one(prodFacts, 'aws_ecs_service', 'services/web/service'), (a) => { a.enable_execute_command = true; }) },
  { rule: 'ecs-exec-production', title: 'does not apply to dev', expect: 'not-applicable', given: () => as(devFacts, one(devFacts, 'aws_ecs_service', 'services/web/service')) },
  // codepipeline-approval-gate
  { rule: 'codepipeline-approval-gate', title: 'accepts the delivery pipeline: dev deploy, manual approval, then the promotion', expect: 'compliant', given: () => as(pipelinesFacts, pipeline()) },
  { rule: 'codepipeline-approval-gate', title: 'refuses a pipeline without its approval stage', expect: 'non-compliant', reason: /stage Promote-prod deploys after stage Deploy-pipelines with no manual approval stage/, given: () => pipelineStages((s) => s.filter((x) => !x.name.startsWith('Approve'))) },
  { rule: 'codepipeline-approval-gate', title: 'refuses the approval moved after the promotion', expect: 'non-compliant', reason: /stage Promote-prod deploys after stage Deploy-pipelines/, given: () => pipelineStages((s) => [s[0], s[1], s[3], s[2]]) },
  { rule: 'codepipeline-approval-gate', title: 'refuses the approval running in the promotion\'s own stage (in parallel)', expect: 'non-compliant', reason: /no manual approval stage/, given: () => pipelineStages((s) => [s[0], s[1], { ...s[3], action: [...s[2].action, ...s[3].action] }]) },
];

const byId = new Map(ALL_RULES.map((r) => [r.id, r]));

describe('each policy rule', () => {
  test.each(CASES.map((c) => [`${c.rule}: ${c.title}`, c] as const))('%s', (_name, c) => {
    // GIVEN a synthesized resource (shipped, or with one change) and its stack
    const rule = byId.get(c.rule)!;
    const { facts, resource } = c.given();
    expect(rule.resourceTypes).toContain(resource.type);
    // WHEN the rule evaluates it
    const result = rule.evaluate(resource, facts);
    // THEN it answers as expected, with one-line reasons naming the fault
    expect(result.status).toBe(c.expect);
    if (result.status === 'non-compliant') {
      expect(result.findings.length).toBeGreaterThan(0);
      for (const f of result.findings) expect(f.reason).not.toMatch(/\n/);
      expect(result.findings.map((f) => f.reason).join(' | ')).toMatch(c.reason!);
    }
  });
});

describe('rule coverage', () => {
  test('every file under rules/ is one registered rule whose id is its file name', () => {
    const files = readdirSync(join(__dirname, '..', '..', 'rules'))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(ALL_RULES.map((r) => r.id).sort()).toEqual(files);
  });

  test('every rule has a compliant and a non-compliant test, and each case names a real rule', () => {
    const unknown = CASES.filter((c) => !byId.has(c.rule)).map((c) => c.rule);
    expect(unknown).toEqual([]);
    const missing = ALL_RULES.flatMap((r) =>
      (['compliant', 'non-compliant'] as const).filter((kind) => !CASES.some((c) => c.rule === r.id && c.expect === kind)).map((kind) => `${r.id}: no ${kind} case`),
    );
    expect(missing).toEqual([]);
    const paired = ALL_RULES.filter((r) => CASES.some((c) => c.rule === r.id && c.expect === 'compliant') && CASES.some((c) => c.rule === r.id && c.expect === 'non-compliant'));
    process.stdout.write(`rules: ${ALL_RULES.length}, with paired compliant + non-compliant tests: ${paired.length}/${ALL_RULES.length} (${CASES.length} rule cases)\n`);
  });

  test('every rule has a one-sentence requirement and a level', () => {
    for (const r of ALL_RULES) {
      expect(r.requirement).toMatch(/^[A-Z`].*\.$/);
      expect(r.requirement).not.toMatch(/\n/);
      expect(r.resourceTypes.length).toBeGreaterThan(0);
    }
  });
});
