import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { CommandResult, Context, Reporter } from './context';
import { EXIT, ReleaseError } from './errors';
import { digestOf } from './image';
import { fieldChanges, findContainer, registerable, releaseTags, renderDiff, withImage } from './revision';
import { markDeployed } from './ship';
import { revisionName, revisionNumber, type Target } from './target';
import { describeRevision, type DescribedRevision } from './describe';

/**
 * Scheduled services (issue 11): no ECS service runs them. EventBridge Scheduler starts a task on each run from the
 * schedule's target, which names the task-definition FAMILY (services-design.md, "Scheduled task design"), so a run
 * takes the family's latest ACTIVE revision. A release therefore registers the revision (Terraform's revision with
 * the new application image, as for every kind) and writes the release pointer; the schedule never changes, so a
 * release is no drift for Terraform, and the next run starts the released image.
 */

/** The revision a scheduled service's next run starts: the family's latest ACTIVE revision. One call. */
export async function scheduledRevision(target: Target): Promise<DescribedRevision> {
  return describeRevision(target, target.descriptor.family);
}

export interface ScheduledShipRequest {
  readonly command: string;
  readonly target: Target;
  /** The application image, pinned by digest. */
  readonly image: string;
  readonly commit?: string;
  readonly dryRun: boolean;
  /** The revision the next run starts today (when the caller already described it). */
  readonly current?: DescribedRevision;
  /** `rollout`: write nothing when the current revision already equals what would be registered. */
  readonly skipWhenUnchanged?: boolean;
  readonly extra?: Record<string, unknown>;
}

/**
 * Registers Terraform's revision with only the application image changed, marks it deployed (a scheduled service has
 * no rollout to wait for: registered is live from the next run) and points the release pointer at the image.
 * Calls: ecs:DescribeTaskDefinition x2, ecs:RegisterTaskDefinition, ssm:PutParameter, ecs:TagResource.
 */
export async function shipScheduled(ctx: Context, report: Reporter, req: ScheduledShipRequest): Promise<CommandResult> {
  const { target } = req;
  const container = target.descriptor.container;
  const baseArn = target.descriptor.taskDefinitionArn;
  const base = await describeRevision(target, baseArn);
  findContainer(base.definition, container);
  const current = req.current ?? (await scheduledRevision(target));
  const currentArn = current.definition.taskDefinitionArn ?? baseArn;

  const input = withImage(registerable(base.definition), container, req.image);
  const before = registerable(current.definition);
  const changes = fieldChanges(before, input);
  const previousImage = current.definition.containerDefinitions?.find((c) => c.name === container)?.image;
  const schedule = target.service.schedule;
  const document: Record<string, unknown> = {
    command: req.command,
    environment: target.env.name,
    service: target.service.name,
    kind: 'scheduled',
    schedule: { ...(target.descriptor.schedule ?? {}), expression: schedule?.expression ?? null, timezone: schedule?.timezone ?? null, enabled: schedule?.enabled ?? null },
    container,
    image: req.image,
    digest: digestOf(req.image) ?? null,
    commit: req.commit ?? null,
    baseRevision: baseArn,
    previousRevision: currentArn,
    previousImage: previousImage ?? null,
    changes,
    ...req.extra,
  };
  report.info(`${req.command} ${req.image} to ${target.env.name} (scheduled service ${target.service.name}, container ${container})`);
  report.info(`base: ${revisionName(baseArn)} (Terraform)  next run today: ${revisionName(currentArn)}`);
  if (changes.length === 0) report.info('no field differs from the revision the next run starts');
  else report.info(`changes against ${revisionName(currentArn)}:\n${renderDiff(before, input)}`);
  if (req.skipWhenUnchanged && changes.length === 0) {
    report.info(`nothing to roll out: ${revisionName(currentArn)} already carries Terraform's settings and the released image`);
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'unchanged', exitCode: EXIT.OK } };
  }
  if (req.dryRun) {
    report.info('dry run: nothing registered');
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'dry-run', exitCode: EXIT.OK } };
  }
  if (ctx.signal.aborted) throw new ReleaseError(EXIT.INTERRUPTED, 'interrupted before any write: nothing changed');

  const tags = releaseTags(base.tags, digestOf(req.image), revisionNumber(baseArn), req.commit);
  const registered = await target.clients.ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags }));
  const revisionArn = registered.taskDefinition?.taskDefinitionArn;
  if (!revisionArn) throw new Error('ecs:RegisterTaskDefinition returned no ARN');
  report.info(`registered ${revisionName(revisionArn)}`);
  await target.clients.ssm.send(new PutParameterCommand({ Name: target.descriptor.releaseParameter, Value: req.image, Overwrite: true }));
  await markDeployed(ctx, target, revisionArn);
  const when = schedule ? ` (${schedule.expression}${schedule.timezone !== 'UTC' ? ` ${schedule.timezone}` : ''}${schedule.enabled ? '' : ', schedule disabled'})` : '';
  const message = `${revisionName(revisionArn)} registered: the next run of ${target.descriptor.schedule?.name ?? target.service.name}${when} starts ${req.image}`;
  report.info(message);
  return {
    exitCode: EXIT.OK,
    document: { ...document, outcome: 'registered', exitCode: EXIT.OK, message, revision: revisionArn, releasePointer: req.image },
  };
}
