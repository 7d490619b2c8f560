import { UpdateServiceCommand, type Service } from '@aws-sdk/client-ecs';
import * as cd from './codedeploy';
import type { Context, Reporter } from './context';
import { EXIT, ReleaseError } from './errors';
import { checkDeploymentController, describeService, refuseWhileInFlight, revisionName, type Target } from './target';
import { waitForDeployment, type Outcome, type WaitOptions } from './wait';
import { targetFlags } from './services';

/** A deployment a controller started: its id, what to call it in messages, and the service as ECS answered. */
export interface StartedDeployment {
  readonly id: string;
  readonly label: 'deployment' | 'CodeDeploy deployment';
  readonly service?: Service;
}

/** How a followed deployment ended, before ecs-release settles it (src/release/ship.ts `deploymentEnded`). */
export interface FollowedDeployment {
  readonly outcome: Outcome;
  readonly message: string;
  readonly events: { at?: string; message?: string }[];
  /** The revision the service runs afterwards, when the end says. */
  readonly nowRunning?: string;
}

export interface FollowOptions extends WaitOptions {
  /** Blue/green: continue the deployment at the approval hold instead of stopping there (rollback). */
  readonly autoApprove?: boolean;
}

/**
 * How a service's deployments are started, followed and refused while busy: ECS rolling updates, or CodeDeploy
 * blue/green. Chosen once per service by `controllerFor`, so no command asks the strategy again for these steps.
 */
export interface DeploymentController {
  /** The deployment controller ECS reports for the service. */
  readonly kind: 'ECS' | 'CODE_DEPLOY';
  /** Refuses while another deployment of this controller is under way (two would fight over the tasks). */
  refuseWhileBusy(svc: Service): Promise<void>;
  /**
   * Starts a deployment of `revisionArn` (the release pointer already names its image). `undo` runs when the
   * deployment did not start, before the error goes on.
   */
  start(ctx: Context, report: Reporter, revisionArn: string, image: string, before: Service, undo: (e: unknown) => Promise<never>): Promise<StartedDeployment>;
  /** Follows a started deployment until it ends, holds for approval, the timeout passes or SIGINT. */
  follow(ctx: Context, report: Reporter, started: StartedDeployment, revisionArn: string, options: FollowOptions): Promise<FollowedDeployment>;
}

/**
 * The controller of the target's service: the one its descriptor's strategy implies, after checking ECS reports the
 * same (a stale descriptor is refused before any write). No call.
 */
export function controllerFor(target: Target, svc: Service): DeploymentController {
  checkDeploymentController(target, svc);
  return target.descriptor.strategy === 'blue-green' ? codeDeployController(target) : rollingController(target);
}

/** Refuses when the service's controller disagrees with the descriptor, or another deployment is under way. */
export async function refuseWhileBusy(target: Target, svc: Service): Promise<void> {
  await controllerFor(target, svc).refuseWhileBusy(svc);
}

function rollingController(target: Target): DeploymentController {
  const { cluster, service } = target.descriptor;
  return {
    kind: 'ECS',
    refuseWhileBusy: async (svc) => refuseWhileInFlight(svc),
    async start(_ctx, report, revisionArn, _image, before, undo) {
      const known = new Set((before.deployments ?? []).map((d) => d.id));
      // forceNewDeployment: every ecs-release action starts exactly one new, identifiable deployment, even when the
      // revision equals the one already running (ECS would otherwise start none and there would be nothing to follow).
      // A rolling web service gets its load-balancer mapping with the revision (the descriptor's, i.e. configuration's):
      // after a containerPort change the new revision and the port the target group forwards to move together.
      const lb = target.descriptor.loadBalancer;
      const loadBalancers = lb ? [{ targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort }] : undefined;
      const updated = await target.clients.ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: revisionArn, forceNewDeployment: true, ...(loadBalancers ? { loadBalancers } : {}) })).catch(undo);
      const svc = updated.service;
      const deployment = svc?.deployments?.find((d) => d.status === 'PRIMARY' && !known.has(d.id));
      if (!svc || !deployment?.id) {
        throw new ReleaseError(EXIT.FAILED, `ecs:UpdateService started no new deployment of ${cluster}/${service}; nothing to follow (see ecs-release status ${targetFlags(target)})`);
      }
      report.info(`updated ${cluster}/${service} to ${revisionName(revisionArn)}: deployment ${deployment.id}`);
      return { id: deployment.id, label: 'deployment', service: svc };
    },
    async follow(ctx, report, started, revisionArn, options) {
      const waited = await waitForDeployment(ctx, target, report, started.id, revisionArn, started.service ?? (await describeService(ctx, target)), options);
      return {
        outcome: waited.outcome,
        message: waited.message,
        events: waited.events.map((e) => ({ at: e.createdAt?.toISOString(), message: e.message })),
        nowRunning: waited.service.taskDefinition,
      };
    },
  };
}

function codeDeployController(target: Target): DeploymentController {
  return {
    kind: 'CODE_DEPLOY',
    refuseWhileBusy: () => cd.refuseWhileCodeDeployInFlight(target),
    async start(_ctx, report, revisionArn, image, _before, undo) {
      // CodeDeploy starts the revision as a task set on the idle target group, then shifts the listeners.
      const digest = image.split('@')[1] ?? image;
      const id = await cd.createBlueGreenDeployment(target, revisionArn, `ecs-release ${revisionName(revisionArn)} ${digest}`).catch(undo);
      report.info(`CodeDeploy deployment ${id} started for ${revisionName(revisionArn)} (${cd.codeDeployOf(target).deploymentGroup})`);
      return { id, label: 'CodeDeploy deployment' };
    },
    async follow(ctx, report, started, revisionArn, options) {
      const waited = await cd.waitForCodeDeploy(ctx, target, report, started.id, { ...options, throughApproval: options.autoApprove });
      const nowRunning = await runningAfterCodeDeploy(ctx, target, waited.outcome, revisionArn);
      return { outcome: waited.outcome, message: waited.message, events: waited.events, nowRunning };
    },
  };
}

/** Blue/green: the revision the service runs after a CodeDeploy deployment ended (one DescribeServices when it failed). */
export async function runningAfterCodeDeploy(ctx: Context, target: Target, outcome: Outcome, revisionArn: string): Promise<string | undefined> {
  if (outcome === 'completed') return revisionArn;
  // CodeDeploy moves the service's revision only when it makes the replacement primary: after a rollback, or a stop
  // before the traffic shift, the service still names the original revision.
  if (outcome === 'rolled-back' || outcome === 'failed') return (await describeService(ctx, target)).taskDefinition;
  return undefined;
}
