import { Reporter, type CommandResult, type Context } from '../context';
import { EXIT, visible } from '../errors';
import { checkImage, checkLogGroup, checkRole, checkSecret, executionPolicies, type Check } from '../verify';
import { checkPrivateImage } from '../private-source';
import { describeService, resolveTarget, revisionName } from '../target';
import { describeRevision } from './deploy';

export interface VerifyOptions {
  readonly env: string;
  /** `--service`: optional when the environment has one service. */
  readonly service?: string;
  /** The image the next deploy ships (default: the one the service runs). */
  readonly image?: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release verify`: before a deploy, what would make its tasks fail to start, checked in AWS without writing:
 * the image exists in the environment's registry, the execution and task roles of Terraform's revision (the base of
 * every deploy) exist and trust ECS tasks, every secret it references exists and the execution role may read it, and
 * its log group exists. One line per check; exit 1 when any check fails.
 */
export async function verify(ctx: Context, opts: VerifyOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn, { service: opts.service });
  const { container, taskDefinitionArn } = target.descriptor;
  const base = await describeRevision(target, taskDefinitionArn);
  let image = opts.image;
  if (image === undefined) {
    const service = await describeService(ctx, target);
    image = (await describeRevision(target, service.taskDefinition ?? '')).definition.containerDefinitions?.find((c) => c.name === container)?.image;
  }
  const def = base.definition;
  const checks: Check[] = [target.descriptor.imageSource ? await checkPrivateImage(target, image, ctx.registry) : await checkImage(target, image)];
  checks.push(await checkRole(target, 'execution role', def.executionRoleArn));
  checks.push(await checkRole(target, 'task role', def.taskRoleArn));
  // Private-registry pull secrets (issue 16) are read by the same execution role, with the same action.
  const pulls = (def.containerDefinitions ?? []).flatMap((c) => (c.repositoryCredentials?.credentialsParameter ? [{ name: `repositoryCredentials of ${c.name}`, valueFrom: c.repositoryCredentials.credentialsParameter }] : []));
  const secrets = [...(def.containerDefinitions ?? []).flatMap((c) => c.secrets ?? []), ...pulls];
  // A role that exists but does not trust ECS tasks still has policies to evaluate.
  const roleFound = checks[1].detail.startsWith('exists');
  const policies = secrets.length > 0 && def.executionRoleArn && roleFound ? await executionPolicies(target, def.executionRoleArn) : undefined;
  for (const s of secrets) checks.push(await checkSecret(target, s.name ?? '', s.valueFrom ?? '', policies));
  checks.push(await checkLogGroup(target, def, container));

  report.info(`verify ${target.env.name}: Terraform's ${revisionName(taskDefinitionArn)} with ${image ?? 'no image'}`);
  for (const c of checks) report.info(`${c.status.toUpperCase().padEnd(4)}  ${c.check.padEnd(9)} ${visible(c.subject)}: ${visible(c.detail)}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  report.info(failed === 0 ? `all ${checks.length} checks passed${warned ? ` (${warned} warning(s))` : ''}` : `${failed} of ${checks.length} checks failed: a deploy now would start tasks that cannot run`);
  const exitCode = failed > 0 ? EXIT.FAILED : EXIT.OK;
  return {
    exitCode,
    document: { command: 'verify', environment: target.env.name, revision: taskDefinitionArn, image: image ?? null, checks, failed, warnings: warned, outcome: failed > 0 ? 'failed' : 'passed', exitCode },
  };
}
