import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { refuseWhileBusy } from '../controller';
import { EXIT, ReleaseError, refusal, usageError } from '../errors';
import { digestOf, resolveDigest } from '../image';
import { TAG, tagValue } from '../revision';
import { describeService, resolveTarget, revisionName, type Target } from '../target';
import { shipGroup, type PreparedShipment } from '../group';
import { environmentFor, servicesFor } from '../preflight';
import { scheduledRevision, shipScheduled } from '../scheduled';
import type { ConfiguredService } from '../services';
import { checkCredentialsChoice, promotedPrivateImage } from '../private-source';
import { describeRevision, shipImage } from './deploy';

export interface PromoteOptions extends WaitFlags {
  readonly from: string;
  readonly to: string;
  /** `--service`: the service promoted (the same name in both environments). */
  readonly service?: string;
  /** `--group`: every service of the release group (in --to) gets the digest its namesake runs in --from. */
  readonly group?: string;
  readonly fromRoleArn?: string;
  /** The source's `ecs-release status --json` document, produced by a job holding the source's credentials. */
  readonly fromStatus?: string;
  readonly toRoleArn?: string;
  /** `--registry-credentials`: how the digest is looked up in a private registry --to pulls from. */
  readonly registryCredentials?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * `ecs-release promote`: deploy to one environment exactly the digest that runs in another (dev -> prod), for one
 * service or every service of a release group (each gets the digest its namesake runs in --from). The bytes reach
 * prod's registry by ECR replication with the digest unchanged; rebuilding from the same commit would not give the
 * same image. Each side is checked against its own account, usually through its own role.
 */
export async function promote(ctx: Context, opts: PromoteOptions): Promise<CommandResult> {
  const out = new Reporter(ctx, !!opts.json);
  if (opts.from === opts.to) throw usageError('--to', opts.to, `an environment other than --from (${opts.from})`);
  const registryCredentials = checkCredentialsChoice(opts.registryCredentials);
  const toEnv = environmentFor(ctx, opts.to, '--to');
  const members = servicesFor(toEnv, 'promote', opts);
  const statusFile = opts.fromStatus !== undefined ? readStatusFile(opts) : undefined;
  // Every member's document is checked before any call: a file that lacks one is bad input, not a half promotion.
  if (statusFile) for (const member of members) fromStatusDocument(ctx, opts, statusFile, member.name);

  const prepare = async (member: ConfiguredService): Promise<PreparedShipment> => {
    const report = opts.group === undefined ? out : out.forService(member.name);
    const source = statusFile ? fromStatusDocument(ctx, opts, statusFile, member.name) : await fromSourceAccount(ctx, opts, member.name);
    const { digest, sourceArn, sourceImage } = source;
    report.info(`${opts.from} ${member.name} runs ${digest} (${revisionName(sourceArn)})${opts.fromStatus !== undefined ? ` according to ${opts.fromStatus}` : ''}`);
    const dest = await resolveTarget(ctx, opts.to, opts.toRoleArn, { option: '--to', roleOption: '--to-role-arn', service: member.name });
    if (dest.env.accountId === source.accountId && dest.env.region === source.region) {
      throw usageError('--to', opts.to, `an environment with its own registry, not in ${opts.from}'s account and region (${source.accountId}/${source.region})`);
    }
    const service = member.kind === 'scheduled' ? undefined : await describeService(ctx, dest);
    if (service) await refuseWhileBusy(dest, service);
    // The same digest must already be in the destination's own registry (replicated), or its tasks could not pull it.
    let image = `${dest.descriptor.repositoryUrl}@${digest}`;
    if (dest.descriptor.imageSource) image = await promotedPrivateImage(dest, sourceImage, digest, registryCredentials, ctx.registry);
    else await requireReplicated(dest, digest, opts);
    const request = {
      command: 'promote',
      target: dest,
      image,
      commit: source.commit,
      dryRun: !!opts.dryRun,
      extra: { from: opts.from, sourceRevision: sourceArn, sourceImage },
    };
    return () => (service ? shipImage(ctx, report, { ...request, service, wait: opts }) : shipScheduled(ctx, report, request));
  };
  if (opts.group === undefined) return (await prepare(members[0]))();
  return shipGroup(out, { command: 'promote', environment: toEnv.name, group: opts.group }, members, prepare);
}

interface Source {
  readonly accountId: string;
  readonly region: string;
  readonly digest: string;
  readonly sourceArn: string;
  readonly sourceImage: string;
  readonly commit?: string;
}

/** What runs in the source environment, read in the source account (its credentials or --from-role-arn). */
async function fromSourceAccount(ctx: Context, opts: PromoteOptions, serviceName: string): Promise<Source> {
  const source = await resolveTarget(ctx, opts.from, opts.fromRoleArn, { option: '--from', roleOption: '--from-role-arn', service: serviceName });
  let sourceRevision;
  if (source.service.kind === 'scheduled') {
    // What its next run starts.
    sourceRevision = await scheduledRevision(source);
  } else {
    const sourceService = await describeService(ctx, source);
    // While the source is still deploying, "what runs there" has two answers.
    await refuseWhileBusy(source, sourceService);
    sourceRevision = await describeRevision(source, sourceService.taskDefinition ?? '');
  }
  const sourceArn = sourceRevision.definition.taskDefinitionArn ?? '';
  const sourceImage = sourceRevision.definition.containerDefinitions?.find((c) => c.name === source.descriptor.container)?.image;
  const digest = digestOf(sourceImage);
  if (!digest || !sourceImage) {
    throw refusal('--from', `${opts.from}: ${sourceImage ?? 'no image'}`, 'an environment running an image pinned by digest (ship it with ecs-release deploy first)');
  }
  return { accountId: source.env.accountId, region: source.env.region, digest, sourceArn, sourceImage, commit: tagValue(sourceRevision.tags, TAG.commit) };
}

const statusDocument = z.object({
  command: z.literal('status'),
  environment: z.string(),
  /** `cluster/service` of a long-running service, the name of a scheduled one; absent in one-service documents. */
  service: z.string().optional(),
  runningRevision: z.string(),
  image: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  commit: z.string().nullable(),
  deploymentsInFlight: z.array(z.unknown()),
});

/** `status --json` of one service, or of a release group (`status --group`: one document per member). */
const statusFileSchema = z.union([
  z.object({ command: z.literal('status'), environment: z.string(), group: z.string(), services: z.array(statusDocument) }),
  statusDocument,
]);

type StatusFile = z.infer<typeof statusFileSchema>;

/** Reads and checks the --from-status file once (every member of a group reads its own document from it). */
function readStatusFile(opts: PromoteOptions): StatusFile {
  const file = opts.fromStatus!;
  const writer = `ecs-release status --env ${opts.from} ${opts.group ? `--group ${opts.group}` : `--service ${opts.service ?? '<service>'}`} --json`;
  try {
    const parsed = statusFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw usageError('--from-status', file, `the JSON of \`${writer}\` (${issue.path.join('.') || 'document'}: ${issue.message})`);
    }
    return parsed.data;
  } catch (e) {
    if ((e as Error).name === 'ReleaseError') throw e;
    throw usageError('--from-status', file, `a readable JSON file written by \`${writer}\` (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * What runs in the source environment according to its `ecs-release status --json` document: how a pipeline whose
 * prod job cannot read dev (each deploy role trusts only its own GitHub Environment) promotes dev's digest. The
 * document must name the --from environment, the service, a digest, and no deployment in flight; the digest must
 * exist in the destination's own registry (checked next), so the file can only name bytes that were replicated there.
 */
function fromStatusDocument(ctx: Context, opts: PromoteOptions, file: StatusFile, serviceName: string): Source {
  const where = opts.fromStatus!;
  const named = (d: z.infer<typeof statusDocument>) => d.service === undefined || d.service === serviceName || d.service.endsWith(`/${serviceName}`);
  const doc = 'services' in file ? file.services.find(named) : named(file) ? file : undefined;
  if (file.environment !== opts.from) throw usageError('--from-status', `${where}: environment ${file.environment}`, `the status of --from (${opts.from})`);
  if (!doc) {
    const has = 'services' in file ? file.services.map((d) => d.service ?? '?').join(', ') : file.service ?? '?';
    throw usageError('--from-status', `${where}: ${has}`, `a status of service ${serviceName} of ${opts.from} (\`ecs-release status --env ${opts.from} --service ${serviceName} --json\`, or --group)`);
  }
  if (doc.deploymentsInFlight.length > 0) throw refusal('--from-status', `${where}: deployments in flight`, `a status taken while ${opts.from} ran one revision`);
  const from = ctx.loadEnvironment(opts.from);
  return { accountId: from.accountId, region: from.region, digest: doc.digest, sourceArn: doc.runningRevision, sourceImage: doc.image, commit: doc.commit ?? undefined };
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
