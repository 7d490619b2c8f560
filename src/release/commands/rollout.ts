import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refuseWhileBusy } from '../controller';
import { EXIT, ReleaseError } from '../errors';
import { findContainer, TAG, tagValue } from '../revision';
import { describeService, resolveTarget, revisionName } from '../target';
import { describeRevision, shipImage } from './deploy';

export interface RolloutOptions extends WaitFlags {
  readonly env: string;
  readonly container?: string;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release rollout`: the last step of the apply workflow. An apply never touches what the service runs (the
 * service ignores task_definition); this ships Terraform's current settings with the image the service runs now, as
 * a new revision built exactly like a deploy's. It writes nothing when the running revision already matches.
 */
export async function rollout(ctx: Context, opts: RolloutOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn);
  const service = await describeService(ctx, target);
  await refuseWhileBusy(target, service);
  const container = opts.container ?? target.descriptor.container;
  const running = await describeRevision(target, service.taskDefinition ?? target.descriptor.taskDefinitionArn);
  const image = findContainer(running.definition, container).image;
  if (!image) throw new ReleaseError(EXIT.REFUSED, `container ${container} of ${revisionName(service.taskDefinition)} has no image`);
  return shipImage(ctx, report, {
    command: 'rollout',
    target,
    service,
    image,
    container,
    commit: tagValue(running.tags, TAG.commit),
    running,
    dryRun: !!opts.dryRun,
    wait: opts,
    skipWhenUnchanged: true,
  });
}
