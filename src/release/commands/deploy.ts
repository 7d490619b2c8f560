import type { Service } from '@aws-sdk/client-ecs';
import { describeRevision, type DescribedRevision } from '../describe';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refuseWhileBusy } from '../controller';
import { EXIT, usageError } from '../errors';
import { checkCredentialsChoice, resolveForDeploy } from '../private-source';
import type { PrivateRelease } from '../registry-image';
import { checkImageInput, checkRepository, digestOf, resolveDigest } from '../image';
import { fieldChanges, findContainer, registerable, releaseTags, renderDiff, withImage } from '../revision';
import { shipGroup, type PreparedShipment } from '../group';
import { environmentFor, servicesFor } from '../preflight';
import { shipScheduled } from '../scheduled';
import type { ConfiguredService } from '../services';
import { reportShipped, ship } from '../ship';
import { describeService, resolveTarget, revisionName, revisionNumber, type Target } from '../target';

export interface DeployOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** `--group`: every service of the release group gets the image. */
  readonly group?: string;
  readonly image: string;
  readonly commit?: string;
  readonly allowMutableTag?: boolean;
  /** `--registry-credentials`: a private-registry service's tag is resolved with its pull secret or the Docker store. */
  readonly registryCredentials?: string;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

const COMMIT = /^[\w.:/=+@-]{1,256}$/;

/**
 * `ecs-release deploy`: ship one image, pinned by digest, on top of the revision Terraform tracks, to one service or
 * to every service of a release group. Only the application container changes: sidecars keep the images
 * configuration gives them (there is no --container; a deploy that rebuilt a sidecar from Terraform's older revision
 * put the application back on an older image).
 * API calls per long-running service without polling: sts:GetCallerIdentity, ssm:GetParameter, ecs:DescribeServices,
 * ecr:DescribeImages, ecs:DescribeTaskDefinition (x2 when the running revision differs from Terraform's),
 * ecs:RegisterTaskDefinition, ssm:PutParameter, ecs:UpdateService, ecs:TagResource = 10 (+ sts:AssumeRole with
 * --role-arn). A scheduled service: no DescribeServices/UpdateService (src/release/scheduled.ts). A service with an
 * imageSource (issue 16): secretsmanager:GetSecretValue (none with the Docker store) instead of ecr:DescribeImages, and
 * the registry is asked twice (the tag before, the tag again after).
 */
export async function deploy(ctx: Context, opts: DeployOptions): Promise<CommandResult> {
  const out = new Reporter(ctx, !!opts.json);
  // Everything that can be checked without AWS is checked first: bad input never costs a call.
  const ref = checkImageInput(opts.image, !!opts.allowMutableTag);
  if (opts.commit !== undefined && !COMMIT.test(opts.commit)) {
    throw usageError('--commit', opts.commit, 'up to 256 letters, digits and _ . : / = + @ - (a commit id)');
  }
  const registryCredentials = checkCredentialsChoice(opts.registryCredentials);
  const env = environmentFor(ctx, opts.env);
  const members = servicesFor(env, 'deploy', opts);
  let groupPin: Promise<PrivateRelease> | undefined;
  const prepare = async (member: ConfiguredService): Promise<PreparedShipment> => {
    const report = opts.group === undefined ? out : out.forService(member.name);
    const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: member.name });
    if (!target.descriptor.imageSource) checkRepository(ref, opts.image, target.descriptor.repositoryUrl);
    const service = member.kind === 'scheduled' ? undefined : await describeService(ctx, target);
    if (service) await refuseWhileBusy(target, service);
    // A private registry (issue 16): pinned through the OCI API, and the tag read again before success is reported.
    // Pinned once for a whole group (its members share one source): every member ships the same digest.
    const pinned = target.descriptor.imageSource ? await (groupPin ??= resolveForDeploy(target, opts.image, { allowMutableTag: opts.allowMutableTag, registryCredentials }, ctx.registry)) : undefined;
    const image = pinned ? pinned.pinned.image : `${ref.repositoryUri}@${await resolveDigest(target, ref)}`;
    const request = { command: 'deploy', target, image, commit: opts.commit, dryRun: !!opts.dryRun, confirm: pinned?.confirm };
    return () => (service ? shipImage(ctx, report, { ...request, service, wait: opts }) : shipScheduled(ctx, report, request));
  };
  if (opts.group === undefined) return (await prepare(members[0]))();
  return shipGroup(out, { command: 'deploy', environment: env.name, group: opts.group, image: opts.image }, members, prepare);
}

export interface ShipImageRequest {
  readonly command: string;
  readonly target: Target;
  readonly service: Service;
  /** The image to run, pinned by digest (deploy, promote) or exactly as it runs now (rollout). */
  readonly image: string;
  readonly commit?: string;
  readonly dryRun: boolean;
  readonly wait: WaitFlags;
  /** Blue/green: continue at the approval hold instead of stopping there (rollback). */
  readonly autoApprove?: boolean;
  /** `rollout`: write nothing when the running revision already equals what would be registered. */
  readonly skipWhenUnchanged?: boolean;
  /** The running revision when the caller already described it (saves a call). */
  readonly running?: DescribedRevision;
  readonly extra?: Record<string, unknown>;
  /**
   * A private registry's tag read again once the deployment succeeded, before success is reported: a tag re-pushed
   * while the release ran is refused (exit 3, both digests named) instead of being reported as deployed.
   */
  readonly confirm?: () => Promise<void>;
}

// Where the other commands have always imported them from.
export { describeRevision, type DescribedRevision } from '../describe';

/**
 * Builds the new revision from the one Terraform tracks (so it carries the current IaC settings and the sidecars
 * configuration gives) with only the application container's image changed, shows the field-level diff against the running revision, and ships it unless dry-run.
 */
export async function shipImage(ctx: Context, report: Reporter, req: ShipImageRequest): Promise<CommandResult> {
  const { target, service } = req;
  const container = target.descriptor.container;
  const baseArn = target.descriptor.taskDefinitionArn;
  const base = await describeRevision(target, baseArn);
  findContainer(base.definition, container);
  const running = service.taskDefinition === baseArn ? base : (req.running ?? (await describeRevision(target, service.taskDefinition ?? baseArn)));

  const digest = digestOf(req.image);
  const input = withImage(registerable(base.definition), container, req.image);
  const tags = releaseTags(base.tags, digest, revisionNumber(baseArn), req.commit);
  const before = registerable(running.definition);
  const changes = fieldChanges(before, input);
  const previousImage = running.definition.containerDefinitions?.find((c) => c.name === container)?.image;

  const document: Record<string, unknown> = {
    command: req.command,
    environment: target.env.name,
    service: `${target.descriptor.cluster}/${target.descriptor.service}`,
    container: container,
    image: req.image,
    digest: digest ?? null,
    commit: req.commit ?? null,
    baseRevision: baseArn,
    previousRevision: service.taskDefinition,
    previousImage: previousImage ?? null,
    changes,
    ...req.extra,
  };

  report.info(`${req.command} ${req.image} to ${target.env.name} (${target.descriptor.cluster}/${target.descriptor.service}, container ${container})`);
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
    wait: { timeoutMs: req.wait.timeoutMs, pollMs: req.wait.pollMs, noWait: req.wait.noWait, autoApprove: req.autoApprove },
  });
  // Blue/green's hold (exit 5) reports the replacement tasks as what will run: the tag is confirmed there too.
  if (req.confirm && (shipped.exitCode === EXIT.OK || shipped.exitCode === EXIT.HOLDING)) await req.confirm();
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
