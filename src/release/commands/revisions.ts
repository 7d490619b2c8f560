import { DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { Reporter, type CommandResult, type Context } from '../context';
import { refuseWhileBusy } from '../controller';
import { EXIT, usageError } from '../errors';
import { describeRevisions, listRevisionArns, planPrune, readUsage, type RevisionInfo } from '../revisions';
import { describeService, resolveTarget, revisionName } from '../target';

export interface RevisionsOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** How many of the newest revisions to show (text). */
  readonly limit: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

export interface PruneOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** Rollback candidates kept: the N most recently deployed revisions. */
  readonly keep: string;
  readonly dryRun?: boolean;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/** A whole number in [min, max] from an option's text, or a usage error naming the option. */
export function parseCount(option: string, text: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw usageError(option, text, `a whole number from ${min} to ${max}`);
  return n;
}

function line(r: RevisionInfo): string {
  const digest = r.digest ? r.digest.slice(0, 19) : '(no digest)';
  const deployed = r.deployedAt ? `deployed ${r.deployedAt}` : 'never deployed';
  const used = r.inUse.length > 0 ? `  [${r.inUse.join(', ')}]` : '';
  return `  ${revisionName(r.arn).padEnd(24)} ${r.owner.padEnd(11)} ${digest.padEnd(19)} ${deployed}${r.commit ? `  commit ${r.commit}` : ''}${used}`;
}

const document = (r: RevisionInfo) => ({ ...r, revision: r.revision, inUse: [...r.inUse] });

/** `ecs-release revisions`: the family's revisions, who registered each, its digest, when it was deployed, what uses it. */
export async function revisions(ctx: Context, opts: RevisionsOptions): Promise<CommandResult> {
  const limit = parseCount('--limit', opts.limit, 1, 500);
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const service = await describeService(ctx, target);
  const usage = await readUsage(target, service);
  const arns = await listRevisionArns(target);
  const shown = await describeRevisions(target, arns.slice(0, limit), usage);
  report.info(`${target.descriptor.family}: ${arns.length} active revision(s)${arns.length > shown.length ? `, newest ${shown.length} shown (--limit)` : ''}`);
  for (const r of shown) report.info(line(r));
  return {
    exitCode: EXIT.OK,
    document: { command: 'revisions', environment: target.env.name, family: target.descriptor.family, active: arns.length, revisions: shown.map(document), outcome: 'ok', exitCode: EXIT.OK },
  };
}

/**
 * `ecs-release revisions prune --keep N`: deregisters ecs-release's own old revisions, never one in use, one of the N
 * most recently deployed, or Terraform's (see planPrune). Usage is read again right before deregistering, so a
 * deployment that started meanwhile keeps its revision. Deregistered revisions stay readable (INACTIVE) and running
 * tasks are unaffected; they can no longer be deployed.
 */
export async function prune(ctx: Context, opts: PruneOptions): Promise<CommandResult> {
  const keep = parseCount('--keep', opts.keep, 1, 100);
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const service = await describeService(ctx, target);
  await refuseWhileBusy(target, service);
  const all = await describeRevisions(target, await listRevisionArns(target), await readUsage(target, service));
  const plan = planPrune(all, keep);
  const base = {
    command: 'revisions prune',
    environment: target.env.name,
    family: target.descriptor.family,
    keep,
    kept: plan.kept.map((k) => ({ revision: k.revision.arn, reason: k.reason })),
  };
  for (const k of plan.kept) report.info(`keep        ${revisionName(k.revision.arn)}: ${k.reason}`);
  if (opts.dryRun || plan.deregister.length === 0) {
    for (const r of plan.deregister) report.info(`would deregister ${revisionName(r.arn)} (${r.digest ?? r.image ?? 'no image'})`);
    report.info(opts.dryRun ? `dry run: ${plan.deregister.length} revision(s) would be deregistered; nothing changed` : 'nothing to deregister');
    return { exitCode: EXIT.OK, document: { ...base, deregister: plan.deregister.map((r) => r.arn), deregistered: [], outcome: opts.dryRun ? 'dry-run' : 'nothing-to-do', exitCode: EXIT.OK } };
  }
  // A deploy or run may have started since the plan was made: whatever is in use now stays.
  const now = await readUsage(target, await describeService(ctx, target));
  const deregistered: string[] = [];
  const failed: { revision: string; error: string }[] = [];
  for (const r of plan.deregister) {
    if (now.byArn.has(r.arn)) {
      report.info(`keep        ${revisionName(r.arn)}: in use since the plan was made`);
      continue;
    }
    try {
      await target.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: r.arn }));
      deregistered.push(r.arn);
      report.info(`deregistered ${revisionName(r.arn)}`);
    } catch (e) {
      failed.push({ revision: r.arn, error: (e as Error).name });
      report.info(`failed      ${revisionName(r.arn)}: ${(e as Error).name}`);
    }
  }
  const exitCode = failed.length > 0 ? EXIT.FAILED : EXIT.OK;
  report.info(`${deregistered.length} revision(s) deregistered${failed.length > 0 ? `, ${failed.length} failed` : ''}`);
  return { exitCode, document: { ...base, deregister: plan.deregister.map((r) => r.arn), deregistered, failed, outcome: failed.length > 0 ? 'partial' : 'pruned', exitCode } };
}
