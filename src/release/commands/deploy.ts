import { DescribeTaskDefinitionCommand, type Service, type TaskDefinition, type Tag } from '@aws-sdk/client-ecs';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refuseWhileBusy } from '../controller';
import { usageError } from '../errors';
import { checkImageInput, checkRepository, digestOf, resolveDigest } from '../image';
import { fieldChanges, findContainer, registerable, releaseTags, renderDiff, withImage } from '../revision';
import { reportShipped, ship } from '../ship';
import { describeService, resolveTarget, revisionName, revisionNumber, type Target } from '../target';

export interface DeployOptions extends WaitFlags {
  readonly env: string;
  readonly image: string;
  readonly container?: string;
  readonly commit?: string;
  readonly allowMutableTag?: boolean;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

const COMMIT = /^[\w.:/=+@-]{1,256}$/;

/**
 * `ecs-release deploy`: ship one image, pinned by digest, on top of the revision Terraform tracks.
 * API calls without polling: sts:GetCallerIdentity, ssm:GetParameter, ecs:DescribeServices, ecr:DescribeImages,
 * ecs:DescribeTaskDefinition (x2 when the running revision differs from Terraform's), ecs:RegisterTaskDefinition,
 * ssm:PutParameter, ecs:UpdateService, ecs:TagResource = 10 (+ sts:AssumeRole with --role-arn).
 */
export async function deploy(ctx: Context, opts: DeployOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  // Everything that can be checked without AWS is checked first: bad input never costs a call.
  const ref = checkImageInput(opts.image, !!opts.allowMutableTag);
  if (opts.commit !== undefined && !COMMIT.test(opts.commit)) {
    throw usageError('--commit', opts.commit, 'up to 256 letters, digits and _ . : / = + @ - (a commit id)');
  }
  const target = await resolveTarget(ctx, opts.env, opts.roleArn);
  checkRepository(ref, opts.image, target.descriptor.repositoryUrl);
  const service = await describeService(ctx, target);
  await refuseWhileBusy(target, service);
  const digest = await resolveDigest(target, ref);
  return shipImage(ctx, report, {
    command: 'deploy',
    target,
    service,
    image: `${ref.repositoryUri}@${digest}`,
    container: opts.container ?? target.descriptor.container,
    commit: opts.commit,
    dryRun: !!opts.dryRun,
    wait: opts,
  });
}

export interface ShipImageRequest {
  readonly command: string;
  readonly target: Target;
  readonly service: Service;
  /** The image to run, pinned by digest (deploy, promote) or exactly as it runs now (rollout). */
  readonly image: string;
  readonly container: string;
  readonly commit?: string;
  readonly dryRun: boolean;
  readonly wait: WaitFlags;
  /** `rollout`: write nothing when the running revision already equals what would be registered. */
  readonly skipWhenUnchanged?: boolean;
  /** The running revision when the caller already described it (saves a call). */
  readonly running?: DescribedRevision;
  readonly extra?: Record<string, unknown>;
}

/** A revision and its tags, as DescribeTaskDefinition(include TAGS) returns them. */
export interface DescribedRevision {
  readonly definition: TaskDefinition;
  readonly tags: Tag[];
}

export async function describeRevision(target: Target, arn: string): Promise<DescribedRevision> {
  const r = await target.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
  if (!r.taskDefinition) throw new Error(`ecs:DescribeTaskDefinition ${arn} returned nothing`);
  return { definition: r.taskDefinition, tags: r.tags ?? [] };
}

/**
 * Builds the new revision from the one Terraform tracks (so it carries the current IaC settings) with only the image
 * of one container changed, shows the field-level diff against the running revision, and ships it unless dry-run.
 */
export async function shipImage(ctx: Context, report: Reporter, req: ShipImageRequest): Promise<CommandResult> {
  const { target, service } = req;
  const baseArn = target.descriptor.taskDefinitionArn;
  const base = await describeRevision(target, baseArn);
  findContainer(base.definition, req.container);
  const running = service.taskDefinition === baseArn ? base : (req.running ?? (await describeRevision(target, service.taskDefinition ?? baseArn)));

  const digest = digestOf(req.image);
  const input = withImage(registerable(base.definition), req.container, req.image);
  const tags = releaseTags(base.tags, digest, revisionNumber(baseArn), req.commit);
  const before = registerable(running.definition);
  const changes = fieldChanges(before, input);
  const previousImage = running.definition.containerDefinitions?.find((c) => c.name === req.container)?.image;

  const document: Record<string, unknown> = {
    command: req.command,
    environment: target.env.name,
    service: `${target.descriptor.cluster}/${target.descriptor.service}`,
    container: req.container,
    image: req.image,
    digest: digest ?? null,
    commit: req.commit ?? null,
    baseRevision: baseArn,
    previousRevision: service.taskDefinition,
    previousImage: previousImage ?? null,
    changes,
    ...req.extra,
  };

  report.info(`${req.command} ${req.image} to ${target.env.name} (${target.descriptor.cluster}/${target.descriptor.service}, container ${req.container})`);
  report.info(`base: ${revisionName(baseArn)} (Terraform)  running: ${revisionName(service.taskDefinition)}`);
  if (changes.length === 0) report.info('no field differs from the running revision');
  else report.info(`changes against the running revision ${revisionName(service.taskDefinition)}:\n${renderDiff(before, input)}`);

  if (req.skipWhenUnchanged && changes.length === 0) {
    report.info(`nothing to roll out: ${revisionName(service.taskDefinition)} already carries Terraform's settings and the running image`);
    return { exitCode: 0, document: { ...document, outcome: 'unchanged', exitCode: 0 } };
  }
  if (req.dryRun) {
    report.info('dry run: nothing registered, nothing updated');
    return { exitCode: 0, document: { ...document, outcome: 'dry-run', exitCode: 0 } };
  }

  const shipped = await ship(ctx, report, {
    target,
    before: service,
    register: { input, tags },
    image: req.image,
    previousImage,
    wait: { timeoutMs: req.wait.timeoutMs, pollMs: req.wait.pollMs, noWait: req.wait.noWait },
  });
  reportShipped(report, shipped);
  return {
    exitCode: shipped.exitCode,
    document: {
      ...document,
      outcome: shipped.outcome,
      exitCode: shipped.exitCode,
      message: shipped.message,
      revision: shipped.revisionArn,
      deploymentId: shipped.deploymentId,
      releasePointer: shipped.pointer,
      events: shipped.events,
    },
  };
}
