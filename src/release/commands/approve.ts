import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import * as cd from '../codedeploy';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { runningAfterCodeDeploy } from '../controller';
import { EXIT, refusal } from '../errors';
import { ownedByRelease } from '../revision';
import { deploymentEnded, reportShipped, type Shipment } from '../ship';
import { checkDeploymentController, describeService, resolveTarget, revisionName } from '../target';
import { describeRevision } from './deploy';

export interface ApproveOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release approve`: a blue/green deployment holds before the traffic shift (the new tasks answer on the test
 * listener); this lets it continue and waits until production traffic is on the new tasks. The people who can run it
 * are those who can assume the environment's deploy role (in CI: the prod GitHub Environment's required reviewers).
 * Its end is settled like a deploy's (src/release/ship.ts `deploymentEnded`): a completed rollout marks the revision
 * deployed, a rollback or stop sets the release pointer back to the image that runs.
 */
export async function approve(ctx: Context, opts: ApproveOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  if (target.descriptor.strategy !== 'blue-green') {
    throw refusal('--env', opts.env, 'an environment whose deployment.strategy is blue-green (rolling deployments never hold)');
  }
  const service = await describeService(ctx, target);
  checkDeploymentController(target, service);
  const holding = await cd.codeDeployInFlight(target, ['Ready']);
  if (holding.length === 0) {
    const busy = await cd.codeDeployInFlight(target);
    throw refusal(
      'deployment',
      busy[0] ?? 'none in flight',
      `a CodeDeploy deployment holding before the traffic shift (status Ready)${busy.length ? '; this one has not reached the hold yet or is past it (see ecs-release status)' : ''}`,
    );
  }
  const deploymentId = holding[0];
  const shipment = await shipmentOf(target, service.taskDefinition, deploymentId, report);

  await cd.continueDeployment(target, deploymentId);
  report.info(`approved CodeDeploy deployment ${deploymentId}: shifting production traffic`);
  const waited = await cd.waitForCodeDeploy(ctx, target, report, deploymentId, { ...opts, throughApproval: true });
  const document = { command: 'approve', environment: target.env.name, deploymentId };
  if (!shipment) {
    const exitCode = waited.outcome === 'completed' ? EXIT.OK : waited.outcome === 'timeout' ? EXIT.TIMEOUT : waited.outcome === 'interrupted' ? EXIT.INTERRUPTED : EXIT.FAILED;
    (exitCode === EXIT.OK ? report.info.bind(report) : report.progress.bind(report))(exitCode === EXIT.OK ? waited.message : `ecs-release: ${waited.message}`);
    return { exitCode, document: { ...document, outcome: waited.outcome, exitCode, message: waited.message, events: waited.events } };
  }
  const nowRunning = await runningAfterCodeDeploy(ctx, target, waited.outcome, shipment.revisionArn);
  const ended = await deploymentEnded(ctx, report, shipment, { outcome: waited.outcome, message: waited.message, deploymentId, events: waited.events, nowRunning });
  reportShipped(report, ended);
  return {
    exitCode: ended.exitCode,
    document: { ...document, revision: ended.revisionArn, outcome: ended.outcome, exitCode: ended.exitCode, message: ended.message, releasePointer: ended.pointer, events: ended.events },
  };
}

/**
 * What the held deployment ships and what ran before it, read before approving: the revision (from the deployment),
 * whether ecs-release owns it, its image (what the deploy put in the release pointer) and the previous image (what
 * the pointer goes back to if the deployment does not complete). Undefined for a deployment whose revision cannot be
 * told (not started by ecs-release): then approve only continues and follows it.
 */
export async function shipmentOf(target: Parameters<typeof describeRevision>[0], runningArn: string | undefined, deploymentId: string, report: Reporter): Promise<Shipment | undefined> {
  const info = (await target.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  const revisionArn = cd.deployedRevisionOf(target, info);
  const container = target.descriptor.container;
  if (!revisionArn) {
    report.info(`warning: CodeDeploy deployment ${deploymentId} names no revision of ${target.descriptor.family} ecs-release can read; it is approved, but neither tagged nor followed by the release pointer`);
    return undefined;
  }
  const shipped = await describeRevision(target, revisionArn);
  const previous = runningArn && runningArn !== revisionArn ? await describeRevision(target, runningArn) : undefined;
  const imageOf = (d: typeof shipped | undefined) => d?.definition.containerDefinitions?.find((c) => c.name === container)?.image;
  report.info(`deployment ${deploymentId} ships ${revisionName(revisionArn)} (${imageOf(shipped) ?? 'no image'}); production runs ${revisionName(runningArn)}`);
  return {
    target,
    revisionArn,
    owned: ownedByRelease(shipped.tags),
    image: imageOf(shipped) ?? '',
    previousRevision: runningArn,
    previousImage: imageOf(previous),
  };
}
