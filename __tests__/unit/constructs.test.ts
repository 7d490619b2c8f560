/**
 * Each module on its own, in a bare stack (no EnvironmentStack, no policy checks), asserted with cdktf's Testing
 * matchers on the synthesized JSON: what Terraform reads, snake_case names included.
 */
import { Testing } from 'cdktf';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { EcrReplicationConfiguration } from '@cdktf/provider-aws/lib/ecr-replication-configuration';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcsCluster as EcsClusterResource } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { resourceNames, serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { BlueGreenDeployment } from '../../modules/blue-green';
import { CiAccess } from '../../modules/ci-access';
import { EcsCluster } from '../../modules/cluster';
import { Role } from '../../modules/iam';
import { CODEDEPLOY_OWNED_LISTENER_PATHS, LoadBalancer } from '../../modules/load-balancer';
import { LogEncryptionKey } from '../../modules/log-key';
import { Network, type NetworkProps } from '../../modules/network';
import { ContainerRegistry } from '../../modules/registry';
import { AppService } from '../../modules/app-service';
import { listenerRulePriority } from '../../environments/schema/routing';
import { dev, prod, variant, web } from '../helpers/stacks';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-4000-8000-000000000000`;

const networkProps: NetworkProps = {
  name: 'app-test',
  region: REGION,
  vpcCidr: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  publicSubnetCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
  privateSubnetCidrs: ['10.0.16.0/20', '10.0.32.0/20'],
};

/** The synthesized JSON as an object, for counting and for references between resources. */
const parsed = (json: string) => JSON.parse(json) as { resource: Record<string, Record<string, Record<string, unknown>>> };
const all = (json: string, type: { tfResourceType: string }) => Object.values(parsed(json).resource[type.tfResourceType] ?? {});
const doc = (text: unknown) => JSON.parse(text as string) as { Statement: Record<string, unknown>[] };

/** Everything an AppService needs, built from an environment configuration the way EnvironmentStack does (web service). */
function serviceIn(scope: Construct, env: EnvironmentConfig, options: { createAutoScaling?: boolean } = {}) {
  const names = resourceNames(env);
  const network = new Network(scope, 'network', { name: names.prefix, region: env.region, ...env.network });
  const registry = new ContainerRegistry(scope, 'registry', { accountId: env.accountId, region: env.region, ...env.registry });
  const cluster = new EcsCluster(scope, 'cluster', { name: names.cluster });
  const blueGreen = web(env).deployment.strategy === 'blue-green';
  const loadBalancer = new LoadBalancer(scope, 'load-balancer', {
    name: names.loadBalancer,
    network,
    ...env.loadBalancer,
    testListener: blueGreen ? { port: env.loadBalancer.testListenerPort, allowedCidrs: env.loadBalancer.allowedTestCidrs } : undefined,
  });
  const config = web(env);
  const service = new AppService(new Construct(scope, 'services'), 'web', {
    environment: env.name,
    accountId: env.accountId,
    region: env.region,
    partition: 'aws',
    names: serviceNames(env, 'web'),
    config,
    listenerRulePriority: config.deployment.strategy === 'rolling' ? listenerRulePriority('web', config.routing) : undefined,
    cluster,
    network,
    loadBalancer,
    registry,
    logRetentionDays: env.logRetentionDays,
    createAutoScaling: options.createAutoScaling,
  });
  return { names, network, registry, cluster, loadBalancer, service };
}

describe('Network', () => {
  test('GIVEN two zones and one NAT WHEN synthesized THEN a VPC with public and private subnets per zone, private ones routed through the NAT', () => {
    const json = Testing.synthScope((s) => new Network(s, 'net', { ...networkProps, natGateways: 'single' }));
    expect(json).toHaveResourceWithProperties(Vpc, { cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true });
    expect(json).toHaveResourceWithProperties(Subnet, { cidr_block: '10.0.16.0/20', availability_zone: 'eu-west-1a', map_public_ip_on_launch: false, tags: { Name: 'app-test-private-eu-west-1a', Tier: 'private' } });
    expect(json).toHaveResourceWithProperties(Subnet, { cidr_block: '10.0.0.0/24', map_public_ip_on_launch: false, tags: expect.objectContaining({ Tier: 'public' }) });
    expect(all(json, Subnet)).toHaveLength(4);
    expect(all(json, NatGateway)).toHaveLength(1);
  });

  test('GIVEN no settings for them WHEN synthesized THEN the default security group is emptied and no endpoint or flow log exists', () => {
    const json = Testing.synthScope((s) => new Network(s, 'net', networkProps));
    expect(json).toHaveResource(DefaultSecurityGroup);
    expect(all(json, DefaultSecurityGroup)[0]).not.toHaveProperty('ingress');
    expect(json).not.toHaveResource(VpcEndpoint);
    expect(json).not.toHaveResource(FlowLog);
  });

  test('GIVEN natGateways none and endpoints WHEN synthesized THEN no NAT, S3 as a gateway endpoint, the rest as interface endpoints reachable from the VPC on 443', () => {
    const json = Testing.synthScope((s) => new Network(s, 'net', { ...networkProps, natGateways: 'none', vpcEndpoints: ['ecr.api', 'ecr.dkr', 's3', 'logs'] }));
    expect(json).not.toHaveResource(NatGateway);
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { service_name: 'com.amazonaws.eu-west-1.s3', vpc_endpoint_type: 'Gateway' });
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { service_name: 'com.amazonaws.eu-west-1.ecr.api', vpc_endpoint_type: 'Interface', private_dns_enabled: true });
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { from_port: 443, to_port: 443, ip_protocol: 'tcp', cidr_ipv4: '10.0.0.0/16' });
  });

  test('GIVEN flow logs WHEN synthesized THEN all traffic goes to a log group with retention, through a role trusted by this account\'s flow logs only', () => {
    const json = Testing.synthScope((s) => new Network(s, 'net', { ...networkProps, flowLogs: { accountId: ACCOUNT, retentionDays: 14 } }));
    expect(json).toHaveResourceWithProperties(FlowLog, { traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/vpc/app-test/flow-logs', retention_in_days: 14 });
    const role = all(json, IamRole)[0];
    expect(doc(role.assume_role_policy).Statement[0]).toMatchObject({
      Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
  });
});

describe('ContainerRegistry', () => {
  const props = { repositoryName: 'webapp', accountId: ACCOUNT, region: REGION };

  test('GIVEN defaults WHEN synthesized THEN tags are immutable, images scanned on push and KMS-encrypted, old images expire, nothing replicates', () => {
    const json = Testing.synthScope((s) => new ContainerRegistry(s, 'reg', props));
    expect(json).toHaveResourceWithProperties(EcrRepository, {
      name: 'webapp',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS' }],
      force_delete: false,
    });
    expect(json).toHaveResource(EcrLifecyclePolicy);
    expect(JSON.parse(all(json, EcrLifecyclePolicy)[0].policy as string).rules[1].selection).toEqual({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 });
    expect(json).not.toHaveResource(EcrReplicationConfiguration);
    expect(json).not.toHaveResource(EcrRegistryPolicy);
  });

  test('GIVEN replication to another account WHEN synthesized THEN every push of this repository is replicated there', () => {
    const json = Testing.synthScope((s) => new ContainerRegistry(s, 'reg', { ...props, replicateTo: [{ accountId: '222222222222', region: REGION }] }));
    expect(json).toHaveResourceWithProperties(EcrReplicationConfiguration, {
      replication_configuration: { rule: [{ destination: [{ region: REGION, registry_id: '222222222222' }], repository_filter: [{ filter: 'webapp', filter_type: 'PREFIX_MATCH' }] }] },
    });
  });

  test('GIVEN a source account WHEN synthesized THEN the registry policy accepts replication from that account only', () => {
    const json = Testing.synthScope((s) => new ContainerRegistry(s, 'reg', { ...props, accountId: '222222222222', acceptReplicationFrom: ACCOUNT }));
    expect(json).toHaveResource(EcrRegistryPolicy);
    expect(doc(all(json, EcrRegistryPolicy)[0].policy).Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'] }),
    ]);
  });
});

describe('EcsCluster', () => {
  test('GIVEN defaults WHEN synthesized THEN Container Insights is on (AWS default: off)', () => {
    const json = Testing.synthScope((s) => new EcsCluster(s, 'cluster', { name: 'webapp-dev' }));
    expect(json).toHaveResourceWithProperties(EcsClusterResource, { name: 'webapp-dev', setting: [{ name: 'containerInsights', value: 'enabled' }] });
  });

  test('GIVEN enhanced insights WHEN synthesized THEN the setting says so', () => {
    const json = Testing.synthScope((s) => new EcsCluster(s, 'cluster', { name: 'c', containerInsights: 'enhanced' }));
    expect(json).toHaveResourceWithProperties(EcsClusterResource, { setting: [{ name: 'containerInsights', value: 'enhanced' }] });
  });
});

describe('LoadBalancer', () => {
  const lbIn = (s: Construct, extra: Partial<ConstructorParameters<typeof LoadBalancer>[2]> = {}) =>
    new LoadBalancer(s, 'lb', { name: 'webapp-dev', network: new Network(s, 'net', networkProps), ...extra });

  test('GIVEN no certificate WHEN synthesized THEN a public ALB dropping invalid headers, deletion-protected, answering 404 on plain HTTP 80', () => {
    const json = Testing.synthScope((s) => lbIn(s));
    expect(json).toHaveResourceWithProperties(Lb, {
      name: 'webapp-dev',
      load_balancer_type: 'application',
      internal: false,
      drop_invalid_header_fields: true,
      enable_deletion_protection: true,
      desync_mitigation_mode: 'strictest',
    });
    expect(all(json, LbListener)).toEqual([
      expect.objectContaining({ port: 80, protocol: 'HTTP', default_action: [expect.objectContaining({ type: 'fixed-response', fixed_response: expect.objectContaining({ status_code: '404' }) })] }),
    ]);
  });

  test('GIVEN a certificate WHEN synthesized THEN HTTPS on 443 with a TLS 1.2+ policy, and HTTP on 80 only redirects', () => {
    const json = Testing.synthScope((s) => lbIn(s, { certificateArn: CERT }));
    expect(json).toHaveResourceWithProperties(LbListener, { port: 443, protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', certificate_arn: CERT });
    expect(json).toHaveResourceWithProperties(LbListener, { port: 80, protocol: 'HTTP', default_action: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }] });
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { from_port: 443, to_port: 443, cidr_ipv4: '0.0.0.0/0' });
  });

  test('GIVEN a test listener WHEN synthesized THEN its port admits the allowed testers only', () => {
    const json = Testing.synthScope((s) => lbIn(s, { certificateArn: CERT, testListener: { port: 8443, allowedCidrs: ['203.0.113.0/24'] } }));
    expect(json).toHaveResourceWithProperties(LbListener, { port: 8443, protocol: 'HTTPS' });
    const testIngress = all(json, VpcSecurityGroupIngressRule).filter((r) => r.from_port === 8443);
    expect(testIngress).toEqual([expect.objectContaining({ cidr_ipv4: '203.0.113.0/24', to_port: 8443 })]);
  });
});

describe('LogEncryptionKey', () => {
  test('GIVEN defaults WHEN synthesized THEN a rotating key with a 30-day deletion window and its alias', () => {
    const json = Testing.synthScope((s) => new LogEncryptionKey(s, 'key', { name: 'webapp-dev', accountId: ACCOUNT, region: REGION }));
    expect(json).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(json).toHaveResourceWithProperties(KmsAlias, { name: 'alias/webapp-dev-logs' });
    expect(doc(all(json, KmsKey)[0].policy).Statement[1]).toMatchObject({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } });
  });

  test('GIVEN a deletion window AWS refuses WHEN constructed THEN it throws naming received and allowed', () => {
    expect(() => Testing.synthScope((s) => new LogEncryptionKey(s, 'key', { name: 'n', accountId: ACCOUNT, region: REGION, deletionWindowDays: 5 }))).toThrow(
      'LogEncryptionKey key: deletionWindowDays: received 5; allowed: an integer from 7 to 30',
    );
  });
});

describe('WebService (rolling)', () => {
  const json = Testing.synthScope((s) => serviceIn(s, dev));

  test('GIVEN auto scaling WHEN synthesized THEN the coexistence contract: the task definition ignores container_definitions and is replaced with its spec; the service ignores task_definition and desired_count', () => {
    expect(json).toHaveResourceWithProperties(EcsTaskDefinition, {
      family: 'webapp-dev-web',
      network_mode: 'awsvpc',
      requires_compatibilities: ['FARGATE'],
      skip_destroy: true,
      lifecycle: {
        ignore_changes: ['container_definitions'],
        replace_triggered_by: [expect.stringMatching(/^terraform_data\.services_web_task-definition_container-spec_[0-9A-F]{8}$/), expect.stringMatching(/^terraform_data\.services_web_task-definition_sidecar-spec_[0-9A-F]{8}$/)],
      },
    });
    expect(json).toHaveResourceWithProperties(EcsService, {
      name: 'web',
      launch_type: 'FARGATE',
      lifecycle: { ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] },
      deployment_circuit_breaker: { enable: true, rollback: true },
      network_configuration: expect.objectContaining({ assign_public_ip: false }),
    });
    expect(json).toHaveResourceWithProperties(AppautoscalingTarget, { min_capacity: 1, max_capacity: 3, resource_id: 'service/webapp-dev/web', scalable_dimension: 'ecs:service:DesiredCount' });
    expect(json).toHaveResourceWithProperties(AppautoscalingPolicy, { policy_type: 'TargetTrackingScaling' });
  });

  test('GIVEN a fixed count WHEN synthesized THEN desired_count stays Terraform\'s and there is no scaling target', () => {
    const fixed = Testing.synthScope((s) => serviceIn(s, variant(dev, { services: { web: { autoScaling: undefined } } })));
    expect(fixed).toHaveResourceWithProperties(EcsService, { lifecycle: { ignore_changes: ['task_definition', 'load_balancer'] } });
    expect(fixed).not.toHaveResource(AppautoscalingTarget);
  });

  test('GIVEN the bootstrap image WHEN synthesized THEN the release pointer is seeded with it and then ignored', () => {
    expect(json).toHaveResourceWithProperties(SsmParameter, {
      name: '/webapp/dev/web/release-image',
      type: 'String',
      insecure_value: web(dev).bootstrapImage,
      lifecycle: { ignore_changes: ['insecure_value'] },
    });
  });

  test('GIVEN the service WHEN synthesized THEN logs are kept for the configured days and both roles trust this account\'s ECS tasks only', () => {
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/ecs/webapp-dev/web', retention_in_days: 14 });
    for (const name of ['webapp-dev-web-execution', 'webapp-dev-web-task']) {
      expect(json).toHaveResourceWithProperties(IamRole, { name });
      const role = all(json, IamRole).find((r) => r.name === name)!;
      expect(doc(role.assume_role_policy).Statement[0]).toMatchObject({ Principal: { Service: 'ecs-tasks.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': dev.accountId } } });
    }
    expect(json).toHaveResourceWithProperties(LbTargetGroup, { name: 'webapp-dev-web', target_type: 'ip', deregistration_delay: '15' });
  });

  test('GIVEN the load balancer WHEN synthesized THEN the tasks\' security group admits the load balancer\'s group only, on the container port', () => {
    expect(json).toHaveResourceWithProperties(SecurityGroup, { name: 'webapp-dev-web-tasks' });
    const toTasks = all(json, VpcSecurityGroupIngressRule).filter((r) => String(r.security_group_id).includes('aws_security_group.services_web_sg_'));
    expect(toTasks).toEqual([expect.objectContaining({ from_port: 8080, to_port: 8080, referenced_security_group_id: expect.stringMatching(/^\$\{aws_security_group\.load-balancer_sg_/) })]);
    expect(toTasks[0]).not.toHaveProperty('cidr_ipv4');
  });

  test('GIVEN the emulator switch WHEN synthesized THEN no scaling resources', () => {
    expect(Testing.synthScope((s) => serviceIn(s, dev, { createAutoScaling: false }))).not.toHaveResource(AppautoscalingTarget);
  });
});

describe('BlueGreenDeployment', () => {
  test('GIVEN prod\'s blue/green service WHEN synthesized THEN CodeDeploy owns the listeners\' forward target and the service\'s load_balancer, and rolls back on failure and alarms', () => {
    const json = Testing.synthScope((s) => serviceIn(s, prod));
    expect(json).toHaveResourceWithProperties(EcsService, {
      deployment_controller: { type: 'CODE_DEPLOY' },
      lifecycle: { ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] },
    });
    expect(json).toHaveResourceWithProperties(LbTargetGroup, { name: 'webapp-prod-web-g' });
    for (const port of [443, 8443]) {
      expect(json).toHaveResourceWithProperties(LbListener, { port, lifecycle: { ignore_changes: [...CODEDEPLOY_OWNED_LISTENER_PATHS] } });
    }
    expect(json).toHaveResourceWithProperties(CodedeployApp, { name: 'webapp-prod-web', compute_platform: 'ECS' });
    expect(json).toHaveResourceWithProperties(CodedeployDeploymentGroup, {
      deployment_style: { deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' },
      auto_rollback_configuration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarm_configuration: expect.objectContaining({ enabled: true, ignore_poll_alarm_failure: false }),
    });
    expect(all(json, CloudwatchMetricAlarm)).toHaveLength(4);
  });

  test('GIVEN a rolling deployment WHEN constructed THEN it throws naming received and allowed', () => {
    expect(() =>
      Testing.synthScope((s) => {
        const { cluster, loadBalancer, service } = serviceIn(s, prod);
        new BlueGreenDeployment(s, 'again', {
          names: service.names,
          accountId: prod.accountId,
          region: prod.region,
          deployment: { ...web(prod).deployment, strategy: 'rolling' },
          cluster,
          service: service.service!,
          containerName: 'app',
          containerPort: 8080,
          loadBalancer,
          blueTargetGroup: service.routing!.targetGroup,
          targetGroupConfig: { name: 'x' },
          passRoles: [],
        });
      }),
    ).toThrow('BlueGreenDeployment again: deployment.strategy: received "rolling"; allowed: "blue-green"');
  });
});

describe('CiAccess', () => {
  const ciIn = (s: Construct, extra: Partial<ConstructorParameters<typeof CiAccess>[2]> = {}) => {
    const { service, names, registry } = serviceIn(s, dev);
    return new CiAccess(s, 'ci', {
      accountId: dev.accountId,
      planRoleName: names.planRole,
      applyRoleName: names.applyRole,
      deployRoleName: names.deployRole,
      managedRolePrefix: names.prefix,
      ...dev.ci,
      stateBucket: dev.state.bucket,
      stateKey: dev.state.key,
      services: [service],
      registry,
      region: dev.region,
      ...extra,
    });
  };
  const applyPolicy = (json: string) => doc(all(json, IamRolePolicy).find((p) => JSON.stringify(p).includes('ci_apply_role'))!.policy).Statement;

  test('GIVEN defaults WHEN synthesized THEN the GitHub OIDC provider and the three roles exist', () => {
    const json = Testing.synthScope((s) => ciIn(s));
    expect(json).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
    for (const name of ['webapp-dev-ci-plan', 'webapp-dev-ci-apply', 'webapp-dev-ci-deploy']) expect(json).toHaveResourceWithProperties(IamRole, { name });
  });

  test('GIVEN an existing OIDC provider WHEN synthesized THEN none is created', () => {
    expect(Testing.synthScope((s) => ciIn(s, { createOidcProvider: false }))).not.toHaveResource(IamOpenidConnectProvider);
  });

  test('GIVEN a role for a new service created after CiAccess WHEN synthesized THEN the apply role may pass roles to that service too', () => {
    const json = Testing.synthScope((s) => {
      ciIn(s);
      new Role(s, 'scheduler', { name: 'webapp-dev-scheduler', description: 'test', principal: { Service: 'scheduler.amazonaws.com' } });
    });
    const pass = applyPolicy(json).find((st) => st.Sid === 'PassWorkloadRolesToTheirServices')!;
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'scheduler.amazonaws.com'] } });
    expect(pass.Resource).toContain('arn:aws:iam::111111111111:role/webapp-dev-scheduler');
  });

  test('GIVEN a role whose trust policy is not literal JSON WHEN synthesized THEN synthesis stops rather than leave its service out', () => {
    expect(() =>
      Testing.synthScope((s) => {
        const ci = ciIn(s);
        new IamRole(s, 'opaque', { name: 'webapp-dev-opaque', assumeRolePolicy: ci.planRole.arn });
      }),
    ).toThrow(/CiAccess ci: .*opaque.*: assume_role_policy: received .*; allowed: a literal JSON trust policy/);
  });

  test('GIVEN no application repository WHEN constructed THEN it throws naming received and allowed', () => {
    expect(() => Testing.synthScope((s) => ciIn(s, { appRepositories: [] }))).toThrow('CiAccess ci: appRepositories: received []; allowed: at least one owner/name');
  });

  test('GIVEN a resource type the plan identity has no read actions for WHEN synthesized THEN synthesis stops naming it', () => {
    // The plan role refreshes only the types it was granted reads for: a new type must be added to PLAN_READS first.
    expect(() =>
      Testing.synthScope((s) => {
        ciIn(s);
        new SqsQueue(s, 'queue', { name: 'webapp-dev-jobs' });
      }),
    ).toThrow('plan role: resource type: received "aws_sqs_queue"; allowed: a type listed in PLAN_READS (modules/plan-reads.ts) with the read actions terraform plan needs to refresh it');
  });

  test('GIVEN a role created after CiAccess WHEN synthesized THEN it carries the workload boundary too', () => {
    const json = Testing.synthScope((s) => {
      ciIn(s);
      new Role(s, 'scheduler', { name: 'webapp-dev-scheduler', description: 'test', principal: { Service: 'scheduler.amazonaws.com' } });
    });
    expect(json).toHaveResourceWithProperties(IamRole, { name: 'webapp-dev-scheduler', permissions_boundary: 'arn:aws:iam::111111111111:policy/webapp-dev-workload-boundary' });
  });

});
