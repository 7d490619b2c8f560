import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DeliveryPipeline, type DeliveryPipelineProps } from '../../modules/delivery-pipeline';
import type { PolicyStatement } from '../../modules/iam';
import { OFFLINE_PROVIDER } from '../../stacks/environment-stack';

export const DEV_ACCOUNT = '111111111111';
export const PROD_DEPLOY_ROLE = 'arn:aws:iam::222222222222:role/webapp-prod-ci-deploy';
export const REPOSITORY_ARN = `arn:aws:ecr:eu-west-1:${DEV_ACCOUNT}:repository/webapp`;
export const SERVICE_ARN = `arn:aws:ecs:eu-west-1:${DEV_ACCOUNT}:service/webapp-dev/webapp-dev`;

/** A stand-in for the dev deploy role's statements (CiAccess grants the real ones). */
export const DEPLOY_STATEMENTS: PolicyStatement[] = [
  { Sid: 'UpdateService', Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: SERVICE_ARN },
  { Sid: 'ReadImages', Effect: 'Allow', Action: ['ecr:DescribeImages'], Resource: REPOSITORY_ARN },
];

export const PROPS: DeliveryPipelineProps = {
  name: 'webapp-dev',
  accountId: DEV_ACCOUNT,
  region: 'eu-west-1',
  connectionArn: `arn:aws:codestar-connections:eu-west-1:${DEV_ACCOUNT}:connection/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`,
  appRepository: 'example-org/webapp',
  appBranch: 'main',
  infraRepository: 'example-org/webapp-infra',
  infraBranch: 'main',
  imageRepository: { arn: REPOSITORY_ARN, url: `${DEV_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/webapp` },
  deployStatements: DEPLOY_STATEMENTS,
  promote: { roleArn: PROD_DEPLOY_ROLE },
};

/** A stack holding only the delivery pipeline, with the offline provider (placeholder credentials, skip flags, local state). */
export function deliveryStack(outdir?: string, props: DeliveryPipelineProps = PROPS): { app: App; stack: TerraformStack; pipeline: DeliveryPipeline } {
  const app = new App(outdir ? { outdir } : {});
  const stack = new TerraformStack(app, 'delivery');
  new AwsProvider(stack, 'aws', { region: props.region, ...OFFLINE_PROVIDER });
  const pipeline = new DeliveryPipeline(stack, 'delivery', props);
  return { app, stack, pipeline };
}
