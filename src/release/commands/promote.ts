import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { refuseWhileBusy } from '../controller';
import { EXIT, ReleaseError, refusal, usageError } from '../errors';
import { digestOf, resolveDigest } from '../image';
import { TAG, tagValue } from '../revision';
import { describeService, resolveTarget, revisionName, type Target } from '../target';
import { describeRevision, shipImage } from './deploy';

export interface PromoteOptions extends WaitFlags {
  readonly from: string;
  readonly to: string;
  readonly fromRoleArn?: string;
  /** The source's `ecs-release status --json` document, produced by a job holding the source's credentials. */
  readonly fromStatus?: string;
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

  const source = opts.fromStatus !== undefined ? fromStatusFile(ctx, opts) : await fromSourceAccount(ctx, opts);
  const { digest, sourceArn, sourceImage } = source;
  report.info(`${opts.from} runs ${digest} (${revisionName(sourceArn)})${opts.fromStatus !== undefined ? ` according to ${opts.fromStatus}` : ''}`);

  const dest = await resolveTarget(ctx, opts.to, opts.toRoleArn, '--to', '--to-role-arn');
  if (dest.env.accountId === source.accountId) {
    throw usageError('--to', opts.to, `an environment in another account than ${opts.from} (${source.accountId})`);
  }
  const service = await describeService(ctx, dest);
  await refuseWhileBusy(dest, service);
  // The same digest must already be in the destination's own registry (replicated), or its tasks could not pull it.
  await requireReplicated(dest, digest, opts);
  return shipImage(ctx, report, {
    command: 'promote',
    target: dest,
    service,
    image: `${dest.descriptor.repositoryUrl}@${digest}`,
    container: dest.descriptor.container,
    commit: source.commit,
    dryRun: !!opts.dryRun,
    wait: opts,
    extra: { from: opts.from, sourceRevision: sourceArn, sourceImage },
  });
}

interface Source {
  readonly accountId: string;
  readonly digest: string;
  readonly sourceArn: string;
  readonly sourceImage: string;
  readonly commit?: string;
}

/** What runs in the source environment, read in the source account (its credentials or --from-role-arn). */
async function fromSourceAccount(ctx: Context, opts: PromoteOptions): Promise<Source> {
  const source = await resolveTarget(ctx, opts.from, opts.fromRoleArn, '--from', '--from-role-arn');
  const sourceService = await describeService(ctx, source);
  // While the source is still deploying, "what runs there" has two answers.
  await refuseWhileBusy(source, sourceService);
  const sourceArn = sourceService.taskDefinition ?? '';
  const sourceRevision = await describeRevision(source, sourceArn);
  const sourceImage = sourceRevision.definition.containerDefinitions?.find((c) => c.name === source.descriptor.container)?.image;
  const digest = digestOf(sourceImage);
  if (!digest || !sourceImage) {
    throw refusal('--from', `${opts.from}: ${sourceImage ?? 'no image'}`, 'an environment running an image pinned by digest (ship it with ecs-release deploy first)');
  }
  return { accountId: source.env.accountId, digest, sourceArn, sourceImage, commit: tagValue(sourceRevision.tags, TAG.commit) };
}

const statusDocument = z.object({
  command: z.literal('status'),
  environment: z.string(),
  runningRevision: z.string(),
  image: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  commit: z.string().nullable(),
  deploymentsInFlight: z.array(z.unknown()),
});

/**
 * What runs in the source environment according to its `ecs-release status --json` document: how a pipeline whose
 * prod job cannot read dev (each deploy role trusts only its own GitHub Environment) promotes dev's digest. The
 * document must name the --from environment, a digest, and no deployment in flight; the digest must exist in the
 * destination's own registry (checked next), so the file can only name bytes that were replicated there.
 */
function fromStatusFile(ctx: Context, opts: PromoteOptions): Source {
  const file = opts.fromStatus!;
  let doc: z.infer<typeof statusDocument>;
  try {
    const parsed = statusDocument.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw usageError('--from-status', file, `the JSON of \`ecs-release status --env ${opts.from} --json\` (${issue.path.join('.') || 'document'}: ${issue.message})`);
    }
    doc = parsed.data;
  } catch (e) {
    if ((e as Error).name === 'ReleaseError') throw e;
    throw usageError('--from-status', file, `a readable JSON file written by \`ecs-release status --env ${opts.from} --json\` (${(e as Error).message.split('\n')[0]})`);
  }
  if (doc.environment !== opts.from) throw usageError('--from-status', `${file}: environment ${doc.environment}`, `the status of --from (${opts.from})`);
  if (doc.deploymentsInFlight.length > 0) throw refusal('--from-status', `${file}: deployments in flight`, `a status taken while ${opts.from} ran one revision`);
  return { accountId: ctx.loadEnvironment(opts.from).accountId, digest: doc.digest, sourceArn: doc.runningRevision, sourceImage: doc.image, commit: doc.commit ?? undefined };
}

/**
 * The digest that runs in --from must have reached --to's registry through ECR replication. When it has not (yet),
 * the message says so with the whole digest (never cut: it is what the reader checks) and the exact command that
 * shows when it arrives; pushing it by hand would be wrong advice, replication keeps the digest, a rebuild does not.
 */
async function requireReplicated(dest: Target, digest: string, opts: PromoteOptions): Promise<void> {
  try {
    await resolveDigest(dest, { repositoryUri: dest.descriptor.repositoryUrl, digest }, '--to');
  } catch (e) {
    if (!(e instanceof ReleaseError) || e.exitCode !== EXIT.USAGE) throw e;
    throw new ReleaseError(EXIT.REFUSED, replicationPending(dest.descriptor.repositoryUrl, dest.env.region, digest, opts));
  }
}

/** The one-line refusal for a digest not yet replicated, with the aws CLI command that checks it. */
export function replicationPending(repositoryUrl: string, region: string, digest: string, opts: Pick<PromoteOptions, 'from' | 'to'>): string {
  const registryId = /^(\d{12})\./.exec(repositoryUrl)?.[1] ?? '';
  const repositoryName = repositoryUrl.slice(repositoryUrl.indexOf('/') + 1);
  const check = `aws ecr describe-images --registry-id ${registryId} --repository-name ${repositoryName} --image-ids imageDigest=${digest} --region ${region}`;
  return `${opts.to}: ${digest} (running in ${opts.from}) has not been replicated to ${repositoryUrl} yet; ECR replication copies it with the same digest, usually within minutes: check with \`${check}\` (run with ${opts.to}'s credentials), then promote again`;
}
