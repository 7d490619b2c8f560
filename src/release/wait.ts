import type { Deployment, Service, ServiceEvent } from '@aws-sdk/client-ecs';
import type { Context, Reporter } from './context';
import { poll } from './poll';
import { describeService, revisionName, type Target } from './target';
import { targetFlags } from './services';
import { serviceDeploymentSince } from './service-deployments';

/** How a shipped deployment ended; `started` only with --no-wait, `holding` only for blue/green. */
export type Outcome = 'completed' | 'started' | 'holding' | 'rolled-back' | 'failed' | 'timeout' | 'interrupted';

export interface WaitOptions {
  /** Start the deployment and return at once (outcome `started`): a pipeline that follows it elsewhere. */
  readonly noWait?: boolean;
  readonly timeoutMs: number;
  /** First polling interval; it grows by half each poll up to `maxPollMs`. */
  readonly pollMs: number;
  readonly maxPollMs?: number;
}

export interface WaitResult {
  readonly outcome: Outcome;
  /** One line saying what happened. */
  readonly message: string;
  readonly service: Service;
  readonly deployment?: Deployment;
  /** Service events since the deployment started, oldest first (what explains a failure). */
  readonly events: ServiceEvent[];
  readonly polls: number;
}

/**
 * Follows one deployment, identified by its id, until ECS says how it ended. There is no SDK waiter for "this
 * deployment finished" (`services-stable` only says the service is steady, which a circuit-breaker rollback also
 * reaches), so this polls DescribeServices with back-off. Success is only rolloutState COMPLETED of that very
 * deployment; a rollback, FAILED, a superseding deployment, the timeout or SIGINT end the wait with their outcome.
 */
export async function waitForDeployment(
  ctx: Context,
  target: Target,
  report: Reporter,
  deploymentId: string,
  revisionArn: string,
  first: Service,
  options: WaitOptions,
): Promise<WaitResult> {
  const startedAt = ctx.now();
  const deadline = startedAt + options.timeoutMs;
  const maxPoll = options.maxPollMs ?? Math.max(options.pollMs, 30_000);
  const since = first.deployments?.find((d) => d.id === deploymentId)?.createdAt?.getTime() ?? 0;
  const seen = new Set<string>((first.events ?? []).filter((e) => (e.createdAt?.getTime() ?? 0) < since).map((e) => e.id ?? ''));
  let svc = first;
  let polls = 0;
  let lastLine = '';

  const relevantEvents = () =>
    (svc.events ?? [])
      .filter((e) => (e.createdAt?.getTime() ?? 0) >= since)
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  const end = (outcome: Outcome, message: string, deployment?: Deployment): WaitResult => ({
    outcome,
    message,
    service: svc,
    deployment,
    events: relevantEvents().slice(-20),
    polls,
  });

  let deployment: Deployment | undefined;
  const where = () => `${deployment?.rolloutState ?? deployment?.status}, running ${deployment?.runningCount ?? 0}/${deployment?.desiredCount ?? 0}`;
  const goesOn = `it goes on in ECS (follow it with: ecs-release status ${targetFlags(target)}; undo it with: ecs-release rollback ${targetFlags(target)})`;

  return poll(
    ctx,
    { deadline, pollMs: options.pollMs, maxPollMs: maxPoll },
    async (round) => {
      if (round > 0) {
        polls += 1;
        svc = await describeService(ctx, target, { polling: true });
      }
      const elapsed = Math.round((ctx.now() - startedAt) / 1000);
      for (const e of relevantEvents()) {
        if (e.id && !seen.has(e.id)) {
          seen.add(e.id);
          report.progress(`  event: ${e.message}`);
        }
      }
      deployment = svc.deployments?.find((d) => d.id === deploymentId);
      if (!deployment) {
        // ECS drops a deployment from the list once another one replaced it: a rollback or someone else's deploy.
        // ECS's typed record says which; only an endpoint without it (the emulator) leaves us the events' prose.
        const now = revisionName(svc.taskDefinition);
        const typed = await serviceDeploymentSince(ctx, target, since);
        const reason = typed?.rollback?.reason ?? typed?.statusReason;
        const why = reason ? ` (${reason})` : '';
        switch (typed?.status) {
          case 'SUCCESSFUL':
            return svc.taskDefinition === revisionArn
              ? end('completed', `deployment ${deploymentId} completed: the service runs ${revisionName(revisionArn)}`)
              : end('failed', `deployment ${deploymentId} was replaced by another deployment: the service runs ${now}`);
          case 'ROLLBACK_SUCCESSFUL':
          case 'ROLLBACK_IN_PROGRESS':
          case 'ROLLBACK_REQUESTED':
            return end('rolled-back', `deployment ${deploymentId} was rolled back: the service runs ${now} again${why}`);
          case 'ROLLBACK_FAILED':
            return end('failed', `deployment ${deploymentId} failed and its rollback failed too: the service runs ${now}${why}`);
          case 'STOPPED':
          case 'STOP_REQUESTED':
            return end('failed', `deployment ${deploymentId} was stopped: the service runs ${now}${why}`);
          case undefined: {
            const rolledBack = relevantEvents().some((e) => /roll(ing|ed)? ?back|circuit breaker/i.test(e.message ?? ''));
            return rolledBack
              ? end('rolled-back', `deployment ${deploymentId} was rolled back: the service runs ${now} again`)
              : end('failed', `deployment ${deploymentId} was replaced by another deployment: the service runs ${now}`);
          }
          default:
            return end('failed', `deployment ${deploymentId} was replaced by another deployment (${typed?.status}): the service runs ${now}`);
        }
      }
      const line = `deployment ${deploymentId} ${deployment.rolloutState ?? deployment.status}: running ${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0}, pending ${deployment.pendingCount ?? 0}, failed tasks ${deployment.failedTasks ?? 0}`;
      if (line !== lastLine) {
        report.progress(`${line} (${elapsed}s)`);
        lastLine = line;
      }
      if (deployment.rolloutState === 'COMPLETED') {
        return end('completed', `deployment ${deploymentId} completed: the service runs ${revisionName(revisionArn)}`, deployment);
      }
      if (deployment.rolloutState === 'FAILED') {
        const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
        const reason = deployment.rolloutStateReason ? ` (${deployment.rolloutStateReason})` : '';
        if ((primary && primary.id !== deploymentId) || svc.taskDefinition !== revisionArn) {
          return end('rolled-back', `deployment ${deploymentId} failed and was rolled back to ${revisionName(primary?.taskDefinition ?? svc.taskDefinition)}${reason}`, deployment);
        }
        return end('failed', `deployment ${deploymentId} failed${reason}`, deployment);
      }
      return undefined;
    },
    (why) =>
      why === 'timeout'
        ? end('timeout', `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for deployment ${deploymentId} (${where()}); ${goesOn}`, deployment)
        : end('interrupted', `interrupted while waiting for deployment ${deploymentId} (${where()}); ${goesOn}`, deployment),
  );
}
