import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { refuseWhileBusy } from '../controller';
import { refusal } from '../errors';
import { digestOf } from '../image';
import { reportShipped, ship } from '../ship';
import { describeService, resolveTarget, revisionName } from '../target';
import { describeRevision } from './deploy';

export interface RestartOptions extends WaitFlags {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release restart`: replaces every task with a new deployment of the revision that runs now. Only a revision
 * whose images are pinned by digest is restarted: a tag would be resolved again at launch, and a restart would
 * silently ship whatever the tag names today (the `latest` anti-pattern). Ships like rollback (src/release/ship.ts,
 * no new revision), so it waits, ends and exits like deploy; blue/green goes through CodeDeploy and holds before the
 * traffic shift. Calls: sts, ssm, ecs:DescribeServices, ecs:DescribeTaskDefinition, then ship's.
 */
export async function restart(ctx: Context, opts: RestartOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const service = await describeService(ctx, target);
  await refuseWhileBusy(target, service);
  const revisionArn = service.taskDefinition ?? '';
  const running = await describeRevision(target, revisionArn);
  const byTag = (running.definition.containerDefinitions ?? []).find((c) => !digestOf(c.image));
  if (byTag) {
    throw refusal(
      `${revisionName(revisionArn)} container ${byTag.name}`,
      byTag.image,
      'an image pinned by digest (a tag would be resolved again at launch and ship whatever it names now); ship one with ecs-release deploy first',
    );
  }
  const image = running.definition.containerDefinitions?.find((c) => c.name === target.descriptor.container)?.image ?? '';
  const document = { command: 'restart', environment: target.env.name, service: `${target.descriptor.cluster}/${target.descriptor.service}`, revision: revisionArn, image, running: service.runningCount ?? 0 };
  report.info(`restart ${target.descriptor.cluster}/${target.descriptor.service}: a new deployment of ${revisionName(revisionArn)} (${image}), replacing ${service.runningCount ?? 0} task(s)`);
  if (opts.dryRun) {
    report.info('dry run: no deployment started');
    return { exitCode: 0, document: { ...document, outcome: 'dry-run', exitCode: 0 } };
  }
  const shipped = await ship(ctx, report, {
    target,
    before: service,
    revisionArn,
    revisionTags: running.tags,
    image,
    previousImage: image,
    wait: { timeoutMs: opts.timeoutMs, pollMs: opts.pollMs, noWait: opts.noWait },
  });
  reportShipped(report, shipped);
  return {
    exitCode: shipped.exitCode,
    document: { ...document, outcome: shipped.outcome, exitCode: shipped.exitCode, message: shipped.message, deploymentId: shipped.deploymentId, releasePointer: shipped.pointer, events: shipped.events },
  };
}
