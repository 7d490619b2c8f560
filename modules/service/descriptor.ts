import { Construct } from 'constructs';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { ServiceNames } from '../../contracts/names';
import type { ReleaseDescriptor } from '../../contracts/descriptor';

/** The release descriptor the stack publishes for each service: its schema is the contract (contracts/descriptor.ts). */
export type { ReleaseDescriptor };

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
