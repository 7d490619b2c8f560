/**
 * The real `ecs-release` process entry (`main`: signal handling, exit codes) with ECS answered by client mocks: a
 * deployment that stays IN_PROGRESS forever. The SIGINT test runs it as a child process and interrupts it.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsClientFactory } from '../../src/release/aws';
import { main } from '../../src/release/cli';
import { ACCOUNT, DIGEST, REPO, RUNNING_REVISION, TD, TERRAFORM_REVISION, deployment, descriptor, mockAws, names, revision, service } from './release-mocks';

const mocks = mockAws();
mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/x` });
mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(1)}`), tags: [] });
mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: ['abc1234'] }] });
mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD(8) } });
const stuck = service(8, [deployment('ecs-svc/new', 8, 'IN_PROGRESS'), deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED', 'ACTIVE')]);
mocks.ecs.on(UpdateServiceCommand).resolves({ service: stuck });
mocks.ecs
  .on(DescribeServicesCommand)
  .resolvesOnce({ services: [service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')])] })
  .resolves({ services: [stuck] });
void names;

main(process.argv.slice(2), { clients: awsClientFactory({ credentials: { accessKeyId: 'mock', secretAccessKey: 'mock' } }) });
