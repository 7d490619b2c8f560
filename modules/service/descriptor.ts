import { Construct } from 'constructs';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { ServiceNames } from '../../environments/names';
import type { ServiceKind } from '../../environments/schema';
import type { CodeDeployDescriptor } from '../blue-green';

/** The release descriptor the stack publishes for each service (SSM parameter, JSON), read by ecs-release. */
export interface ReleaseDescriptor {
  readonly schemaVersion: 1;
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly kind: ServiceKind;
  /** Services of one group share one image and are released together. */
  readonly releaseGroup?: string;
  /** The application container: the only one a release changes. */
  readonly container: string;
  /** The sidecar containers: a release must never change them (their images come from configuration). */
  readonly sidecars: string[];
  readonly family: string;
  /** The revision Terraform tracks: it carries the current IaC settings. */
  readonly taskDefinitionArn: string;
  readonly releaseParameter: string;
  readonly repositoryUrl: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  /** Scheduled services have no deployment (`rolling` there means: the next run takes the new revision). */
  readonly strategy: 'rolling' | 'blue-green';
  /**
   * Rolling web services: the load-balancer mapping the release CLI sends with each new revision (UpdateService
   * `loadBalancers`), so a containerPort change reaches the service together with the revision listening on it.
   */
  readonly loadBalancer?: { readonly targetGroupArn: string; readonly containerName: string; readonly containerPort: number };
  /** Blue/green only: the CodeDeploy application, group, target groups, listeners and test URL. */
  readonly codeDeploy?: CodeDeployDescriptor;
  /** Scheduled only: the EventBridge Scheduler schedule that runs the family's latest ACTIVE revision. */
  readonly schedule?: { readonly name: string; readonly groupName: string };
}

export interface DescriptorParameterProps {
  readonly names: ServiceNames;
  readonly descriptor: ReleaseDescriptor;
}

/** The descriptor's SSM parameter (`/<project>/<env>/<service>/descriptor`). */
export function descriptorParameter(scope: Construct, props: DescriptorParameterProps): SsmParameter {
  return new SsmParameter(scope, 'descriptor', {
    name: props.names.descriptorParameter,
    description: `Release descriptor of ${props.names.family}, read by ecs-release`,
    type: 'String',
    insecureValue: JSON.stringify(props.descriptor),
  });
}
