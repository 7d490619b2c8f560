import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refuseWhileBusy } from '../controller';
import { EXIT, ReleaseError } from '../errors';
import { findContainer, TAG, tagValue } from '../revision';
import { describeService, resolveTarget, revisionName } from '../target';
import { scheduledRevision, shipScheduled } from '../scheduled';
import { shipGroup, type PreparedShipment } from '../group';
import { environmentFor, servicesFor } from '../preflight';
import type { ConfiguredService } from '../services';
import { describeRevision, shipImage } from './deploy';

export interface RolloutOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** `--group`: every service of the release group. */
  readonly group?: string;
  /** `--all`: every service of the environment (the apply workflow). */
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release rollout`: the last step of the apply workflow. An apply never touches what the service runs (the
 * service ignores task_definition); this ships Terraform's current settings with the image the service runs now, as
 * a new revision built exactly like a deploy's. It writes nothing when the running revision already matches. `--all`
 * (the apply workflow) does so for every service of the environment, each checked before any is written.
 */
export async function rollout(ctx: Context, opts: RolloutOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const env = environmentFor(ctx, opts.env);
  const members = servicesFor(env, 'rollout', opts);
  const prepare = (member: ConfiguredService) => prepareRollout(ctx, opts.group === undefined && !opts.all ? report : report.forService(member.name), opts, member.name);
  if (opts.group === undefined && !opts.all) return (await prepare(members[0]))();
  return shipGroup(report, { command: 'rollout', environment: env.name, group: opts.group ?? 'all' }, members, prepare);
}

async function prepareRollout(ctx: Context, report: Reporter, opts: RolloutOptions, serviceName: string): Promise<PreparedShipment> {
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: serviceName });
  if (target.service.kind === 'scheduled') {
    // The next run's revision carries the released image; Terraform's settings ship with it.
    const current = await scheduledRevision(target);
    const image = findContainer(current.definition, target.descriptor.container).image;
    if (!image) throw new ReleaseError(EXIT.REFUSED, `container ${target.descriptor.container} of ${revisionName(current.definition.taskDefinitionArn)} has no image`);
    return () => shipScheduled(ctx, report, { command: 'rollout', target, image, commit: tagValue(current.tags, TAG.commit), current, dryRun: !!opts.dryRun, skipWhenUnchanged: true });
  }
  const service = await describeService(ctx, target);
  await refuseWhileBusy(target, service);
  // Only the application container keeps its running image; sidecars take Terraform's (configuration's) images.
  const container = target.descriptor.container;
  const running = await describeRevision(target, service.taskDefinition ?? target.descriptor.taskDefinitionArn);
  const image = findContainer(running.definition, container).image;
  if (!image) throw new ReleaseError(EXIT.REFUSED, `container ${container} of ${revisionName(service.taskDefinition)} has no image`);
  return () =>
    shipImage(ctx, report, {
      command: 'rollout',
      target,
      service,
      image,
      commit: tagValue(running.tags, TAG.commit),
      running,
      dryRun: !!opts.dryRun,
      wait: opts,
      skipWhenUnchanged: true,
    });
}
