import { ClientException, paginateListTaskDefinitions, type Service } from '@aws-sdk/client-ecs';
import * as cd from '../codedeploy';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { controllerFor } from '../controller';
import { EXIT, ReleaseError, refusal, usageError } from '../errors';
import { digestOf } from '../image';
import { fieldChanges, parseRevision, registerable, renderDiff, sidecarDifferences, TAG, tagValue } from '../revision';
import { deploymentEnded, reportShipped, ship, type Shipment } from '../ship';
import { describeService, resolveTarget, revisionName, revisionNumber, type Target } from '../target';
import { describeRevision, type DescribedRevision } from '../describe';
import { shipGroup, type PreparedShipment } from '../group';
import { environmentFor, servicesFor } from '../preflight';
import { scheduledRevision, shipScheduled } from '../scheduled';
import type { ConfiguredService } from '../services';
import { shipImage } from './deploy';

export interface RollbackOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** `--group`: every service of the release group goes back to its previous image. */
  readonly group?: string;
  /** A revision number, `family:revision` or a task-definition ARN. */
  readonly to?: string;
  readonly dryRun?: boolean;
  /** Accept a revision that runs the bootstrap image (or any image outside the environment's repository). */
  readonly allowBootstrap?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/** How far back `rollback` looks for a revision whose rollout completed. */
const MAX_CANDIDATES = 25;

/**
 * `ecs-release rollback`: ship an earlier revision as it is (settings and image). Without --to, the newest revision
 * older than the running one whose rollout ecs-release saw complete (tag `ecs-release:deployed-at`). The release
 * pointer follows, so a later apply carries the rolled-back image. With --group, every member goes back to its own
 * previous different image (each checked before any write).
 *
 * A sidecar's image comes only from configuration: when the earlier revision's sidecars differ from Terraform's
 * revision (a sidecar changed since), or the service is scheduled (its next run takes the family's latest revision),
 * rollback registers Terraform's revision with the earlier application image instead, as a deploy would.
 */
export async function rollback(ctx: Context, opts: RollbackOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const env = environmentFor(ctx, opts.env);
  const members = servicesFor(env, 'rollback', opts);
  const prepare = (member: ConfiguredService) => prepareRollback(ctx, opts.group === undefined ? report : report.forService(member.name), opts, member.name);
  if (opts.group === undefined) return (await prepare(members[0]))();
  return shipGroup(report, { command: 'rollback', environment: env.name, group: opts.group }, members, prepare);
}

/** The reads and refusals of one service's rollback; hands back its write phase. */
async function prepareRollback(ctx: Context, report: Reporter, opts: RollbackOptions, serviceName: string): Promise<PreparedShipment> {
  const wanted = opts.to === undefined ? undefined : parseRevision(opts.to);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: serviceName });
  const { family, container } = target.descriptor;
  if (wanted?.family && wanted.family !== family) {
    throw usageError('--to', opts.to, `a revision of family ${family} (a number such as 12, ${family}:12 or its ARN)`);
  }
  const scheduled = target.service.kind === 'scheduled';
  const service = scheduled ? undefined : await describeService(ctx, target);
  if (service) {
    const controller = controllerFor(target, service);
    if (controller.kind === 'CODE_DEPLOY' && !wanted && (await cd.codeDeployInFlight(target)).length > 0) {
      // A blue/green deployment under way is undone by CodeDeploy itself: traffic goes back to the original task set.
      // The stop is this member's write phase (a group checks every member before anything is written).
      return async () => (await stopInFlightBlueGreen(ctx, report, target, service, opts)) ?? controller.refuseWhileBusy(service).then(() => ({ exitCode: EXIT.OK, document: { outcome: 'unchanged' } }));
    }
    await controller.refuseWhileBusy(service);
  }
  const runningNow = scheduled ? await scheduledRevision(target) : undefined;
  const currentArn = runningNow?.definition.taskDefinitionArn ?? service?.taskDefinition ?? '';
  const current = revisionNumber(currentArn);
  let chosen: DescribedRevision | undefined;
  let running: DescribedRevision | undefined = runningNow;
  const skippedSameImage: number[] = [];
  if (wanted) {
    if (wanted.revision === current) throw refusal('--to', opts.to, `a revision other than the running one (${revisionName(currentArn)})`);
    try {
      chosen = await describeRevision(target, `${family}:${wanted.revision}`);
    } catch (e) {
      if (e instanceof ClientException || (e as Error).name === 'ClientException') {
        throw usageError('--to', opts.to, `an existing revision of ${family}`);
      }
      throw e;
    }
  } else {
    const older: number[] = [];
    for await (const page of paginateListTaskDefinitions({ client: target.clients.ecs }, { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' })) {
      for (const arn of page.taskDefinitionArns ?? []) if (revisionNumber(arn) < current) older.push(revisionNumber(arn));
    }
    older.sort((a, b) => b - a);
    running ??= await describeRevision(target, currentArn);
    const runningImage = imageOf(running.definition, container);
    for (const revision of older.slice(0, MAX_CANDIDATES)) {
      const candidate = await describeRevision(target, `${family}:${revision}`);
      if (!tagValue(candidate.tags, TAG.deployed)) continue;
      // Two deploys of the same image leave two deployed revisions with one digest: going back to the other one
      // would change nothing a user asked to undo. Rollback means the previous different image.
      if (sameImage(imageOf(candidate.definition, container), runningImage)) {
        skippedSameImage.push(revision);
        continue;
      }
      chosen = candidate;
      break;
    }
    if (!chosen) {
      const same = skippedSameImage.length > 0 ? `; ${skippedSameImage.map((n) => `${family}:${n}`).join(', ')} run the same image as now` : '';
      throw refusal('rollback', revisionName(currentArn), `an earlier revision whose rollout completed with a different image (none among the last ${MAX_CANDIDATES}${same}; name one with --to)`);
    }
  }

  const chosenArn = chosen.definition.taskDefinitionArn ?? '';
  const image = chosen.definition.containerDefinitions?.find((c) => c.name === container)?.image;
  if (!image) throw new ReleaseError(EXIT.USAGE, `--to: ${revisionName(chosenArn)} has no container ${container}; allowed: a revision of this service`);
  const bootstrap = isBootstrapImage(image, target.descriptor.repositoryUrl, target.service.bootstrapImage);
  if (bootstrap && !opts.allowBootstrap) {
    throw refusal('--to', opts.to ?? revisionName(chosenArn), `a revision running an image of ${target.descriptor.repositoryUrl}: ${revisionName(chosenArn)} runs the bootstrap image ${image}, a placeholder, not the application (--allow-bootstrap to ship it anyway)`);
  }
  running ??= await describeRevision(target, currentArn);
  const before = registerable(running.definition);
  const after = registerable(chosen.definition);
  const document: Record<string, unknown> = {
    command: 'rollback',
    environment: target.env.name,
    service: `${target.descriptor.cluster}/${target.descriptor.service}`,
    previousRevision: currentArn,
    revision: chosenArn,
    image,
    digest: digestOf(image) ?? null,
    changes: fieldChanges(before, after),
    skippedSameImage: skippedSameImage.map((n) => `${family}:${n}`),
    bootstrapImage: bootstrap,
  };
  const terraform = chosenArn === target.descriptor.taskDefinitionArn ? chosen : await describeRevision(target, target.descriptor.taskDefinitionArn);
  const sidecars = sidecarDifferences(chosen.definition, terraform.definition, container);
  report.info(`rollback ${target.env.name}${target.service.name ? ` ${target.service.name}` : ''}: ${revisionName(currentArn)} -> ${revisionName(chosenArn)} (image ${image})`);
  if (skippedSameImage.length > 0) {
    report.info(`skipped ${skippedSameImage.map((n) => `${family}:${n}`).join(', ')}: same image as the running revision; rolling back to the previous different image`);
  }
  if (bootstrap) report.info(`warning: ${revisionName(chosenArn)} runs the bootstrap image ${image}, not an application image (--allow-bootstrap given)`);
  const extra = { rolledBackTo: chosenArn, skippedSameImage: document.skippedSameImage, bootstrapImage: bootstrap, sidecarDifferences: sidecars };
  const commit = tagValue(chosen.tags, TAG.commit);
  if (scheduled) {
    return () => shipScheduled(ctx, report, { command: 'rollback', target, image, commit, current: running, dryRun: !!opts.dryRun, extra });
  }
  if (sidecars.length > 0) {
    // Shipping the earlier revision as it is would put these sidecars back on images configuration no longer declares.
    report.info(`${revisionName(chosenArn)} differs from Terraform's ${revisionName(terraform.definition.taskDefinitionArn)} in sidecar(s) ${sidecars.map((d) => `${d.container} (${d.shipped ?? 'absent'} -> ${d.configured ?? 'absent'})`).join(', ')}: registering Terraform's revision with the earlier application image instead`);
    return () => shipImage(ctx, report, { command: 'rollback', target, service: service!, image, commit, running, dryRun: !!opts.dryRun, wait: opts, autoApprove: true, extra });
  }
  const diff = renderDiff(before, after);
  if (diff) report.info(`changes against the running revision:\n${diff}`);
  if (opts.dryRun) {
    report.info('dry run: nothing updated');
    return async () => ({ exitCode: 0, document: { ...document, outcome: 'dry-run', exitCode: 0 } });
  }

  return async () => {
    const shipped = await ship(ctx, report, {
      target,
      before: service!,
      revisionArn: chosenArn,
      revisionTags: chosen.tags,
      image,
      previousImage: running!.definition.containerDefinitions?.find((c) => c.name === container)?.image,
      // Blue/green: going back is one action, so the approval hold is passed without asking (CodeDeploy still starts
      // the old revision beside the live one and shifts traffic as configured).
      wait: { timeoutMs: opts.timeoutMs, pollMs: opts.pollMs, noWait: opts.noWait, autoApprove: true },
    });
    reportShipped(report, shipped);
    return {
      exitCode: shipped.exitCode,
      document: { ...document, outcome: shipped.outcome, exitCode: shipped.exitCode, message: shipped.message, deploymentId: shipped.deploymentId, releasePointer: shipped.pointer, events: shipped.events },
    };
  };
}

function imageOf(definition: { containerDefinitions?: { name?: string; image?: string }[] }, container: string): string | undefined {
  return definition.containerDefinitions?.find((c) => c.name === container)?.image;
}

/** Same bytes: equal digests when both are pinned, else equal references. */
export function sameImage(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const da = digestOf(a);
  const db = digestOf(b);
  return da && db ? da === db : a === b;
}

/**
 * The bootstrap image is the placeholder Terraform's first revision runs before any release (configuration
 * `service.bootstrapImage`); any image outside the environment's repository is one too (no release ships those).
 */
export function isBootstrapImage(image: string, repositoryUrl: string, bootstrapImage: string | undefined): boolean {
  return image === bootstrapImage || !(image.startsWith(`${repositoryUrl}:`) || image.startsWith(`${repositoryUrl}@`));
}

// Where callers have always imported it from.
export { parseRevision } from '../revision';

/**
 * Blue/green: when a CodeDeploy deployment is in flight (installing, holding for approval, shifting), stop it with
 * rollback and wait until CodeDeploy says traffic is back (following its rollback deployment, when it makes one).
 * Undefined when nothing is in flight (then rollback redeploys an earlier revision through CodeDeploy, like a deploy).
 */
async function stopInFlightBlueGreen(ctx: Context, report: Reporter, target: Target, service: Service, opts: RollbackOptions): Promise<CommandResult | undefined> {
  const inFlight = await cd.codeDeployInFlight(target);
  if (inFlight.length === 0) return undefined;
  const deploymentId = inFlight[0];
  const document = { command: 'rollback', environment: target.env.name, deploymentId, stopped: true };
  if (opts.dryRun) {
    report.info(`dry run: would stop CodeDeploy deployment ${deploymentId} with rollback`);
    return { exitCode: 0, document: { ...document, outcome: 'dry-run', exitCode: 0 } };
  }
  // Until CodeDeploy makes the replacement primary, the service names the revision production ran before.
  const previousRevision = service.taskDefinition ?? target.descriptor.taskDefinitionArn;
  const previous = await describeRevision(target, previousRevision);
  await cd.stopWithRollback(target, deploymentId);
  report.info(`stopping CodeDeploy deployment ${deploymentId} with rollback: production traffic returns to the original tasks`);
  const waited = await cd.waitForCodeDeploy(ctx, target, report, deploymentId, { ...opts, throughApproval: true });
  // For a rollback the stop is the success: the deployment ended and traffic is back where it was.
  const done = waited.outcome === 'rolled-back' || (waited.outcome === 'failed' && waited.deployment?.status === 'Stopped' && !waited.deployment.rollbackInfo?.rollbackDeploymentId);
  const exitCode = done ? EXIT.OK : waited.outcome === 'timeout' ? EXIT.TIMEOUT : waited.outcome === 'interrupted' ? EXIT.INTERRUPTED : EXIT.FAILED;
  let message = done ? `CodeDeploy deployment ${deploymentId} stopped and rolled back` : waited.message;
  let pointer: string | undefined;
  if (done || waited.outcome === 'failed') {
    // The deploy that started it pointed the release pointer at its image: the shared end handler points it back at
    // what runs again (Terraform's next apply must not build on the image that was stopped).
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const pointerNow = (await target.clients.ssm.send(new GetParameterCommand({ Name: target.descriptor.releaseParameter }))).Parameter?.Value ?? '';
    const shipment: Shipment = {
      target,
      revisionArn: cd.deployedRevisionOf(target, waited.deployment) ?? '',
      // Never tagged: this deployment did not complete.
      owned: false,
      image: pointerNow,
      previousRevision,
      previousImage: previous.definition.containerDefinitions?.find((c) => c.name === target.descriptor.container)?.image,
    };
    const nowRunning = (await describeService(ctx, target)).taskDefinition;
    const ended = await deploymentEnded(ctx, report, shipment, { outcome: done ? 'rolled-back' : 'failed', message, deploymentId, events: waited.events, nowRunning });
    pointer = ended.pointer;
    if (ended.pointerRestored) message += `; release pointer restored to ${ended.pointer}`;
  }
  if (done) report.info(message);
  else report.progress(`ecs-release: ${message}`);
  return { exitCode, document: { ...document, outcome: done ? 'rolled-back' : waited.outcome, exitCode, message, ...(pointer ? { releasePointer: pointer } : {}), events: waited.events } };
}
