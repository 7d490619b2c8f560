import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { web, dev, policy, prod, resource, resources, synth, variant, type TerraformJson } from '../helpers/stacks';

const devOut = synth(dev);
const prodOut = synth(prod);

describe('each stack is fenced to its account', () => {
  test.each([
    ['dev', devOut, dev],
    ['prod', prodOut, prod],
  ] as const)('%s: provider assumes the environment role, allows only its account, tags everything', (_n, out, env) => {
    const provider = out.tf.provider.aws[0];
    expect(provider.allowed_account_ids).toEqual([env.accountId]);
    expect(provider.assume_role).toEqual([{ role_arn: env.terraformRoleArn, session_name: `terraform-${env.name}` }]);
    expect(provider.region).toBe(env.region);
    expect(provider.default_tags).toEqual([{ tags: expect.objectContaining({ Environment: env.name, ManagedBy: 'terraform' }) }]);
  });

  test('state lives in S3, encrypted, locked, with a distinct key per environment', () => {
    const devState = devOut.tf.terraform.backend!.s3;
    const prodState = prodOut.tf.terraform.backend!.s3;
    expect(devState).toEqual({ bucket: dev.state.bucket, key: 'webapp/dev/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true });
    expect(prodState).toMatchObject({ key: 'webapp/prod/terraform.tfstate', encrypt: true, use_lockfile: true });
    expect(devState.key).not.toBe(prodState.key);
  });

  test('the only data source is the partition, which the provider answers from its own configuration: plans are deterministic and run offline', () => {
    expect(devOut.tf.data).toEqual({ aws_partition: { partition: {} } });
    expect(prodOut.tf.data).toEqual({ aws_partition: { partition: {} } });
  });

  test('the offline target drops assume-role and the account fence, and keeps state local', () => {
    const offline = synth(dev, 'offline').tf;
    expect(offline.provider.aws[0]).toMatchObject({ skip_credentials_validation: true, skip_requesting_account_id: true });
    expect(offline.provider.aws[0].assume_role).toBeUndefined();
    expect(offline.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  test('the emulator target keeps assume-role and the account fence but leaves out auto scaling', () => {
    const emulator = synth(dev, 'emulator').tf;
    expect(emulator.provider.aws[0].allowed_account_ids).toEqual([dev.accountId]);
    expect(emulator.resource.aws_appautoscaling_target).toBeUndefined();
  });
});

describe('coexistence contract (snake_case, exactly as Terraform reads it)', () => {
  test('the task definition ignores container_definitions and is replaced when the spec without image changes', () => {
    const task = resource(devOut.tf, 'aws_ecs_task_definition', 'services/web/task-definition/task');
    const specId = Object.keys(resources(devOut.tf, 'terraform_data')).find((id) => id.startsWith('services_web_task-definition_container-spec_'));
    const sidecarsId = Object.keys(resources(devOut.tf, 'terraform_data')).find((id) => id.startsWith('services_web_task-definition_sidecar-spec_'));
    expect(task.lifecycle).toEqual({ ignore_changes: ['container_definitions'], replace_triggered_by: [`terraform_data.${specId}`, `terraform_data.${sidecarsId}`] });
    expect(task.skip_destroy).toBe(true);
  });

  test('the image comes from the release pointer, which Terraform seeds and then ignores', () => {
    const task = resource(devOut.tf, 'aws_ecs_task_definition', 'services/web/task-definition/task');
    const pointer = resource(devOut.tf, 'aws_ssm_parameter', 'services/web/task-definition/release-image');
    const pointerId = Object.entries(resources(devOut.tf, 'aws_ssm_parameter')).find(([, r]) => r === pointer)![0];
    expect(task.container_definitions).toContain(`"image" = aws_ssm_parameter.${pointerId}.insecure_value`);
    expect(pointer).toMatchObject({ name: '/webapp/dev/web/release-image', insecure_value: web(dev).bootstrapImage, lifecycle: { ignore_changes: ['insecure_value'] } });
  });

  test('the container spec tracked for replacement holds everything but the image', () => {
    const spec = resource(devOut.tf, 'terraform_data', 'services/web/task-definition/container-spec').input as Record<string, unknown>;
    expect(spec).not.toHaveProperty('image');
    expect(spec).toMatchObject({
      name: 'app',
      environment: [{ name: 'APP_ENV', value: 'dev' }, { name: 'LOG_LEVEL', value: 'debug' }],
      secrets: [{ name: 'DATABASE_URL', valueFrom: web(dev).secrets.DATABASE_URL }],
      versionConsistency: 'enabled',
      portMappings: [expect.objectContaining({ containerPort: 8080 })],
    });
  });

  test('the service ignores task_definition, desired_count when auto scaling is attached, and load_balancer behind a load balancer (moved with the revision)', () => {
    expect(resource(devOut.tf, 'aws_ecs_service', 'services/web/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] });
    expect(resource(devOut.tf, 'aws_ecs_service', 'services/worker/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'desired_count'] });
    const fixed = synth(variant(dev, { services: { web: { autoScaling: undefined } } })).tf;
    expect(resource(fixed, 'aws_ecs_service', 'services/web/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'load_balancer'] });
    expect(Object.values(fixed.resource.aws_appautoscaling_target).map((t) => t.resource_id)).toEqual(['service/webapp-dev/worker']);
  });

  test('the descriptor tells the release CLI which revision Terraform tracks', () => {
    const d = JSON.parse(resource(devOut.tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value as string);
    expect(d).toMatchObject({ schemaVersion: 1, environment: 'dev', accountId: dev.accountId, cluster: 'webapp-dev', service: 'web', container: 'app', family: 'webapp-dev-web' });
    expect(d.taskDefinitionArn).toMatch(/^\$\{aws_ecs_task_definition\.[\w-]+\.arn\}$/);
  });
});

describe('network', () => {
  test('one public and one private subnet per AZ, no public IPs on launch', () => {
    const subnets = Object.values(resources(prodOut.tf, 'aws_subnet'));
    expect(subnets).toHaveLength(6);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    expect(subnets.map((s) => s.availability_zone).sort()).toEqual(['eu-west-1a', 'eu-west-1a', 'eu-west-1b', 'eu-west-1b', 'eu-west-1c', 'eu-west-1c']);
  });

  test.each([
    ['none', 0, 0],
    ['single', 1, 2],
    ['one-per-az', 2, 2],
  ] as const)('natGateways=%s creates %i NAT gateways and %i private default routes', (mode, nats, routes) => {
    const tf = synth(variant(dev, { network: { natGateways: mode } })).tf;
    expect(Object.keys(resources(tf, 'aws_nat_gateway'))).toHaveLength(nats);
    const privateRoutes = Object.values(resources(tf, 'aws_route')).filter((r) => r.nat_gateway_id);
    expect(privateRoutes).toHaveLength(routes);
  });

  test('interface endpoints in private subnets behind an HTTPS-from-VPC group, S3 as a gateway endpoint', () => {
    const endpoints = Object.values(resources(devOut.tf, 'aws_vpc_endpoint'));
    expect(endpoints.map((e) => e.service_name).sort()).toEqual(
      ['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'ssm', 'ssmmessages'].map((s) => `com.amazonaws.eu-west-1.${s}`),
    );
    const s3 = endpoints.find((e) => (e.service_name as string).endsWith('.s3'))!;
    expect(s3.vpc_endpoint_type).toBe('Gateway');
    expect(endpoints.filter((e) => e.vpc_endpoint_type === 'Interface').every((e) => e.private_dns_enabled === true)).toBe(true);
    const ingress = resource(devOut.tf, 'aws_vpc_security_group_ingress_rule', 'network/endpoints-https-in');
    expect(ingress).toMatchObject({ from_port: 443, to_port: 443, cidr_ipv4: dev.network.vpcCidr });
  });

  test('the default security group is emptied', () => {
    const sg = resource(devOut.tf, 'aws_default_security_group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });
});

describe('container registry', () => {
  test('immutable tags, scan on push, KMS, lifecycle policy', () => {
    expect(devOut.json).toHaveResourceWithProperties(EcrRepository, {
      name: 'webapp',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS' }],
    });
    const rules = JSON.parse(resource(devOut.tf, 'aws_ecr_lifecycle_policy').policy as string).rules;
    expect(rules[1].selection).toEqual({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 });
  });

  test('dev replicates to prod, prod accepts replication from dev only: prod runs dev-tested digests', () => {
    const replication = resource(devOut.tf, 'aws_ecr_replication_configuration').replication_configuration as { rule: { destination: unknown[] }[] };
    expect(replication.rule[0].destination).toEqual([{ region: 'eu-west-1', registry_id: prod.accountId }]);
    const accept = policy(resource(prodOut.tf, 'aws_ecr_registry_policy').policy);
    expect(accept.Statement).toEqual([
      {
        Sid: 'AcceptReplicationFromSourceAccount',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${dev.accountId}:root` },
        Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
        Resource: `arn:aws:ecr:eu-west-1:${prod.accountId}:repository/webapp`,
      },
    ]);
    expect(prodOut.tf.resource.aws_ecr_replication_configuration).toBeUndefined();
  });
});

describe('cluster and load balancer', () => {
  test('Container Insights is on', () => {
    expect(resource(devOut.tf, 'aws_ecs_cluster').setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
  });

  test('prod: HTTPS with a current TLS policy, HTTP only redirects, invalid headers dropped, deletion protection', () => {
    const alb = resource(prodOut.tf, 'aws_lb');
    expect(alb).toMatchObject({ internal: false, drop_invalid_header_fields: true, enable_deletion_protection: true });
    const https = resource(prodOut.tf, 'aws_lb_listener', 'load-balancer/production');
    expect(https).toMatchObject({ port: 443, protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', certificate_arn: prod.loadBalancer.certificateArn });
    const redirect = resource(prodOut.tf, 'aws_lb_listener', 'load-balancer/http-redirect');
    expect(redirect.default_action).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }]);
  });

  test('dev without a certificate serves plain HTTP on 80 only', () => {
    const listeners = Object.values(resources(devOut.tf, 'aws_lb_listener'));
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({ port: 80, protocol: 'HTTP' });
  });

  test('the ALB sits in the public subnets; tasks in the private ones without public IPs', () => {
    const alb = resource(devOut.tf, 'aws_lb');
    expect(alb.subnets).toEqual([expect.stringMatching(/aws_subnet\.network_public-0/), expect.stringMatching(/aws_subnet\.network_public-1/)]);
    const svc = resource(devOut.tf, 'aws_ecs_service', 'services/web/service');
    expect(svc.network_configuration).toEqual({
      assign_public_ip: false,
      security_groups: [expect.stringMatching(/aws_security_group\.services_web_sg/)],
      subnets: [expect.stringMatching(/aws_subnet\.network_private-0/), expect.stringMatching(/aws_subnet\.network_private-1/)],
    });
  });

  test('tasks are reachable from the ALB security group only, on the container port', () => {
    const ingress = Object.values(resources(devOut.tf, 'aws_vpc_security_group_ingress_rule')).filter((r) => String(r.security_group_id).includes('services_web_sg'));
    expect(ingress).toEqual([expect.objectContaining({ from_port: 8080, to_port: 8080, referenced_security_group_id: expect.stringContaining('load-balancer_sg') })]);
    expect(ingress[0].cidr_ipv4).toBeUndefined();
  });
});

describe('service', () => {
  test('rolling deployment with circuit breaker rollback and the configured bounds', () => {
    expect(resource(devOut.tf, 'aws_ecs_service', 'services/web/service')).toMatchObject({
      launch_type: 'FARGATE',
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 20,
      enable_execute_command: true,
      wait_for_steady_state: false,
    });
    expect(resource(prodOut.tf, 'aws_ecs_service', 'services/web/service').enable_execute_command).toBe(false);
  });

  test('target group health checks and deregistration delay are tuned for fast rollouts', () => {
    expect(resource(devOut.tf, 'aws_lb_target_group', 'services/web/routing/tg')).toMatchObject({
      target_type: 'ip',
      deregistration_delay: '15',
      health_check: { path: '/health', interval: 10, healthy_threshold: 2, timeout: 5, unhealthy_threshold: 3 },
    });
  });

  test('Fargate task definition with the configured size', () => {
    expect(resource(prodOut.tf, 'aws_ecs_task_definition', 'services/web/task-definition/task')).toMatchObject({
      family: 'webapp-prod-web',
      cpu: '512',
      memory: '1024',
      network_mode: 'awsvpc',
      requires_compatibilities: ['FARGATE'],
    });
  });

  test('log group with the environment retention', () => {
    expect(resource(prodOut.tf, 'aws_cloudwatch_log_group', 'services/web/task-definition/logs')).toMatchObject({ name: '/ecs/webapp-prod/web', retention_in_days: 365 });
  });

  test('target tracking on CPU within the configured bounds', () => {
    expect(resource(prodOut.tf, 'aws_appautoscaling_target', 'services/web/scaling/scaling-target')).toMatchObject({ min_capacity: 3, max_capacity: 12, resource_id: 'service/webapp-prod/web' });
    expect(resource(prodOut.tf, 'aws_appautoscaling_policy', 'services/web/scaling/scaling-cpu')).toMatchObject({
      policy_type: 'TargetTrackingScaling',
      target_tracking_scaling_policy_configuration: { target_value: 60, predefined_metric_specification: { predefined_metric_type: 'ECSServiceAverageCPUUtilization' } },
    });
  });

  test('execution role: pull from this repository, write to this log group, read exactly the referenced secrets', () => {
    const doc = policy(resource(devOut.tf, 'aws_iam_role_policy', 'services/web/task-definition/execution-role/policy').policy);
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['EcrAuthToken', 'PullImages', 'WriteLogs', 'ReadSsmSecrets']);
    expect(doc.Statement[1].Resource).toMatch(/aws_ecr_repository\.registry_repository_\w+\.arn/);
    expect(doc.Statement[2].Resource).toBe('arn:${data.aws_partition.partition.partition}:logs:eu-west-1:111111111111:log-group:/ecs/webapp-dev/web:*');
    expect(doc.Statement[3]).toEqual({ Sid: 'ReadSsmSecrets', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [web(dev).secrets.DATABASE_URL] });
  });

  test('task role: ECS Exec channels only where Exec is enabled', () => {
    const devTask = policy(resource(devOut.tf, 'aws_iam_role_policy', 'services/web/task-definition/task-role/policy').policy);
    expect(devTask.Statement.map((s) => s.Sid)).toEqual(['EcsExecChannels']);
    expect(Object.values(resources(prodOut.tf, 'aws_iam_role_policy')).some((p) => JSON.stringify(p).includes('task-role/policy'))).toBe(false);
  });

  test('secrets encrypted with a customer key add kms:Decrypt on exactly that key', () => {
    const key = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
    const tf = synth(variant(dev, { services: { web: { secretsKmsKeyArns: [key] } } })).tf;
    const doc = policy(resource(tf, 'aws_iam_role_policy', 'services/web/task-definition/execution-role/policy').policy);
    expect(doc.Statement.find((s) => s.Sid === 'DecryptSecrets')).toEqual({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key] });
  });
});

describe('CI access', () => {
  const trust = (tf: typeof devOut.tf, role: string) => policy(resource(tf, 'aws_iam_role', `ci/${role}/role`).assume_role_policy).Statement[0];

  test('GitHub OIDC provider for sts.amazonaws.com', () => {
    expect(resource(devOut.tf, 'aws_iam_openid_connect_provider')).toMatchObject({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
  });

  const infraWorkflow = (file: string, ref = 'refs/heads/main') => `job_workflow_ref:example-org/webapp-infra/.github/workflows/${file}@${ref}`;
  test.each([
    ['plan', 'StringLike', [`repo:example-org/webapp-infra:pull_request:${infraWorkflow('plan.yml', 'refs/pull/*/merge')}`]],
    ['apply', 'StringEquals', [`repo:example-org/webapp-infra:environment:prod:${infraWorkflow('_apply.yml')}`]],
    ['deploy', 'StringEquals', [`repo:example-org/webapp:environment:prod:ref:refs/heads/main:${infraWorkflow('deploy.yml')}`]],
    ['approve', 'StringEquals', [`repo:example-org/webapp:environment:prod-approve:ref:refs/heads/main:${infraWorkflow('deploy.yml')}`]],
  ])('%s role trusts only %s %j through OIDC (repository, context, workflow file and ref)', (role, operator, subjects) => {
    const t = trust(prodOut.tf, role);
    expect(t.Action).toBe('sts:AssumeRoleWithWebIdentity');
    const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };
    const sub = { 'token.actions.githubusercontent.com:sub': subjects };
    expect(t.Condition).toEqual(operator === 'StringLike' ? { StringEquals: aud, StringLike: sub } : { StringEquals: { ...aud, ...sub } });
  });

  test('only the apply role carries an AWS managed policy (PowerUserAccess); the plan role has none (no ReadOnlyAccess)', () => {
    const attachments = Object.values(resources(devOut.tf, 'aws_iam_role_policy_attachment')).map((a) => a.policy_arn);
    expect(attachments.sort()).toEqual(['arn:aws:iam::aws:policy/PowerUserAccess']);
  });

  test('dev (rolling) has no approval role; prod (blue/green) has one', () => {
    expect(Object.keys(resources(devOut.tf, 'aws_iam_role')).filter((id) => id.startsWith('ci_approve'))).toEqual([]);
    expect(Object.keys(resources(prodOut.tf, 'aws_iam_role')).filter((id) => id.startsWith('ci_approve'))).toHaveLength(1);
  });

  test.each([
    ['dev', devOut],
    ['prod', prodOut],
  ] as const)('%s: every role but the CI roles carries the workload permissions boundary', (_n, out) => {
    const boundary = `arn:aws:iam::${(out.tf.provider.aws[0].allowed_account_ids as string[])[0]}:policy/webapp-${_n}-workload-boundary`;
    const roles = Object.entries(resources(out.tf, 'aws_iam_role'));
    expect(roles.filter(([id]) => !id.startsWith('ci_')).map(([id, r]) => [id, r.permissions_boundary])).toEqual(roles.filter(([id]) => !id.startsWith('ci_')).map(([id]) => [id, boundary]));
    expect(roles.filter(([id]) => !id.startsWith('ci_')).length).toBeGreaterThanOrEqual(3);
    expect(resource(out.tf, 'aws_iam_policy', 'ci/boundary/policy').name).toBe(`webapp-${_n}-workload-boundary`);
  });

  test.each([
    ['dev', devOut],
    ['prod', prodOut],
  ] as const)('%s: the apply role can pass every role the stack hands to an AWS service, to that service', (_n, out) => {
    // GIVEN every attribute of the stack that hands one of its roles to a service (task definitions, flow logs,
    // CodeDeploy, ...), found by walking the synthesized resources rather than from a list of modules
    const passed = rolesPassedToServices(out.tf);
    expect(passed.unknown).toEqual([]);
    expect(passed.handed.length).toBeGreaterThan(0);
    const apply = policy(resource(out.tf, 'aws_iam_role_policy', 'ci/apply/policy').policy).Statement;
    // WHEN IAM evaluates iam:PassRole of that role to that service for the apply role / THEN it is allowed
    const refused = passed.handed.filter((h) => !allows(apply, 'iam:PassRole', h.roleArn, { 'iam:PassedToService': h.service }));
    expect(refused).toEqual([]);
  });

  test('prod hands its CodeDeploy service role to CodeDeploy, and the apply role may do so', () => {
    // The finding of the review: creating the deployment group passes the role; PassRole must allow codedeploy.
    const passed = rolesPassedToServices(prodOut.tf).handed;
    expect(passed).toContainEqual({ at: expect.stringMatching(/^aws_codedeploy_deployment_group\..*\.service_role_arn$/), roleArn: 'arn:aws:iam::222222222222:role/webapp-prod-web-codedeploy', service: 'codedeploy.amazonaws.com' });
  });

  test('the apply role policy, statement by statement: bounded project roles yes, the CI roles and the boundary never', () => {
    const doc = policy(resource(prodOut.tf, 'aws_iam_role_policy', 'ci/apply/policy').policy);
    const state = 'arn:aws:s3:::webapp-terraform-state-222222222222';
    const projectRoles = 'arn:aws:iam::222222222222:role/webapp-prod-*';
    const boundary = 'arn:aws:iam::222222222222:policy/webapp-prod-workload-boundary';
    const ciRoles = [...['plan', 'apply', 'deploy', 'approve'].map((r) => `arn:aws:iam::222222222222:role/webapp-prod-ci-${r}`), 'arn:aws:iam::222222222222:role/webapp-prod-operator'];
    const roleWrites = ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole'];
    const boundedWrites = ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'];
    const role = (name: string) => `arn:aws:iam::222222222222:role/webapp-prod-${name}`;
    expect(doc.Statement).toEqual([
      { Sid: 'ListStateBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: state },
      { Sid: 'WriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${state}/webapp/prod/terraform.tfstate` },
      { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${state}/webapp/prod/terraform.tfstate.tflock` },
      {
        Sid: 'ManageProjectRoles',
        Effect: 'Allow',
        Action: [
          'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:ListRoleTags',
          'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole',
        ],
        Resource: projectRoles,
      },
      { Sid: 'WriteOnlyBoundedProjectRoles', Effect: 'Allow', Action: boundedWrites, Resource: projectRoles, Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary } } },
      {
        Sid: 'PassWorkloadRolesToTheirServices',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [
          role('web-codedeploy'),
          ...['nightly', 'web', 'worker'].flatMap((s) => [role(`${s}-execution`), role(`${s}-task`)]),
          role('nightly-scheduler'),
          role('vpc-flow-logs'),
        ],
        Condition: { StringEquals: { 'iam:PassedToService': ['codedeploy.amazonaws.com', 'ecs-tasks.amazonaws.com', 'scheduler.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] } },
      },
      {
        Sid: 'NeverChangeTheCiRoles',
        Effect: 'Deny',
        Action: [...roleWrites, ...boundedWrites, 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRolePermissionsBoundary', 'iam:UpdateRoleDescription', 'iam:PassRole'],
        Resource: ciRoles,
      },
      { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
      { Sid: 'NeverAnUnboundedRole', Effect: 'Deny', Action: [...boundedWrites, 'iam:AttachRolePolicy'], Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } } },
      {
        Sid: 'NeverChangeTheBoundary',
        Effect: 'Deny',
        Action: ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
        Resource: boundary,
      },
      { Sid: 'NeverAssumeRoles', Effect: 'Deny', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'], Resource: '*' },
      expect.objectContaining({ Sid: 'ManageGithubOidcProvider', Effect: 'Allow', Resource: 'arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com' }),
      { Sid: 'ReadTheBoundary', Effect: 'Allow', Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags'], Resource: boundary },
      expect.objectContaining({ Sid: 'ServiceLinkedRolesOfUsedServices', Effect: 'Allow', Resource: 'arn:aws:iam::222222222222:role/aws-service-role/*' }),
    ]);
    // The escalation paths themselves are replayed step by step in __tests__/unit/ci-escalation.test.ts.
  });

  test('deploy role passes exactly the roles of the services it deploys, only to ECS tasks', () => {
    const doc = policy(resource(devOut.tf, 'aws_iam_role_policy', 'ci/deploy/policy').policy);
    const pass = doc.Statement.find((s) => s.Sid === 'PassOnlyThisServicesRoles')!;
    expect(pass.Action).toEqual(['iam:PassRole']);
    expect(pass.Resource).toEqual(['web', 'worker', 'nightly'].flatMap((s) => [expect.stringMatching(new RegExp(`services_${s}_task-definition_execution-role_\\w+\\.arn`)), expect.stringMatching(new RegExp(`services_${s}_task-definition_task-role_\\w+\\.arn`))]));
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });
});

/** Attributes through which a resource hands a role to an AWS service, and the service (iam:PassedToService) receiving it. */
const ROLE_PASSING_ATTRIBUTES: Record<string, string> = {
  'aws_ecs_task_definition.execution_role_arn': 'ecs-tasks.amazonaws.com',
  'aws_ecs_task_definition.task_role_arn': 'ecs-tasks.amazonaws.com',
  'aws_flow_log.iam_role_arn': 'vpc-flow-logs.amazonaws.com',
  'aws_codedeploy_deployment_group.service_role_arn': 'codedeploy.amazonaws.com',
  'aws_appautoscaling_target.role_arn': 'application-autoscaling.amazonaws.com',
  'aws_ecs_service.iam_role': 'ecs.amazonaws.com',
  'aws_scheduler_schedule.role_arn': 'scheduler.amazonaws.com',
};

/**
 * Every place a non-IAM resource refers to a role's ARN (at any depth), with the role's ARN and the service it goes to;
 * `unknown` lists attributes that pass a role but are not in ROLE_PASSING_ATTRIBUTES (add them with their service).
 */
function rolesPassedToServices(tf: TerraformJson): { handed: { at: string; roleArn: string; service: string }[]; unknown: string[] } {
  const roles = resources(tf, 'aws_iam_role');
  const account = (tf.provider.aws[0].allowed_account_ids as string[])[0];
  const handed: { at: string; roleArn: string; service: string }[] = [];
  const unknown: string[] = [];
  const walk = (type: string, id: string, key: string, value: unknown): void => {
    if (Array.isArray(value)) return value.forEach((v) => walk(type, id, key, v));
    if (value && typeof value === 'object') return Object.entries(value).forEach(([k, v]) => walk(type, id, k, v));
    if (typeof value !== 'string') return;
    for (const m of value.matchAll(/\$\{aws_iam_role\.([\w-]+)\.arn\}/g)) {
      const service = ROLE_PASSING_ATTRIBUTES[`${type}.${key}`];
      if (!service) unknown.push(`${type}.${id}.${key}`);
      else handed.push({ at: `${type}.${id}.${key}`, roleArn: `arn:aws:iam::${account}:role/${roles[m[1]].name as string}`, service });
    }
  };
  for (const [type, byId] of Object.entries(tf.resource)) {
    if (type.startsWith('aws_iam_')) continue; // policies name roles as resources; they pass nothing
    for (const [id, r] of Object.entries(byId)) walk(type, id, '', r);
  }
  return { handed, unknown };
}

const wildcard = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i').test(value);
const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/**
 * IAM's answer for one action on one resource under an identity policy: an explicit Deny wins, else any matching
 * Allow. `context` is checked against StringEquals conditions when given; other conditions are taken as met.
 */
function allows(statements: ReturnType<typeof policy>['Statement'], action: string, resourceArn: string, context?: Record<string, string>): boolean {
  const matching = statements.filter((s) => asList(s.Action).some((a) => wildcard(a, action)) && asList(s.Resource).some((r) => wildcard(r, resourceArn)));
  const conditionMet = (s: (typeof statements)[number]) =>
    !context || Object.entries(s.Condition?.StringEquals ?? {}).every(([k, v]) => !(k in context) || asList(v as string | string[]).includes(context[k]));
  if (matching.some((s) => s.Effect === 'Deny' && conditionMet(s))) return false;
  return matching.some((s) => s.Effect === 'Allow' && conditionMet(s));
}
