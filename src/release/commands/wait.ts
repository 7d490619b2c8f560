import type { Service } from '@aws-sdk/client-ecs';
import * as cd from '../codedeploy';
import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { controllerFor, runningAfterCodeDeploy } from '../controller';
import { EXIT } from '../errors';
import { ownedByRelease } from '../revision';
import { deploymentEnded, followDeployment, reportShipped, type ShipResult, type Shipment } from '../ship';
import { describeService, resolveTarget, revisionName, type Target } from '../target';
import { shipmentOf } from './approve';
import { describeRevision } from './deploy';

export interface WaitCommandOptions extends Omit<WaitFlags, 'noWait'> {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release wait`: follows the deployment in flight (one started with `--no-wait`, or by anyone) to its end, with
 * deploy's wait and deploy's exit codes, and settles its end the same way (src/release/ship.ts `deploymentEnded`:
 * an ecs-release revision is marked deployed, a rollback puts the release pointer back). Nothing in flight: the last
 * deployment's outcome, at once. Blue/green: the CodeDeploy deployment, stopping at the approval hold (exit 5).
 */
export async function waitCommand(ctx: Context, opts: WaitCommandOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const service = await describeService(ctx, target);
  const controller = controllerFor(target, service);
  const ended = controller.kind === 'CODE_DEPLOY' ? await waitBlueGreen(ctx, report, target, service, opts) : await waitRolling(ctx, report, target, service, opts);
  const document = { command: 'wait', environment: target.env.name };
  if ('idle' in ended) return { exitCode: ended.exitCode, document: { ...document, ...ended.document } };
  reportShipped(report, ended);
  return {
    exitCode: ended.exitCode,
    document: { ...document, deploymentId: ended.deploymentId, revision: ended.revisionArn, outcome: ended.outcome, exitCode: ended.exitCode, message: ended.message, releasePointer: ended.pointer, events: ended.events },
  };
}

type Idle = { idle: true; exitCode: number; document: Record<string, unknown> };

function idle(report: Reporter, exitCode: number, outcome: string, message: string, deploymentId: string | null): Idle {
  (exitCode === EXIT.OK ? report.info.bind(report) : report.progress.bind(report))(exitCode === EXIT.OK ? message : `ecs-release: ${message}`);
  return { idle: true, exitCode, document: { outcome, exitCode, message, deploymentId } };
}

async function waitRolling(ctx: Context, report: Reporter, target: Target, service: Service, opts: WaitCommandOptions): Promise<ShipResult | Idle> {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.id) return idle(report, EXIT.FAILED, 'failed', `no deployment of ${target.descriptor.service} to follow`, null);
  if (primary.rolloutState === 'COMPLETED' || primary.rolloutState === 'FAILED') {
    const done = primary.rolloutState === 'COMPLETED';
    const message = `nothing in flight: the last deployment ${primary.id} ${done ? 'completed' : 'failed'} (${revisionName(primary.taskDefinition)})`;
    return idle(report, done ? EXIT.OK : EXIT.FAILED, done ? 'completed' : 'failed', message, primary.id);
  }
  const revisionArn = primary.taskDefinition ?? '';
  const shipped = await describeRevision(target, revisionArn);
  const previousArn = service.deployments?.find((d) => d.status === 'ACTIVE')?.taskDefinition;
  const previous = previousArn ? await describeRevision(target, previousArn) : undefined;
  const imageOf = (d: typeof shipped | undefined) => d?.definition.containerDefinitions?.find((c) => c.name === target.descriptor.container)?.image;
  const shipment: Shipment = { target, revisionArn, owned: ownedByRelease(shipped.tags), image: imageOf(shipped) ?? '', previousRevision: previousArn, previousImage: imageOf(previous) };
  report.info(`following deployment ${primary.id} of ${revisionName(revisionArn)}`);
  return followDeployment(ctx, report, shipment, primary.id, service, opts);
}

async function waitBlueGreen(ctx: Context, report: Reporter, target: Target, service: Service, opts: WaitCommandOptions): Promise<ShipResult | Idle> {
  const inFlight = await cd.codeDeployInFlight(target);
  if (inFlight.length === 0) return idle(report, EXIT.OK, 'completed', `nothing in flight: the service runs ${revisionName(service.taskDefinition)}`, null);
  const deploymentId = inFlight[0];
  const shipment = await shipmentOf(target, service.taskDefinition, deploymentId, report);
  const waited = await cd.waitForCodeDeploy(ctx, target, report, deploymentId, opts);
  if (!shipment) {
    const exitCode = { completed: EXIT.OK, holding: EXIT.HOLDING, timeout: EXIT.TIMEOUT, interrupted: EXIT.INTERRUPTED } as Record<string, number>;
    return idle(report, exitCode[waited.outcome] ?? EXIT.FAILED, waited.outcome, waited.message, deploymentId);
  }
  const nowRunning = await runningAfterCodeDeploy(ctx, target, waited.outcome, shipment.revisionArn);
  return deploymentEnded(ctx, report, shipment, { outcome: waited.outcome, message: waited.message, deploymentId, events: waited.events, nowRunning });
}
