import { RegisterTaskDefinitionCommand, TagResourceCommand, UpdateServiceCommand, type Service, type Tag } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Context, Reporter } from './context';
import { EXIT, ReleaseError } from './errors';
import { TAG, type RevisionInput } from './revision';
import { revisionName, type Target } from './target';
import { waitForDeployment, type Outcome, type WaitOptions } from './wait';

export interface ShipRequest {
  readonly target: Target;
  /** The service as described before any write (its deployments identify the new one). */
  readonly before: Service;
  /** Register this revision first, or ship `revisionArn` as it is (rollback). */
  readonly register?: { input: RevisionInput; tags: Tag[] };
  readonly revisionArn?: string;
  /** The image (by digest) the service will run: written to the release pointer Terraform reads back. */
  readonly image: string;
  /** The image the service ran before, restored into the pointer when ECS rolls the deployment back. */
  readonly previousImage?: string;
  readonly wait: WaitOptions;
}

export interface ShipResult {
  readonly outcome: Outcome;
  readonly exitCode: number;
  readonly message: string;
  readonly revisionArn: string;
  readonly deploymentId: string;
  readonly events: { at?: string; message?: string }[];
  readonly pointer: string;
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
 * The write half of deploy/rollout/rollback/promote, in the order that keeps Terraform and ECS consistent:
 * register the revision, point the release pointer at its image (so an `apply` from now on carries it), update the
 * service, then wait for that deployment. Nothing is ever deregistered: Terraform's revision and the previous ones
 * stay, rollback and Terraform depend on them.
 */
export async function ship(ctx: Context, report: Reporter, req: ShipRequest): Promise<ShipResult> {
  const { target } = req;
  const { ecs, ssm } = target.clients;
  const { cluster, service, releaseParameter } = target.descriptor;

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
  let pointer = req.image;

  const ended = async (outcome: Outcome, message: string, deploymentId: string, events: ShipResult['events'], nowRunning: string | undefined): Promise<ShipResult> => {
    if (outcome === 'completed') {
      await ecs.send(new TagResourceCommand({ resourceArn: revisionArn!, tags: [{ key: TAG.deployed, value: new Date(ctx.now()).toISOString() }] }));
    } else if ((outcome === 'rolled-back' || outcome === 'failed') && nowRunning !== revisionArn) {
      // The service went back to the previous revision: point Terraform back at what really runs, or the next apply
      // would carry the image that just failed.
      if (req.previousImage && nowRunning === req.before.taskDefinition) {
        await ssm.send(new PutParameterCommand({ Name: releaseParameter, Value: req.previousImage, Overwrite: true }));
        pointer = req.previousImage;
        report.info(`release pointer restored to ${req.previousImage}`);
      } else {
        report.info(`warning: the service now runs ${revisionName(nowRunning)}; release pointer left at ${pointer} (check with ecs-release status)`);
      }
    }
    return { outcome, exitCode: EXIT_FOR[outcome], message, revisionArn: revisionArn!, deploymentId, events, pointer };
  };

  if (target.descriptor.strategy === 'blue-green') {
    // CodeDeploy starts the revision as a task set on the idle target group, then shifts the listeners.
    const cd = await import('./codedeploy');
    const digest = req.image.split('@')[1] ?? req.image;
    const deploymentId = await cd.createBlueGreenDeployment(target, revisionArn, `ecs-release ${revisionName(revisionArn)} ${digest}`);
    report.info(`CodeDeploy deployment ${deploymentId} started for ${revisionName(revisionArn)} (${cd.codeDeployOf(target).deploymentGroup})`);
    if (req.wait.noWait) return ended('started', `CodeDeploy deployment ${deploymentId} started; follow it with: ecs-release status --env ${target.env.name}`, deploymentId, [], revisionArn);
    const waited = await cd.waitForCodeDeploy(ctx, target, report, deploymentId, req.wait);
    // A rolled-back CodeDeploy deployment leaves the original task set (the revision that ran before) primary.
    const nowRunning = waited.outcome === 'rolled-back' ? req.before.taskDefinition : revisionArn;
    return ended(waited.outcome, waited.message, deploymentId, waited.events, nowRunning);
  }

  const known = new Set((req.before.deployments ?? []).map((d) => d.id));
  // forceNewDeployment: every ecs-release action starts exactly one new, identifiable deployment, even when the
  // revision equals the one already running (ECS would otherwise start none and there would be nothing to follow).
  const updated = await ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: revisionArn, forceNewDeployment: true }));
  const svc = updated.service;
  const deployment = svc?.deployments?.find((d) => d.status === 'PRIMARY' && !known.has(d.id));
  if (!svc || !deployment?.id) {
    throw new ReleaseError(EXIT.FAILED, `ecs:UpdateService started no new deployment of ${cluster}/${service}; nothing to follow (see ecs-release status --env ${target.env.name})`);
  }
  report.info(`updated ${cluster}/${service} to ${revisionName(revisionArn)}: deployment ${deployment.id}`);
  if (req.wait.noWait) return ended('started', `deployment ${deployment.id} started; follow it with: ecs-release status --env ${target.env.name}`, deployment.id, [], revisionArn);

  const waited = await waitForDeployment(ctx, target, report, deployment.id, revisionArn, svc, req.wait);
  return ended(
    waited.outcome,
    waited.message,
    deployment.id,
    waited.events.map((e) => ({ at: e.createdAt?.toISOString(), message: e.message })),
    waited.service.taskDefinition,
  );
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
