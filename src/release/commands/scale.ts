import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { Reporter, type CommandResult, type Context } from '../context';
import { EXIT } from '../errors';
import { environmentFor } from '../preflight';
import { checkCountAgainstConfiguration, refuseOutside, scalableTargetBounds } from '../scaling';
import { resolveService, targetFlags } from '../services';
import { describeService, resolveTarget } from '../target';

export interface ScaleOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  readonly count: string;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release scale <count>`: sets the service's desired count. Outside the configured auto-scaling bounds it is
 * refused before any call; outside the live scalable target's bounds, before any write. With scaling attached
 * Terraform ignores desired_count (lifecycle ignore_changes), so the count stays until the scaling policy moves it;
 * without scaling, the next apply sets it back to the configured value, which the output says.
 * Calls: sts, ssm, ecs:DescribeServices, application-autoscaling:DescribeScalableTargets, ecs:UpdateService.
 */
export async function scale(ctx: Context, opts: ScaleOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const env = environmentFor(ctx, opts.env);
  const configured = resolveService(env, opts.service);
  const count = checkCountAgainstConfiguration(env, configured, opts.count);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const { cluster, service } = target.descriptor;
  const svc = await describeService(ctx, target);
  const bounds = await scalableTargetBounds(target);
  if (bounds) refuseOutside(bounds, count);
  const terraform = bounds
    ? `auto scaling is attached: Terraform ignores desired_count, and the scaling policy may move it within ${bounds.min}..${bounds.max}`
    : `no auto scaling is attached: Terraform owns desired_count, and the next apply sets it back to ${configured.desiredCount} (change services.${configured.name}.desiredCount in environments/${env.name}.ts to keep it)`;
  const document = {
    command: 'scale',
    environment: env.name,
    service: `${cluster}/${service}`,
    from: svc.desiredCount ?? null,
    to: count,
    bounds: bounds ?? null,
    terraformIgnoresCount: !!bounds,
  };
  report.info(`${cluster}/${service}: desired count ${svc.desiredCount ?? '?'} -> ${count} (running ${svc.runningCount ?? 0})`);
  report.info(terraform);
  if (svc.desiredCount === count) {
    report.info('nothing to change');
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'unchanged', exitCode: EXIT.OK } };
  }
  if (opts.dryRun) {
    report.info('dry run: nothing updated');
    return { exitCode: EXIT.OK, document: { ...document, outcome: 'dry-run', exitCode: EXIT.OK } };
  }
  await target.clients.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: count }));
  report.info(`desired count set to ${count}; follow the tasks with ecs-release tasks ${targetFlags(target)}`);
  return { exitCode: EXIT.OK, document: { ...document, outcome: 'scaled', exitCode: EXIT.OK } };
}
