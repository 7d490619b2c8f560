import { Reporter, type CommandResult, type Context } from '../context';
import { describeChange, readDrift } from '../drift';
import { EXIT, visible } from '../errors';
import { describeService, resolveTarget, revisionName } from '../target';
import { targetFlags } from '../services';

export interface DiffOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** Exit 1 when the running revision lacks a setting Terraform declares (like `git diff --exit-code`). */
  readonly exitCode?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release diff`: the running revision against Terraform's (what the applied configuration registered), field by
 * field. The image is ecs-release's and is listed apart; every other difference is IaC drift that
 * `ecs-release rollout` ships. Reads only. Configuration not applied yet shows in `cdktf plan`, not here.
 */
export async function diff(ctx: Context, opts: DiffOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const service = await describeService(ctx, target);
  const drift = await readDrift(target, service);
  const runningArn = service.taskDefinition ?? '';
  const terraformArn = target.descriptor.taskDefinitionArn;
  report.info(`running ${revisionName(runningArn)} against Terraform's ${revisionName(terraformArn)} (environment ${target.env.name})`);
  for (const c of drift.fields) report.info(`  ${visible(describeChange(c))}`);
  for (const c of drift.images) report.info(`  image (ecs-release's, not drift): ${visible(c.field)} runs ${visible(c.before ?? 'nothing')}, Terraform's revision has ${visible(c.after ?? 'nothing')}`);
  for (const f of drift.identity) report.info(`  warning: ${visible(f.message)}`);
  report.info(
    drift.fields.length === 0
      ? 'in sync: the running revision carries every setting Terraform declares'
      : `${drift.fields.length} field(s) differ: ship Terraform's settings with \`ecs-release rollout ${targetFlags(target)}\` (or the next deploy)`,
  );
  const exitCode = opts.exitCode && drift.fields.length > 0 ? EXIT.FAILED : EXIT.OK;
  return {
    exitCode,
    document: {
      command: 'diff',
      environment: target.env.name,
      runningRevision: runningArn,
      terraformRevision: terraformArn,
      iacInSync: drift.fields.length === 0,
      fields: drift.fields,
      images: drift.images,
      identityFindings: drift.identity,
      outcome: drift.fields.length === 0 ? 'in-sync' : 'drift',
      exitCode,
    },
  };
}
