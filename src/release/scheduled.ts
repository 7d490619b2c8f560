import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { CommandResult, Context, Reporter } from './context';
import { EXIT, ReleaseError } from './errors';
import { digestOf } from './image';
import { describeDrift } from './drift';
import { identityDrift } from './identity-drift';
import { fieldChanges, findContainer, isReleaseField, registerable, releaseTags, renderDiff, TAG, tagValue, withImage } from './revision';
import { markDeployed } from './ship';
import { revisionName, revisionNumber, type Target } from './target';
import { describeRevision, type DescribedRevision } from './describe';
import { targetFlags } from './services';

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
  /** A private registry's tag read again before success is reported (see ShipImageRequest.confirm). */
  readonly confirm?: () => Promise<void>;
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
  await req.confirm?.();
  const message = `${revisionName(revisionArn)} registered: the next run of ${target.descriptor.schedule?.name ?? target.service.name}${when} starts ${req.image}`;
  report.info(message);
  return {
    exitCode: EXIT.OK,
    document: { ...document, outcome: 'registered', exitCode: EXIT.OK, message, revision: revisionArn, releasePointer: req.image },
  };
}

/**
 * `ecs-release status` of a scheduled service: the schedule (configuration's expression, the descriptor's schedule
 * name) and the revision its next run starts, with its image, the release pointer, and whether that revision carries
 * Terraform's settings. Read-only. Calls: sts, ssm x2, ecs:DescribeTaskDefinition x1-2.
 */
export async function scheduledStatus(report: Reporter, target: Target): Promise<CommandResult> {
  const { descriptor } = target;
  const next = await scheduledRevision(target);
  const nextArn = next.definition.taskDefinitionArn ?? '';
  const terraform = nextArn === descriptor.taskDefinitionArn ? next : await describeRevision(target, descriptor.taskDefinitionArn);
  const drift = fieldChanges(registerable(next.definition), registerable(terraform.definition), isReleaseField);
  const pointer = (await target.clients.ssm.send(new GetParameterCommand({ Name: descriptor.releaseParameter }))).Parameter?.Value;
  const image = next.definition.containerDefinitions?.find((c) => c.name === descriptor.container)?.image;
  const commit = tagValue(next.tags, TAG.commit);
  const schedule = target.service.schedule;
  // What the deploy identity could change and IAM cannot stop (roles, secrets, command of the revision the schedule
  // runs; no ECS service, so nothing of network or count), said first as a warning, as for a long-running service.
  const identity = identityDrift(drift, next.definition, {}, descriptor);
  const sentences = [
    ...(identity.length > 0 ? [`Warning: changed outside Terraform in ways IAM cannot prevent (docs/guardrails.md, deploy identity): ${identity.map((f) => f.message).join('; ')}.`] : []),
    drift.length === 0
      ? `The next run's revision carries every setting Terraform declares (${revisionName(descriptor.taskDefinitionArn)}).`
      : `The next run's revision differs from Terraform's ${revisionName(descriptor.taskDefinitionArn)} in ${drift.length} field(s): ${describeDrift(drift)}. Register Terraform's settings with \`ecs-release rollout ${targetFlags(target)}\` (or the next deploy).`,
  ];
  if (pointer !== image) sentences.push(`The release pointer names ${pointer ?? 'nothing'}, but the next run starts ${image ?? 'no image'}: the next apply would build on the pointer's image.`);
  if (schedule && !schedule.enabled) sentences.push('The schedule is disabled in configuration: nothing runs until it is enabled.');

  report.info(`environment ${target.env.name}: account ${target.env.accountId}, ${target.env.region}, scheduled service ${target.service.name}`);
  report.info(`schedule:  ${descriptor.schedule ? `${descriptor.schedule.groupName}/${descriptor.schedule.name}` : target.names.scheduleName} ${schedule?.expression ?? ''}${schedule && schedule.timezone !== 'UTC' ? ` (${schedule.timezone})` : ''}${schedule?.enabled === false ? ' (disabled)' : ''}`);
  report.info(`next run:  ${revisionName(nextArn)}  ${image ?? '(no image)'}  (the family's latest ACTIVE revision)`);
  if (commit) report.info(`commit:    ${commit}`);
  report.info(`terraform: ${revisionName(descriptor.taskDefinitionArn)}`);
  report.info(`pointer:   ${pointer ?? '(unset)'}`);
  for (const s of sentences) report.info(s);
  return {
    exitCode: EXIT.OK,
    document: {
      command: 'status',
      environment: target.env.name,
      service: target.service.name,
      kind: 'scheduled',
      schedule: { ...(descriptor.schedule ?? { name: target.names.scheduleName }), expression: schedule?.expression ?? null, timezone: schedule?.timezone ?? null, enabled: schedule?.enabled ?? null },
      // What `promote --from-status` reads: the revision and image the next run starts.
      runningRevision: nextArn,
      image: image ?? null,
      digest: digestOf(image) ?? null,
      commit: commit ?? null,
      terraformRevision: descriptor.taskDefinitionArn,
      releasePointer: pointer ?? null,
      deploymentsInFlight: [],
      iacInSync: drift.length === 0,
      drift,
      identityFindings: identity,
      pointerMatchesRunning: pointer === image,
      summary: sentences.join(' '),
      outcome: 'ok',
      exitCode: EXIT.OK,
    },
  };
}
