import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { ServiceNames } from '../../contracts/names';
import type { ServiceConfig } from '../../environments/schema';
import { Role } from '../iam';
import type { LogEncryptionKey } from '../log-key';
import type { ContainerRegistry } from '../registry';
import { TerraformData } from '../terraform-data';
import { registryPullStatementsFor } from '../private-registry';
import { appContainerSpec, registryPullGrants, secretReadStatements, sidecarSpecs } from './containers';

export interface ServiceTaskDefinitionProps {
  readonly accountId: string;
  readonly region: string;
  /** AWS partition of the account (from `data.aws_partition`). */
  readonly partition: string;
  readonly names: ServiceNames;
  readonly config: ServiceConfig;
  readonly registry: ContainerRegistry;
  /** CloudWatch Logs retention, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Key encrypting the log group. @default undefined (CloudWatch Logs' AWS-owned key) */
  readonly logEncryptionKey?: LogEncryptionKey;
}

/**
 * A service's task definition with its log group, roles and release pointer: the coexistence contract, the same for
 * every kind of service.
 *
 * - The release CLI owns which image the application container runs: the image lives in an SSM parameter (the
 *   release pointer) Terraform creates with the bootstrap image and then ignores; Terraform reads it back into the
 *   container definitions.
 * - The task definition ignores `container_definitions` (a deploy is no drift) but is replaced whenever the container
 *   definitions *without the app image* change (`replace_triggered_by` the `terraform_data` holding them: env vars,
 *   ports, command, sidecars and their pinned images), and the replacement carries the deployed image.
 *   `skip_destroy` keeps old revisions registered: rollback targets never disappear.
 */
export class ServiceTaskDefinition extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly executionRole: Role;
  public readonly taskRole: Role;
  public readonly releaseParameter: SsmParameter;
  public readonly containerSpec: TerraformData;
  /**
   * The sidecars' definitions (an empty list without sidecars). Always present: Terraform replaces the task definition
   * when a resource named in replace_triggered_by changes, not when one is created, so the first sidecar must be an
   * update of this data. Created empty, it replaces nothing (state continuity of today's task definitions).
   */
  public readonly sidecarSpec: TerraformData;
  public readonly taskDefinition: EcsTaskDefinition;
  private readonly props: ServiceTaskDefinitionProps;

  constructor(scope: Construct, id: string, props: ServiceTaskDefinitionProps) {
    super(scope, id);
    this.props = props;
    const { config: svc, names } = props;
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: names.logGroup,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.logEncryptionKey?.arn,
    });

    const taskTrust = {
      principal: { Service: 'ecs-tasks.amazonaws.com' },
      // Confused-deputy guard: only tasks of this account may assume the roles.
      trustConditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    };
    this.executionRole = new Role(this, 'execution-role', {
      name: names.executionRole,
      description: `ECS agent for ${names.family}: pull the image, write logs, read the task's secrets`,
      ...taskTrust,
    });
    // The environment's repository stays pullable even with an imageSource: a service switching its source keeps
    // starting tasks from the image that runs (an ECR one) until the first release from the new registry.
    props.registry.grantPull(this.executionRole);
    // Images from a private registry are pulled with exactly their secret (issue 16).
    this.executionRole.addStatements(...registryPullStatementsFor(registryPullGrants(svc)));
    this.executionRole.addStatements({
      Sid: 'WriteLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The ARN spelled out (not a reference): the workload boundary bounds every service's group with one pattern.
      Resource: `${this.logGroupArn}:*`,
    });
    this.executionRole.addStatements(...secretReadStatements(svc));

    this.taskRole = new Role(this, 'task-role', {
      name: names.taskRole,
      description: `Application in ${names.family}`,
      ...taskTrust,
    });
    if (svc.enableExecuteCommand) {
      this.taskRole.addStatementsWithoutResourceScope(
        'The Session Manager channel actions ECS Exec needs have no resource-level permissions in AWS; who may open a session is decided by ecs:ExecuteCommand on the operator side.',
        {
          Sid: 'EcsExecChannels',
          Effect: 'Allow',
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Resource: '*',
        },
      );
    }

    this.releaseParameter = new SsmParameter(this, 'release-image', {
      name: names.releaseParameter,
      description: `Image the release CLI last deployed to ${names.family} (Terraform only seeds it)`,
      type: 'String',
      insecureValue: svc.bootstrapImage,
      lifecycle: { ignoreChanges: ['insecure_value'] },
    });

    const app = appContainerSpec(svc, names, this.logGroup.name, props.region);
    const sidecars = sidecarSpecs(svc, names, this.logGroup.name, props.region);
    this.containerSpec = new TerraformData(this, 'container-spec', { input: app });
    this.sidecarSpec = new TerraformData(this, 'sidecar-spec', { input: sidecars });
    const triggers = [this.containerSpec, this.sidecarSpec];
    this.taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: names.family,
      cpu: String(svc.cpu),
      memory: String(svc.memoryMiB),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { cpuArchitecture: svc.cpuArchitecture, operatingSystemFamily: 'LINUX' },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: Fn.jsonencode([{ ...app, image: this.releaseParameter.insecureValue }, ...sidecars]),
      skipDestroy: true,
      tags: { 'ecs-coexist:owner': 'terraform' },
      lifecycle: {
        ignoreChanges: ['container_definitions'],
        // Plain addresses: cdktf would wrap a resource object in ${...}, which Terraform rejects here.
        replaceTriggeredBy: triggers.map((t) => `${TerraformData.tfResourceType}.${t.friendlyUniqueId}`),
      },
    });
  }

  /** The log group's ARN, spelled from its name (`arn:<partition>:logs:<region>:<account>:log-group:<name>`). */
  get logGroupArn(): string {
    const { partition, region, accountId, names } = this.props;
    return `arn:${partition}:logs:${region}:${accountId}:log-group:${names.logGroup}`;
  }

  /** The family's ARN without a revision: RunTask (and EventBridge Scheduler) take its latest ACTIVE revision. */
  get familyArn(): string {
    const { partition, region, accountId } = this.props;
    return `arn:${partition}:ecs:${region}:${accountId}:task-definition/${this.props.names.family}`;
  }
}
