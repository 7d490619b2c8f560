import {
  BatchGetDeploymentTargetsCommand,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type DeploymentStatus,
} from '@aws-sdk/client-codedeploy';
import type { CodeDeployDescriptor } from '../../contracts/descriptor';
import type { Context, Reporter } from './context';
import { EXIT, ReleaseError } from './errors';
import { poll } from './poll';
import { codeDeployRefusal, type Target } from './target';
import type { Outcome, WaitOptions } from './wait';
import { targetFlags } from './services';
import { partitionOf } from '../../contracts/partition';

/** The `codeDeploy` block of the descriptor (contracts/descriptor.ts), checked when the descriptor was read. */
export type CodeDeployTarget = CodeDeployDescriptor;

/** Statuses of a CodeDeploy deployment that has not ended yet. */
const IN_FLIGHT: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

/** The blue/green settings of a target, or a refusal when its descriptor carries none. */
export function codeDeployOf(target: Target): CodeDeployTarget {
  const block = target.descriptor.codeDeploy;
  if (block === undefined) throw codeDeployRefusal(target.env.name, undefined);
  return block;
}

/** Deployments of this service's deployment group that have not ended, newest first. One API call. */
export async function codeDeployInFlight(target: Target, statuses: DeploymentStatus[] = IN_FLIGHT): Promise<string[]> {
  const cd = codeDeployOf(target);
  const r = await target.clients.codedeploy.send(
    new ListDeploymentsCommand({ applicationName: cd.application, deploymentGroupName: cd.deploymentGroup, includeOnlyStatuses: statuses }),
  );
  return r.deployments ?? [];
}

/** Refuses while another CodeDeploy deployment of the group is under way (CodeDeploy would reject it, less clearly). */
export async function refuseWhileCodeDeployInFlight(target: Target): Promise<void> {
  const busy = await codeDeployInFlight(target);
  if (busy.length > 0) {
    throw new ReleaseError(
      EXIT.REFUSED,
      `deployment in progress: CodeDeploy ${busy[0]} of ${codeDeployOf(target).deploymentGroup}; allowed: start when it has finished (see ecs-release status ${targetFlags(target)}; approve or roll it back)`,
    );
  }
}

/** The AppSpec of an ECS blue/green deployment: which revision, and the container and port traffic goes to. */
export function appSpec(cd: CodeDeployTarget, revisionArn: string): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: revisionArn, LoadBalancerInfo: { ContainerName: cd.containerName, ContainerPort: cd.containerPort } },
        },
      },
    ],
  });
}

/** Starts a CodeDeploy deployment of `revisionArn` (task set on the idle target group, then the traffic shift). */
export async function createBlueGreenDeployment(target: Target, revisionArn: string, description: string): Promise<string> {
  const cd = codeDeployOf(target);
  const r = await target.clients.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: cd.application,
      deploymentGroupName: cd.deploymentGroup,
      description: description.slice(0, 100),
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(cd, revisionArn) } },
    }),
  );
  if (!r.deploymentId) throw new Error('codedeploy:CreateDeployment returned no deployment id');
  return r.deploymentId;
}

export interface CodeDeployWaitOptions extends WaitOptions {
  /**
   * Keep waiting while the deployment holds for approval (after `ecs-release approve`). Without it a deploy stops
   * waiting at the hold: the replacement runs behind the test listener and a person decides.
   */
  readonly throughApproval?: boolean;
  /**
   * Continue the deployment when it reaches the hold (implies `throughApproval`): `rollback` redeploying an earlier
   * revision is one action, nobody should have to approve going back to what ran before.
   */
  readonly autoApprove?: boolean;
}

export interface CodeDeployWaitResult {
  readonly outcome: Outcome;
  readonly message: string;
  readonly deployment?: DeploymentInfo;
  /** The last lifecycle events of the ECS deployment target, oldest first (what explains a failure). */
  readonly events: { at?: string; message?: string }[];
}

/**
 * Follows one CodeDeploy deployment until it ends, holds for approval, the timeout passes or SIGINT. Polls
 * GetDeployment (and the ECS target's lifecycle events, for progress) with the same back-off as rolling deploys.
 * Succeeded is the only success; Failed or Stopped end with CodeDeploy's reason and whether it rolled back. When
 * CodeDeploy rolls back through a deployment of its own (rollbackInfo.rollbackDeploymentId), that one is followed to
 * its end too: "rolled back" is only said once traffic really is on the original tasks again.
 */
export async function waitForCodeDeploy(ctx: Context, target: Target, report: Reporter, deploymentId: string, options: CodeDeployWaitOptions): Promise<CodeDeployWaitResult> {
  return follow(ctx, target, report, deploymentId, options, false);
}

async function follow(ctx: Context, target: Target, report: Reporter, deploymentId: string, options: CodeDeployWaitOptions, isRollback: boolean): Promise<CodeDeployWaitResult> {
  const cd = codeDeployOf(target);
  const { codedeploy } = target.clients;
  const startedAt = ctx.now();
  const deadline = startedAt + options.timeoutMs;
  const maxPoll = options.maxPollMs ?? Math.max(options.pollMs, 30_000);
  let lastLine = '';
  let events: { at?: string; message?: string }[] = [];
  let continued = false;
  // --service where the environment has several: approve, rollback and status refuse to guess the service.
  const flags = targetFlags(target);
  const next = `approve it with: ecs-release approve ${flags}; roll it back with: ecs-release rollback ${flags}`;

  let info: DeploymentInfo | undefined;
  let status = 'Unknown';
  const where = () => `${status}; follow it with: ecs-release status ${flags}; ${next}`;

  return poll<CodeDeployWaitResult>(
    ctx,
    { deadline, pollMs: options.pollMs, maxPollMs: maxPoll },
    async () => {
      info = (await ctx.counter.polling(() => codedeploy.send(new GetDeploymentCommand({ deploymentId })))).deploymentInfo;
      events = await ctx.counter.polling(() => lifecycleEvents(target, deploymentId));
      status = info?.status ?? 'Unknown';
      const o = info?.deploymentOverview;
      const current = events.filter((e) => !/Succeeded|Skipped/.test(e.message ?? '')).at(0)?.message ?? events.at(-1)?.message ?? '';
      const line = `CodeDeploy ${deploymentId} ${status}${o ? `: ${o.Succeeded ?? 0} succeeded, ${o.InProgress ?? 0} in progress, ${o.Failed ?? 0} failed` : ''}${current ? ` (${current})` : ''}`;
      if (line !== lastLine) {
        report.progress(`${line} (${Math.round((ctx.now() - startedAt) / 1000)}s)`);
        lastLine = line;
      }
      if (status === 'Succeeded') {
        return { outcome: 'completed', message: `CodeDeploy deployment ${deploymentId} succeeded: production traffic is on the new tasks (${cd.deploymentGroup})`, deployment: info, events };
      }
      if (status === 'Failed' || status === 'Stopped') return ended(info, status);
      if (status === 'Ready' && options.autoApprove && !continued) {
        await continueDeployment(target, deploymentId);
        continued = true;
        report.progress(`CodeDeploy ${deploymentId} holds before the traffic shift: continued (a rollback needs no approval)`);
      } else if (status === 'Ready' && !options.throughApproval && !options.autoApprove) {
        return {
          outcome: 'holding',
          message: `CodeDeploy deployment ${deploymentId} holds before the traffic shift: the new tasks answer on the test listener ${cd.testListenerUrl}; ${next}`,
          deployment: info,
          events,
        };
      }
      return undefined;
    },
    (why) =>
      why === 'timeout'
        ? { outcome: 'timeout', message: `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for CodeDeploy deployment ${deploymentId} (${where()})`, deployment: info, events }
        : { outcome: 'interrupted', message: `interrupted while waiting for CodeDeploy deployment ${deploymentId} (${where()})`, deployment: info, events },
  );

  /** A deployment that Failed or was Stopped: CodeDeploy's reason, and its rollback deployment followed to its end. */
  async function ended(info: DeploymentInfo | undefined, status: string): Promise<CodeDeployWaitResult> {
    const reason = [info?.errorInformation?.code, info?.errorInformation?.message].filter(Boolean).join(': ');
    const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
    const rolledBack = rollbackId !== undefined || /roll(ed)? ?back/i.test(info?.rollbackInfo?.rollbackMessage ?? '');
    const why = [reason, info?.rollbackInfo?.rollbackMessage].filter(Boolean).join('; ');
    const what = `CodeDeploy deployment ${deploymentId} ${status === 'Stopped' ? 'was stopped' : 'failed'}`;
    if (rollbackId && !isRollback) {
      // The rollback is a deployment of its own: until it succeeded, production may still be on the new tasks.
      report.progress(`${what}; CodeDeploy rolls it back with deployment ${rollbackId}: following it`);
      const back = await follow(ctx, target, report, rollbackId, { ...options, timeoutMs: Math.max(deadline - ctx.now(), 0), throughApproval: true, autoApprove: false }, true);
      const result = (outcome: Outcome, message: string): CodeDeployWaitResult => ({ outcome, message, deployment: info, events: [...events, ...back.events] });
      if (back.outcome === 'completed') {
        return result('rolled-back', `${what} and rolled back${why ? ` (${why})` : ''}; rollback deployment ${rollbackId} succeeded: production traffic is on the original tasks`);
      }
      if (back.outcome === 'timeout' || back.outcome === 'interrupted') {
        return result(back.outcome, `${what}${why ? ` (${why})` : ''}; its rollback deployment ${rollbackId} is still in progress: ${back.message}`);
      }
      return result('failed', `${what}${why ? ` (${why})` : ''} and its rollback deployment ${rollbackId} did not succeed either: ${back.message}`);
    }
    return {
      outcome: rolledBack ? 'rolled-back' : 'failed',
      message: `${what}${rolledBack ? ' and rolled back' : ''}${why ? ` (${why})` : ''}`,
      deployment: info,
      events,
    };
  }
}

/**
 * Errors of the lifecycle-event calls that mean "not available (yet)", not "something is wrong": the deployment has
 * no target yet, the endpoint does not know the operation, or answers it with a non-JSON error page (moto answers
 * operations it does not implement with an HTML HTTP 500, which the SDK reports as a SyntaxError; gap
 * `codedeploy-static-deployment` in __tests__/e2e/moto-gaps.ts). Access denied, throttling and the rest are real.
 */
const UNAVAILABLE = new Set(['UnknownOperationException', 'DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException']);

export function lifecycleEventsUnavailable(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (err.name && UNAVAILABLE.has(err.name)) return true;
  const code = err.$metadata?.httpStatusCode ?? 0;
  return code === 501 || (err.name === 'SyntaxError' && code >= 500);
}

/** Lifecycle events of the deployment's ECS target (BeforeInstall … AfterAllowTraffic), as `name: status` lines. */
export async function lifecycleEvents(target: Target, deploymentId: string): Promise<{ at?: string; message?: string }[]> {
  const { codedeploy } = target.clients;
  try {
    const ids = (await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
    if (ids.length === 0) return [];
    const targets = (await codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(0, 25) }))).deploymentTargets ?? [];
    return targets
      .flatMap((t) => t.ecsTarget?.lifecycleEvents ?? [])
      .map((e) => ({ at: (e.endTime ?? e.startTime)?.toISOString(), message: `${e.lifecycleEventName}: ${e.status}${e.diagnostics?.message ? ` (${e.diagnostics.message})` : ''}` }));
  } catch (e) {
    // Progress detail only: the deployment's status (GetDeployment) decides every outcome, so a target listing that
    // is not available must not end a wait or a status. Anything else (access denied, throttling) is reported.
    if (lifecycleEventsUnavailable(e)) return [{ message: `lifecycle events unavailable (${(e as Error).name})` }];
    throw e;
  }
}

/**
 * The task-definition revision a CodeDeploy deployment ships: from its AppSpec when GetDeployment returns the content,
 * else from the description ecs-release gives the deployments it creates (`ecs-release <family>:<n> <digest>`).
 * Undefined for a deployment someone else started without either.
 */
export function deployedRevisionOf(target: Target, info: DeploymentInfo | undefined): string | undefined {
  const content = info?.revision?.appSpecContent?.content;
  if (content) {
    try {
      const spec = JSON.parse(content) as { Resources?: { TargetService?: { Properties?: { TaskDefinition?: string } } }[] };
      const arn = spec.Resources?.[0]?.TargetService?.Properties?.TaskDefinition;
      if (arn) return arn;
    } catch {
      // A YAML AppSpec (not ecs-release's): fall back to the description.
    }
  }
  const m = /^ecs-release ([A-Za-z0-9_-]+:\d+)\b/.exec(info?.description ?? '');
  const { region, accountId, family } = target.descriptor;
  return m && m[1].startsWith(`${family}:`) ? `arn:${partitionOf(region)}:ecs:${region}:${accountId}:task-definition/${m[1]}` : undefined;
}

/** Lets a deployment that holds before the traffic shift continue. */
export async function continueDeployment(target: Target, deploymentId: string): Promise<void> {
  await target.clients.codedeploy.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' }));
}

/** Stops a deployment and lets CodeDeploy roll it back (traffic back on the original task set). */
export async function stopWithRollback(target: Target, deploymentId: string): Promise<void> {
  await target.clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
}
