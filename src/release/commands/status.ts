import type { Service } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import * as cd from '../codedeploy';
import { Reporter, type CommandResult, type Context } from '../context';
import { digestOf } from '../image';
import { describeDrift, readDrift } from '../drift';
import { ownedByRelease, TAG, tagValue } from '../revision';
import { markDeployed } from '../ship';
import { deploymentController, deploymentsInFlight, describeService, expectedController as controllerOf, resolveTarget, revisionName, type Target } from '../target';
import { environmentFor, servicesFor } from '../preflight';
import { scheduledStatus } from '../scheduled';
import type { DescribedRevision } from './deploy';
import { targetFlags } from '../services';

export interface StatusOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** `--group`: the status of every service of the release group. */
  readonly group?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release status`: what runs, what is in flight, and whether the running revision still carries the settings
 * Terraform declares (drift in both directions, in plain words). Read-only but for one tag: a completed ecs-release
 * revision nobody marked deployed (a --no-wait deploy) is marked (see markCompletedRelease).
 */
export async function status(ctx: Context, opts: StatusOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  if (opts.group !== undefined) {
    // One document per member: what `promote --group --from-status` reads.
    const env = environmentFor(ctx, opts.env);
    const documents: Record<string, unknown>[] = [];
    for (const member of servicesFor(env, 'status', opts)) documents.push((await statusOf(ctx, report.forService(member.name), { ...opts, group: undefined, service: member.name })).document);
    return { exitCode: 0, document: { command: 'status', environment: env.name, group: opts.group, services: documents, outcome: 'ok', exitCode: 0 } };
  }
  return statusOf(ctx, report, opts);
}

async function statusOf(ctx: Context, report: Reporter, opts: StatusOptions): Promise<CommandResult> {
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  if (target.service.kind === 'scheduled') return scheduledStatus(report, target);
  const { descriptor } = target;
  const service = await describeService(ctx, target);
  const runningArn = service.taskDefinition ?? '';
  const { running, fields: drift, identity } = await readDrift(target, service);
  const pointer = (await target.clients.ssm.send(new GetParameterCommand({ Name: descriptor.releaseParameter }))).Parameter?.Value;

  const container = descriptor.container;
  const image = running.definition.containerDefinitions?.find((c) => c.name === container)?.image;
  const inFlight = deploymentsInFlight(service).map((d) => ({
    id: d.id,
    status: d.status,
    rolloutState: d.rolloutState,
    revision: d.taskDefinition,
    running: d.runningCount,
    pending: d.pendingCount,
    desired: d.desiredCount,
    failedTasks: d.failedTasks,
  }));
  const iacInSync = drift.length === 0;
  // `identity`: what the deploy identity could change and IAM cannot stop (docs/guardrails.md), said first as a warning.

  const sentences: string[] = [];
  if (identity.length > 0) {
    sentences.push(`Warning: changed outside Terraform in ways IAM cannot prevent (docs/guardrails.md, deploy identity): ${identity.map((f) => f.message).join('; ')}.`);
  }
  sentences.push(
    iacInSync
      ? `The running revision carries every setting Terraform declares (${revisionName(descriptor.taskDefinitionArn)}).`
      : `The running revision differs from Terraform's ${revisionName(descriptor.taskDefinitionArn)} in ${drift.length} field(s): ${describeDrift(drift)}. ` +
          `Ship Terraform's settings with \`ecs-release rollout ${targetFlags(target)}\` (or the next deploy).`,
  );
  if (pointer !== image) {
    sentences.push(`The release pointer names ${pointer ?? 'nothing'}, but the service runs ${image ?? 'no image'}: the next apply would build on the pointer's image.`);
  }

  report.info(`environment ${target.env.name}: account ${target.env.accountId}, ${target.env.region}, service ${descriptor.cluster}/${descriptor.service}`);
  report.info(`running:   ${revisionName(runningArn)}  ${image ?? '(no image)'}`);
  const commit = tagValue(running.tags, TAG.commit);
  if (commit) report.info(`commit:    ${commit}`);
  report.info(`terraform: ${revisionName(descriptor.taskDefinitionArn)}`);
  report.info(`pointer:   ${pointer ?? '(unset)'}`);
  report.info(
    inFlight.length === 0
      ? 'deployments: none in flight'
      : `deployments in flight:\n${inFlight.map((d) => `  ${d.id} ${d.rolloutState ?? d.status} ${revisionName(d.revision)} running ${d.running ?? 0}/${d.desired ?? 0}`).join('\n')}`,
  );
  const controller = deploymentController(service);
  const expectedController = controllerOf(target);
  if (controller !== expectedController) {
    sentences.push(
      `The service's deployment controller is ${controller}, but the descriptor's strategy "${descriptor.strategy}" means ${expectedController}: the descriptor is stale, apply the "${target.env.name}" stack before shipping (ecs-release refuses until then).`,
    );
  }
  const blueGreen = descriptor.strategy === 'blue-green' && controller === 'CODE_DEPLOY' ? await blueGreenStatus(target) : undefined;
  if (blueGreen) {
    report.info(`live:      target group ${blueGreen.liveTargetGroup ?? '(none)'} behind the production listener`);
    report.info(`test:      ${blueGreen.testListenerUrl} (target group ${blueGreen.testTargetGroup ?? '(none)'})`);
    report.info(
      blueGreen.deployment
        ? `codedeploy: ${blueGreen.deployment.id} ${blueGreen.deployment.status}${blueGreen.deployment.lifecycleEvent ? `, ${blueGreen.deployment.lifecycleEvent}` : ''}`
        : 'codedeploy: no deployment in flight',
    );
    if (blueGreen.deployment?.status === 'Ready') {
      sentences.push(`CodeDeploy holds before the traffic shift: test on ${blueGreen.testListenerUrl}, then \`ecs-release approve ${targetFlags(target)}\` or \`ecs-release rollback ${targetFlags(target)}\`.`);
    }
  }
  const markedDeployed = await markCompletedRelease(ctx, report, target, service, running, controller === expectedController && (blueGreen ? !blueGreen.deployment : inFlight.length === 0));
  for (const s of sentences) report.info(s);

  return {
    exitCode: 0,
    document: {
      command: 'status',
      environment: target.env.name,
      service: `${descriptor.cluster}/${descriptor.service}`,
      kind: target.service.kind,
      runningRevision: runningArn,
      image: image ?? null,
      digest: digestOf(image) ?? null,
      commit: commit ?? null,
      terraformRevision: descriptor.taskDefinitionArn,
      releasePointer: pointer ?? null,
      deploymentsInFlight: inFlight,
      iacInSync,
      drift,
      identityFindings: identity,
      pointerMatchesRunning: pointer === image,
      deploymentController: controller,
      markedDeployed,
      ...(blueGreen ? { blueGreen } : {}),
      summary: sentences.join(' '),
      outcome: 'ok',
      exitCode: 0,
    },
  };
}

/**
 * The one write of `status`: a deployment started with --no-wait (or followed by nobody to its end) leaves its
 * revision without `ecs-release:deployed-at`, so `rollback` would never choose it. Once nothing is in flight and the
 * service runs that revision with its rollout completed, status marks it, exactly as deploy would have: only a
 * revision ecs-release registered (Terraform's is never tagged), one TagResource the deploy role allows. A status
 * run with credentials that may not tag still reads: the failure is one warning line.
 */
async function markCompletedRelease(ctx: Context, report: Reporter, target: Target, service: Service, running: DescribedRevision, settled: boolean): Promise<boolean> {
  const arn = running.definition.taskDefinitionArn;
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const completed = target.descriptor.strategy === 'blue-green' || (primary?.rolloutState === 'COMPLETED' && primary.taskDefinition === arn);
  if (!arn || !settled || !completed || !ownedByRelease(running.tags) || tagValue(running.tags, TAG.deployed)) return false;
  try {
    await markDeployed(ctx, target, arn);
  } catch (e) {
    report.info(`warning: ${revisionName(arn)} completed its rollout but could not be tagged ${TAG.deployed} (${(e as Error).name}); rollback reaches it with --to`);
    return false;
  }
  report.info(`marked:    ${revisionName(arn)} ${TAG.deployed} (its rollout completed; rollback can return to it)`);
  return true;
}

/** Blue/green facts: where production and test traffic go, and the CodeDeploy deployment in flight (if any). */
async function blueGreenStatus(target: Target) {
  const settings = cd.codeDeployOf(target);
  const listeners = (await target.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [settings.productionListenerArn, settings.testListenerArn] }))).Listeners ?? [];
  const forwardsTo = (arn: string) => {
    const action = listeners.find((l) => l.ListenerArn === arn)?.DefaultActions?.find((a) => a.Type === 'forward');
    const weighted = (action?.ForwardConfig?.TargetGroups ?? []).filter((t) => (t.Weight ?? 1) > 0).map((t) => t.TargetGroupArn);
    const arns = weighted.length > 0 ? weighted : action?.TargetGroupArn ? [action.TargetGroupArn] : [];
    const name = (tg?: string) => (tg === settings.targetGroups.blue.arn ? settings.targetGroups.blue.name : tg === settings.targetGroups.green.arn ? settings.targetGroups.green.name : tg);
    return arns.length === 0 ? undefined : arns.map(name).join(' + ');
  };
  const inFlight = await cd.codeDeployInFlight(target);
  let deployment: { id: string; status?: string; lifecycleEvent?: string } | undefined;
  if (inFlight.length > 0) {
    const { GetDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
    const info = (await target.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: inFlight[0] }))).deploymentInfo;
    const events = await cd.lifecycleEvents(target, inFlight[0]);
    const current = events.find((e) => !/Succeeded|Skipped/.test(e.message ?? ''))?.message;
    deployment = { id: inFlight[0], status: info?.status, lifecycleEvent: current };
  }
  return {
    liveTargetGroup: forwardsTo(settings.productionListenerArn),
    testTargetGroup: forwardsTo(settings.testListenerArn),
    testListenerUrl: settings.testListenerUrl,
    deploymentGroup: settings.deploymentGroup,
    deployment,
  };
}
