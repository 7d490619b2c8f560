import { resourceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Context } from './context';
import { EXIT, ReleaseError, usageError } from './errors';
import { parseRevision } from './revision';
import { checkImageInput, checkRepository } from './image';
import { checkCredentialsChoice, checkSourceRegistry } from './private-source';
import { refuseForKind, selectServices, serviceResourceNames, type ConfiguredService } from './services';

/**
 * Everything the command line and the configuration alone can decide, decided before any AWS call (not even STS): a
 * bad input never costs a request, never needs credentials, and is refused the same way offline. One place, run by
 * the CLI for every command, so a new command gets the same checks by naming its flags.
 */

const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** The environment behind `--env` (or `--from`/`--to`), refused in one line when it is not a known, valid one. */
export function environmentFor(ctx: Context, name: string, option = '--env'): EnvironmentConfig {
  try {
    return ctx.loadEnvironment(name);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    throw new ReleaseError(EXIT.USAGE, message.startsWith('invalid environment') ? `${option}: ${message}` : message);
  }
}

/** The ECR repository URL configuration derives for the environment (the descriptor publishes the same). */
export function expectedRepositoryUrl(env: EnvironmentConfig): string {
  const suffix = env.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${env.accountId}.dkr.ecr.${env.region}.${suffix}/${resourceNames(env).repository}`;
}

function checkRoleArn(option: string, arn: string | undefined, env: EnvironmentConfig): void {
  if (arn === undefined) return;
  const m = ROLE_ARN.exec(arn);
  if (!m) throw usageError(option, arn, 'an IAM role ARN such as arn:aws:iam::111111111111:role/webapp-dev-ci-deploy');
  if (m[2] !== env.accountId) throw usageError(option, arn, `a role in account ${env.accountId} (environment "${env.name}")`);
}

function checkContainer(container: string | undefined, service: ConfiguredService): void {
  if (container === undefined) return;
  if (!CONTAINER.test(container)) throw usageError('--container', container, `a container name (letters, digits, _ and -), such as ${service.containerName}`);
}

/**
 * `logs` reads the awslogs streams `<service>/<container>/<task>`: a container the service does not have, or the
 * application container under FireLens (its lines go where the router sends them), would read an empty prefix and
 * print nothing, as if the service were silent. Sidecars always log through awslogs (modules/service/containers.ts).
 */
function checkLogContainer(env: EnvironmentConfig, service: ConfiguredService, container: string | undefined): void {
  const config = env.services[service.name];
  const containers = [service.containerName, ...Object.keys(config.sidecars)];
  const name = container ?? service.containerName;
  if (!containers.includes(name)) throw usageError('--container', name, `a container of service ${service.name}: ${containers.join(', ')}`);
  if (name === service.containerName && config.logging.driver === 'firelens') {
    const router = Object.entries(config.sidecars).find(([, s]) => s.firelens)?.[0];
    throw usageError('--container', name, `a container that logs through awslogs: "${name}" logs through FireLens (services.${service.name}.logging.driver), its lines go where the log router sends them; the router's own lines: --container ${router}`);
  }
}

/**
 * The services the command acts on (`--service`, `--group`, or the only one), each refused in one line when the
 * command means nothing for its kind. No call.
 */
export function servicesFor(env: EnvironmentConfig, command: string, flags: { service?: string; group?: string; all?: boolean }): ConfiguredService[] {
  const selected = selectServices(env, flags);
  for (const s of selected) refuseForKind(command, s, flags.group !== undefined ? '--group' : flags.all ? '--all' : '--service');
  return selected;
}

/** The flags the CLI parsed for one command (commander's option values, plus `run`'s command). */
export interface PreflightFlags {
  readonly env?: string;
  readonly service?: string;
  readonly group?: string;
  readonly all?: boolean;
  readonly from?: string;
  readonly to?: string;
  readonly image?: string;
  readonly allowMutableTag?: boolean;
  /** `--registry-credentials` (deploy and promote of a private-registry service). */
  readonly registryCredentials?: string;
  readonly container?: string;
  readonly roleArn?: string;
  readonly fromRoleArn?: string;
  readonly toRoleArn?: string;
  readonly dryRun?: boolean;
  readonly wait?: boolean;
  readonly command?: readonly string[];
}

export function preflight(ctx: Context, command: string, flags: PreflightFlags): void {
  if (flags.dryRun && flags.wait === false) {
    throw usageError('--no-wait', true, 'not with --dry-run (a dry run starts nothing to wait for)');
  }
  if (command === 'run') {
    const argv = flags.command ?? [];
    const bad = argv.findIndex((a) => a.trim() === '' || /[\x00]/.test(a));
    if (bad >= 0) throw usageError(`command[${bad}]`, argv[bad], 'a non-empty argument (an empty program or argument is a quoting mistake)');
  }
  if (command === 'promote') {
    const from = environmentFor(ctx, flags.from!, '--from');
    const to = environmentFor(ctx, flags.to!, '--to');
    if (from.name === to.name) throw usageError('--to', flags.to, `an environment other than --from (${from.name})`);
    // An account may hold several environments (staging beside dev), but a registry one: the digest reaches --to by
    // replication into its own registry, which another environment in the same account and region could not have.
    if (from.accountId === to.accountId && from.region === to.region) {
      throw usageError('--to', flags.to, `an environment with its own registry, not in ${from.name}'s account and region (${from.accountId}/${from.region})`);
    }
    // The same service names in both environments: each promoted service must exist in --from.
    for (const s of servicesFor(to, command, flags)) servicesFor(from, command, { service: s.name });
    checkCredentialsChoice(flags.registryCredentials);
    checkRoleArn('--from-role-arn', flags.fromRoleArn, from);
    checkRoleArn('--to-role-arn', flags.toRoleArn, to);
    return;
  }
  const env = environmentFor(ctx, flags.env!);
  checkRoleArn('--role-arn', flags.roleArn, env);
  const services = servicesFor(env, command, flags);
  checkContainer(flags.container, services[0]);
  if (command === 'logs') checkLogContainer(env, services[0], flags.container);
  // A scheduled service's job can run now with its own command; any other one-off task needs one.
  if (command === 'run' && (flags.command ?? []).length === 0 && services[0].kind !== 'scheduled') {
    throw usageError('command', [], 'a command after --, such as: -- ./manage.py migrate');
  }
  if (command === 'rollback' && flags.to !== undefined) {
    if (services.length > 1) throw usageError('--to', flags.to, `no --to with --group (a revision belongs to one service's family; roll the group back to each one's previous image without --to, or name --service)`);
    const family = serviceResourceNames(env, services[0]).family;
    const arn = /^arn:aws[\w-]*:ecs:([\w-]+):(\d{12}):task-definition\//.exec(flags.to.trim());
    const wanted = parseRevision(flags.to);
    if ((wanted.family && wanted.family !== family) || (arn && (arn[1] !== env.region || arn[2] !== env.accountId))) {
      throw usageError('--to', flags.to, `a revision of family ${family} (a number such as 12, ${family}:12 or its ARN)`);
    }
  }
  checkCredentialsChoice(flags.registryCredentials);
  if (flags.image !== undefined) {
    const ref = checkImageInput(flags.image, !!flags.allowMutableTag);
    const source = services[0].config.imageSource;
    if (source) checkSourceRegistry(ref, flags.image, source.registry);
    else checkRepository(ref, flags.image, expectedRepositoryUrl(env));
  }
}
