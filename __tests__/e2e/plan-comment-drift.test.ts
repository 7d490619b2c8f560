import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startMoto, type Moto } from '../../scripts/lib/moto';
import { maskerFor } from '../../src/plan-comment/mask';
import { planHash } from '../../src/plan-comment/hash';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { renderPlan } from '../../src/plan-comment/render';
import { summarize } from '../../src/plan-comment/summary';
import { expectGolden } from '../helpers/golden';
import { planIn, planScenario, type RealPlan } from '../helpers/plans';
import { requireTerraform } from '../helpers/terraform';

/**
 * Drift and the ECS notes on real plans: a small configuration with the same coexistence contract as
 * modules/web-service.ts (release pointer with ignore_changes, task definition replaced by a terraform_data holding the
 * container settings, service ignoring its revision), applied into moto, then changed outside Terraform the way
 * `ecs-release deploy` does it, and by hand.
 */

const BOOTSTRAP = 'public.ecr.aws/nginx/nginx:1.27-alpine';
const IMAGE_1 = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp@sha256:' + '1'.repeat(64);
const IMAGE_2 = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp@sha256:' + '2'.repeat(64);
const DB_PASSWORD = 'pw-ORIGINAL-7731';
const DB_PASSWORD_ROTATED = 'pw-ROTATED-9913';

interface Variant {
  cpu?: string;
  logLevel?: string;
  serviceIgnores?: boolean;
  pointerIgnores?: boolean;
}

function config(v: Variant = {}): string {
  const { cpu = '256', logLevel = 'info', serviceIgnores = true, pointerIgnores = true } = v;
  return `
provider "aws" {
  region                  = "eu-west-1"
  skip_metadata_api_check = true
}
variable "db_password" {
  type      = string
  sensitive = true
  default   = "${DB_PASSWORD}"
}
locals {
  spec = {
    name         = "app"
    essential    = true
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    environment  = [{ name = "LOG_LEVEL", value = "${logLevel}" }]
  }
}
resource "aws_vpc" "main" { cidr_block = "10.10.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.10.1.0/24"
}
resource "aws_ecs_cluster" "main" { name = "webapp-dev" }
resource "aws_ssm_parameter" "release" {
  name           = "/webapp/dev/web/release-image"
  type           = "String"
  insecure_value = "${BOOTSTRAP}"
  ${pointerIgnores ? 'lifecycle { ignore_changes = [insecure_value] }' : ''}
}
resource "aws_ssm_parameter" "settings" {
  name        = "/webapp/dev/web/settings"
  type        = "String"
  value       = "feature-x=on"
  description = "feature flags"
}
resource "aws_ssm_parameter" "db_password" {
  name  = "/webapp/dev/web/db-password"
  type  = "SecureString"
  value = var.db_password
}
resource "terraform_data" "spec" { input = local.spec }
resource "aws_ecs_task_definition" "task" {
  family                   = "webapp-dev-web"
  cpu                      = "${cpu}"
  memory                   = "512"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  container_definitions    = jsonencode([merge(local.spec, { image = aws_ssm_parameter.release.insecure_value })])
  skip_destroy             = true
  lifecycle {
    ignore_changes       = [container_definitions]
    replace_triggered_by = [terraform_data.spec]
  }
}
resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.main.arn
  task_definition = aws_ecs_task_definition.task.arn
  desired_count   = 1
  launch_type     = "FARGATE"
  network_configuration { subnets = [aws_subnet.a.id] }
  ${serviceIgnores ? 'lifecycle { ignore_changes = [task_definition, desired_count] }' : ''}
}
`;
}

describe('drift and ECS notes on plans against moto', () => {
  let moto: Moto;
  let ecs: ECSClient;
  let ssm: SSMClient;
  let dir: string;
  let remove: () => void = () => {};
  let replacePlan: RealPlan;

  /** What `ecs-release deploy` does: a new revision from the running one with only the image changed, pointer, service. */
  async function deploy(image: string): Promise<void> {
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'webapp-dev', services: ['web'] }))).services![0];
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition! }))).taskDefinition!;
    const reg = await ecs.send(new RegisterTaskDefinitionCommand({
      family: td.family!,
      cpu: td.cpu,
      memory: td.memory,
      networkMode: td.networkMode,
      requiresCompatibilities: td.requiresCompatibilities,
      containerDefinitions: td.containerDefinitions!.map((c) => ({ ...c, image })),
    }));
    await ssm.send(new PutParameterCommand({ Name: '/webapp/dev/web/release-image', Value: image, Type: 'String', Overwrite: true }));
    await ecs.send(new UpdateServiceCommand({ cluster: 'webapp-dev', service: 'web', taskDefinition: reg.taskDefinition!.taskDefinitionArn }));
  }

  beforeAll(async () => {
    requireTerraform();
    moto = await startMoto();
    const clientConfig = { endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    ecs = new ECSClient(clientConfig);
    ssm = new SSMClient(clientConfig);
    // GIVEN the configuration applied, then a release deployed and two parameters changed by hand
    const r = await planScenario('ecs', {
      env: moto.env,
      before: config(),
      between: async () => {
        await deploy(IMAGE_1);
        // Auto scaling at work.
        await ecs.send(new UpdateServiceCommand({ cluster: 'webapp-dev', service: 'web', desiredCount: 2 }));
        await ssm.send(new PutParameterCommand({ Name: '/webapp/dev/web/settings', Value: 'feature-x=off', Type: 'String', Overwrite: true }));
        await ssm.send(new PutParameterCommand({ Name: '/webapp/dev/web/db-password', Value: DB_PASSWORD_ROTATED, Type: 'SecureString', Overwrite: true }));
      },
      // WHEN the configuration raises the CPU and changes an environment variable
      after: config({ cpu: '512', logLevel: 'debug' }),
    });
    replacePlan = r;
    dir = r.dir;
    remove = r.remove;
  }, 300_000);
  afterAll(async () => {
    remove();
    await moto?.stop();
  });

  test('the task-definition replacement keeps the deployed image and says how it rolls out', () => {
    expect(summarize(replacePlan.plan).planLine).toBe(replacePlan.terraformPlanLine);
    const r = renderPlan(replacePlan.plan, { env: 'dev', ownership: ownershipFor('dev') });
    const [visible] = r.markdown.split('#### Details');
    // THEN the note names the image the release CLI deployed, not the bootstrap image, and the rollout commands
    expect(visible).toMatch(/Task definition `aws_ecs_task_definition\.task` of service `web` gets a new revision: `cpu` changed; container settings changed: `environment\[0\]\.value`, through `replace_triggered_by`\. It is registered with the `app` container's image `[^`]+sha256:1{64}` read from the release pointer `\/webapp\/dev\/web\/release-image`/);
    expect(visible).toContain('`ecs-release deploy --env dev --service web`');
    expect(visible).toContain('`ecs-release rollout --env dev --service web`');
    expect(visible.split('#### Changes')[0]).not.toContain(BOOTSTRAP);
    // AND the folded details show the tracked revision's bootstrap image giving way to the deployed one
    expect(r.markdown).toContain(`- container_definitions[0].image = "${BOOTSTRAP}"\n+ container_definitions[0].image = "${IMAGE_1}"`);
    expectGolden('ecs-replace-and-drift', r.markdown);
  });

  test('drift has its own section; the release CLI\'s own changes are marked expected; secrets stay hidden', () => {
    const r = renderPlan(replacePlan.plan, { env: 'dev', ownership: ownershipFor('dev') });
    expect(r.markdown).toContain('#### Changed outside of Terraform (drift)');
    expect(r.markdown).toMatch(/- `aws_ssm_parameter\.settings`: `value`, `version`\n/);
    expect(r.markdown).toMatch(/- `aws_ssm_parameter\.release`: [^\n]*\(expected: written by `ecs-release deploy`/);
    expect(r.markdown).toMatch(/- `aws_ecs_service\.web`: `desired_count`, `task_definition` \(expected: owned by the release CLI and auto scaling, ignored by Terraform\)/);
    expect(r.markdown).toContain('- `aws_ssm_parameter.db_password`: `value`, `version`\n');
    // The rotated and the configured password: marked sensitive by Terraform, present in clear in the plan JSON.
    expect(replacePlan.json).toContain(DB_PASSWORD_ROTATED);
    expect(replacePlan.json).toContain(DB_PASSWORD);
    for (const secret of [DB_PASSWORD, DB_PASSWORD_ROTATED]) expect(r.markdown).not.toContain(secret);
  });

  test('removing the lifecycle rules is flagged: the service would undo deploys, the pointer would lose the image', () => {
    writeFileSync(join(dir, 'main.tf'), config({ serviceIgnores: false, pointerIgnores: false }));
    const plan = planIn(dir, [], moto.env);
    expect(summarize(plan.plan).planLine).toBe(plan.terraformPlanLine);
    const r = renderPlan(plan.plan, { env: 'dev', ownership: ownershipFor('dev') });
    expect(r.status).toBe('attention');
    expect(r.markdown).toContain('> [!CAUTION]');
    expect(r.markdown).toContain('`aws_ecs_service.web` would point the service back at the revision Terraform tracks, undoing every `ecs-release deploy --env dev --service web` since.');
    expect(r.markdown).toContain('`aws_ssm_parameter.release` would overwrite the image the release CLI deployed');
    expect(r.markdown).toContain('`aws_ecs_service.web` sets `desired_count` (1)');
    // AND the drift the release CLI made is no longer called harmless
    expect(r.markdown).toContain('- `aws_ssm_parameter.release`: `insecure_value`, `version` (written by `ecs-release deploy`, and this plan would undo it)');
    expectGolden('ecs-lifecycle-removed', r.markdown);
  });

  test('the apply gate\'s fingerprint survives a deploy between review and merge, and catches a real change', async () => {
    // GIVEN the reviewed plan's fingerprint
    writeFileSync(join(dir, 'main.tf'), config({ cpu: '512', logLevel: 'debug' }));
    const reviewed = planIn(dir, [], moto.env);
    const reviewedHash = planHash(reviewed.plan, maskerFor(reviewed.plan));
    // WHEN the application pipeline deploys another image before the merge
    await deploy(IMAGE_2);
    const atMerge = planIn(dir, [], moto.env);
    // THEN the new revision would carry the new image, and the fingerprint is still the reviewed one
    expect(renderPlan(atMerge.plan, { env: 'dev', ownership: ownershipFor('dev') }).markdown).toContain('2'.repeat(64));
    expect(planHash(atMerge.plan, maskerFor(atMerge.plan))).toBe(reviewedHash);
    // AND a configuration change the reviewer did not see changes it
    writeFileSync(join(dir, 'main.tf'), config({ cpu: '1024', logLevel: 'debug' }));
    const other = planIn(dir, [], moto.env);
    expect(planHash(other.plan, maskerFor(other.plan))).not.toBe(reviewedHash);
  });
});
