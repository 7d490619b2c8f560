import { RegisterTaskDefinitionCommand, TagResourceCommand, type Service, type Tag } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Context, Reporter } from './context';
import { controllerFor } from './controller';
import { EXIT, ReleaseError } from './errors';
import { ownedByRelease, TAG, type RevisionInput } from './revision';
import { revisionName, type Target } from './target';
import { waitForDeployment, type Outcome, type WaitOptions } from './wait';
import { targetFlags } from './services';

export interface ShipRequest {
  readonly target: Target;
  /** The service as described before any write (its deployments identify the new one). */
  readonly before: Service;
  /** Register this revision first, or ship `revisionArn` as it is (rollback). */
  readonly register?: { input: RevisionInput; tags: Tag[] };
  readonly revisionArn?: string;
  /** Tags of `revisionArn` (rollback): whether ecs-release owns it decides whether it is marked deployed. */
  readonly revisionTags?: Tag[];
  /** The image (by digest) the service will run: written to the release pointer Terraform reads back. */
  readonly image: string;
  /** The image the service ran before, restored into the pointer when the service ends up running it again. */
  readonly previousImage?: string;
  readonly wait: ShipWaitOptions;
}

export interface ShipWaitOptions extends WaitOptions {
  /** Blue/green: continue the deployment at the approval hold instead of stopping there (rollback). */
  readonly autoApprove?: boolean;
}

export interface ShipResult {
  readonly outcome: Outcome;
  readonly exitCode: number;
  readonly message: string;
  readonly revisionArn: string;
  readonly deploymentId: string;
  readonly events: { at?: string; message?: string }[];
  /** What the release pointer names afterwards. */
  readonly pointer: string;
  /** The pointer was set back to the previous image (the deployment did not leave the new one running). */
  readonly pointerRestored: boolean;
}

const EXIT_FOR: Record<Outcome, number> = {
  completed: EXIT.OK,
  started: EXIT.OK,
  holding: EXIT.HOLDING,
  'rolled-back': EXIT.FAILED,
  failed: EXIT.FAILED,
  timeout: EXIT.TIMEOUT,
  interrupted: EXIT.INTERRUPTED,
};

/**
 * One deployment ecs-release started (deploy, rollout, rollback, promote) or continues (approve): what its end
 * changes besides the service.
 */
export interface Shipment {
  readonly target: Target;
  readonly revisionArn: string;
  /** ecs-release registered the revision (its owner tag): only such revisions are ever marked deployed. */
  readonly owned: boolean;
  /** The image the release pointer names while the deployment runs (the shipped one). */
  readonly image: string;
  /** The revision the service ran before the deployment, and its image. */
  readonly previousRevision?: string;
  readonly previousImage?: string;
}

export interface Ending {
  readonly outcome: Outcome;
  readonly message: string;
  readonly deploymentId: string;
  readonly events: ShipResult['events'];
  /** The revision the service runs once the deployment ended (undefined when unknown or not ended). */
  readonly nowRunning?: string;
}

/**
 * The one place that settles how a deployment ended, for every command that follows one to its end: a completed
 * rollout marks an ecs-release revision `ecs-release:deployed-at` (what rollback looks for; Terraform's revision is
 * never tagged, the tag would show as drift in `terraform plan`); a deployment that left the service on its previous
 * revision (rolled back, or stopped before the traffic moved) sets the release pointer back to the previous image, so
 * the next apply does not build on an image that is not live.
 */
export async function deploymentEnded(ctx: Context, report: Reporter, shipment: Shipment, ending: Ending): Promise<ShipResult> {
  const { target, revisionArn } = shipment;
  const { ssm } = target.clients;
  let pointer = shipment.image;
  let pointerRestored = false;
  if (ending.outcome === 'completed') {
    if (shipment.owned) {
      await markDeployed(ctx, target, revisionArn);
    } else {
      report.info(`${revisionName(revisionArn)} was not registered by ecs-release: not tagged ${TAG.deployed} (rollback reaches it with --to)`);
    }
  } else if ((ending.outcome === 'rolled-back' || ending.outcome === 'failed') && ending.nowRunning !== revisionArn) {
    if (shipment.previousImage && ending.nowRunning !== undefined && ending.nowRunning === shipment.previousRevision) {
      if (shipment.previousImage !== pointer) {
        await ssm.send(new PutParameterCommand({ Name: target.descriptor.releaseParameter, Value: shipment.previousImage, Overwrite: true }));
        pointer = shipment.previousImage;
        pointerRestored = true;
        report.info(`release pointer restored to ${shipment.previousImage}`);
      }
    } else {
      report.info(`warning: the service now runs ${revisionName(ending.nowRunning)}; release pointer left at ${pointer} (check with ecs-release status)`);
    }
  }
  return { outcome: ending.outcome, exitCode: EXIT_FOR[ending.outcome], message: ending.message, revisionArn, deploymentId: ending.deploymentId, events: ending.events, pointer, pointerRestored };
}

/**
 * Tags a revision ecs-release registered `ecs-release:deployed-at` (what rollback looks for): the one TagResource the
 * deploy role allows after registration (modules/web-service.ts MarkOwnRevisionsDeployed).
 */
export async function markDeployed(ctx: Context, target: Target, revisionArn: string): Promise<void> {
  await target.clients.ecs.send(new TagResourceCommand({ resourceArn: revisionArn, tags: [{ key: TAG.deployed, value: new Date(ctx.now()).toISOString() }] }));
}

/**
 * The write half of deploy/rollout/rollback/promote, in the order that keeps Terraform and ECS consistent:
 * register the revision, point the release pointer at its image (so an `apply` from now on carries it), update the
 * service, then wait for that deployment. Nothing is ever deregistered: Terraform's revision and the previous ones
 * stay, rollback and Terraform depend on them.
 */
export async function ship(ctx: Context, report: Reporter, req: ShipRequest): Promise<ShipResult> {
  const { target } = req;
  const { ecs, ssm } = target.clients;
  const { releaseParameter } = target.descriptor;

  // Before any write: the controller ECS reports decides how to ship, and must be the one the descriptor implies.
  const controller = controllerFor(target, req.before);
  if (ctx.signal.aborted) throw new ReleaseError(EXIT.INTERRUPTED, 'interrupted before any write: nothing changed');
  let revisionArn = req.revisionArn;
  if (req.register) {
    const r = await ecs.send(new RegisterTaskDefinitionCommand({ ...req.register.input, tags: req.register.tags }));
    revisionArn = r.taskDefinition?.taskDefinitionArn;
    if (!revisionArn) throw new Error('ecs:RegisterTaskDefinition returned no ARN');
    report.info(`registered ${revisionName(revisionArn)}`);
  }
  if (!revisionArn) throw new Error('ship: nothing to deploy');

  await ssm.send(new PutParameterCommand({ Name: releaseParameter, Value: req.image, Overwrite: true }));
  const shipment: Shipment = {
    target,
    revisionArn,
    owned: ownedByRelease(req.register ? req.register.tags : req.revisionTags),
    image: req.image,
    previousRevision: req.before.taskDefinition,
    previousImage: req.previousImage,
  };
  /** The deployment did not start: the pointer must not keep naming an image that never went live. */
  const undoPointer = async (e: unknown): Promise<never> => {
    if (req.previousImage && req.previousImage !== req.image) {
      try {
        await ssm.send(new PutParameterCommand({ Name: releaseParameter, Value: req.previousImage, Overwrite: true }));
        report.info(`the deployment did not start: release pointer restored to ${req.previousImage}`);
      } catch (restoreError) {
        report.info(`warning: the deployment did not start and the release pointer could not be restored to ${req.previousImage} (${(restoreError as Error).name}); it names ${req.image}`);
      }
    }
    throw e;
  };
  const started = await controller.start(ctx, report, revisionArn, req.image, req.before, undoPointer);
  if (req.wait.noWait) {
    return deploymentEnded(ctx, report, shipment, { outcome: 'started', message: `${started.label} ${started.id} started; follow it with: ecs-release status ${targetFlags(target)}`, deploymentId: started.id, events: [] });
  }
  const followed = await controller.follow(ctx, report, started, revisionArn, req.wait);
  return deploymentEnded(ctx, report, shipment, { outcome: followed.outcome, message: followed.message, deploymentId: started.id, events: followed.events, nowRunning: followed.nowRunning });
}

/** Waits for a rolling deployment of the shipment's revision and reports how it ended (deploy, restart, wait). */
export async function followDeployment(ctx: Context, report: Reporter, shipment: Shipment, deploymentId: string, service: Service, options: WaitOptions): Promise<ShipResult> {
  const waited = await waitForDeployment(ctx, shipment.target, report, deploymentId, shipment.revisionArn, service, options);
  return deploymentEnded(ctx, report, shipment, {
    outcome: waited.outcome,
    message: waited.message,
    deploymentId,
    events: waited.events.map((e) => ({ at: e.createdAt?.toISOString(), message: e.message })),
    nowRunning: waited.service.taskDefinition,
  });
}

/** Prints how a shipped deployment ended: on failure, the service events that explain why. */
export function reportShipped(report: Reporter, result: ShipResult): void {
  if (result.outcome === 'completed' || result.outcome === 'started' || result.outcome === 'holding') {
    report.info(result.message);
    return;
  }
  report.progress(`ecs-release: ${result.message}`);
  if (result.events.length > 0 && result.outcome !== 'interrupted') {
    report.progress('service events since the deployment started:');
    for (const e of result.events) report.progress(`  ${e.at ?? ''} ${e.message ?? ''}`);
  }
}
