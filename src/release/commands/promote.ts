import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refusal, usageError } from '../errors';
import { digestOf, resolveDigest } from '../image';
import { TAG, tagValue } from '../revision';
import { describeService, refuseBlueGreen, refuseWhileInFlight, resolveTarget, revisionName } from '../target';
import { describeRevision, shipImage } from './deploy';

export interface PromoteOptions extends WaitFlags {
  readonly from: string;
  readonly to: string;
  readonly fromRoleArn?: string;
  readonly toRoleArn?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * `ecs-release promote`: deploy to one environment exactly the digest that runs in another (dev -> prod). The bytes
 * reach prod's registry by ECR replication with the digest unchanged; rebuilding from the same commit would not give
 * the same image. Each side is checked against its own account, usually through its own role.
 */
export async function promote(ctx: Context, opts: PromoteOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  if (opts.from === opts.to) throw usageError('--to', opts.to, `an environment other than --from (${opts.from})`);

  const source = await resolveTarget(ctx, opts.from, opts.fromRoleArn, '--from', '--from-role-arn');
  const sourceService = await describeService(ctx, source);
  // While the source is still deploying, "what runs there" has two answers.
  refuseWhileInFlight(sourceService);
  const sourceArn = sourceService.taskDefinition ?? '';
  const sourceRevision = await describeRevision(source, sourceArn);
  const sourceImage = sourceRevision.definition.containerDefinitions?.find((c) => c.name === source.descriptor.container)?.image;
  const digest = digestOf(sourceImage);
  if (!digest) {
    throw refusal('--from', `${opts.from}: ${sourceImage ?? 'no image'}`, 'an environment running an image pinned by digest (ship it with ecs-release deploy first)');
  }
  report.info(`${opts.from} runs ${digest} (${revisionName(sourceArn)})`);

  const dest = await resolveTarget(ctx, opts.to, opts.toRoleArn, '--to', '--to-role-arn');
  refuseBlueGreen(dest);
  if (dest.env.accountId === source.env.accountId) {
    throw usageError('--to', opts.to, `an environment in another account than ${opts.from} (${source.env.accountId})`);
  }
  const service = await describeService(ctx, dest);
  refuseWhileInFlight(service);
  // The same digest must already be in the destination's own registry (replicated), or its tasks could not pull it.
  await resolveDigest(dest, { repositoryUri: dest.descriptor.repositoryUrl, digest }, '--from');
  return shipImage(ctx, report, {
    command: 'promote',
    target: dest,
    service,
    image: `${dest.descriptor.repositoryUrl}@${digest}`,
    container: dest.descriptor.container,
    commit: tagValue(sourceRevision.tags, TAG.commit),
    dryRun: !!opts.dryRun,
    wait: opts,
    extra: { from: opts.from, sourceRevision: sourceArn, sourceImage },
  });
}
