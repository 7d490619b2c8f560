import { resourceNames, serviceNames, type ResourceNames, type ServiceNames } from '../../environments/names';
import type { EnvironmentConfig, ServiceConfig, ServiceKind } from '../../environments/schema';
import { usageError } from './errors';

/**
 * Which of an environment's services a command acts on, decided from configuration alone (no AWS call): `--service`
 * names one, `--group` names a release group (services sharing one image), and an environment with a single service
 * needs neither. Pure functions, so every refusal is tested without clients.
 */


/** One configured service, as the release CLI sees it. */
export interface ConfiguredService {
  /** The key of `services` in environments/<env>.ts. */
  readonly name: string;
  readonly kind: ServiceKind;
  /** Its validated configuration. */
  readonly config: ServiceConfig;
  /** The application container: the only one a release changes. */
  readonly containerName: string;
  readonly releaseGroup?: string;
  /** Blue/green web services deploy through CodeDeploy; every other long-running service rolls; scheduled ones never deploy. */
  readonly strategy: 'rolling' | 'blue-green' | 'scheduled';
  readonly bootstrapImage?: string;
  readonly enableExecuteCommand: boolean;
  readonly desiredCount?: number;
  readonly autoScaling?: { readonly minCapacity: number; readonly maxCapacity: number };
  /** Scheduled services: the EventBridge Scheduler expression and its time zone. */
  readonly schedule?: { readonly expression: string; readonly timezone: string; readonly enabled: boolean };
}

function view(name: string, raw: ServiceConfig): ConfiguredService {
  return {
    name,
    kind: raw.kind,
    config: raw,
    containerName: raw.containerName,
    releaseGroup: raw.releaseGroup,
    strategy: raw.kind === 'scheduled' ? 'scheduled' : raw.kind === 'web' && raw.deployment.strategy === 'blue-green' ? 'blue-green' : 'rolling',
    bootstrapImage: raw.bootstrapImage,
    enableExecuteCommand: raw.enableExecuteCommand,
    desiredCount: raw.kind === 'scheduled' ? undefined : raw.desiredCount,
    autoScaling: raw.kind === 'scheduled' ? undefined : raw.autoScaling,
    schedule: raw.kind === 'scheduled' ? { expression: raw.schedule, timezone: raw.timezone, enabled: raw.enabled } : undefined,
  };
}

/** Every configured service of the environment, in the order configuration declares them. */
export function configuredServices(env: Pick<EnvironmentConfig, 'services'>): ConfiguredService[] {
  return Object.entries(env.services).map(([name, raw]) => view(name, raw));
}

function listOf(services: readonly ConfiguredService[]): string {
  return services.map((s) => `${s.name} (${s.kind})`).join(', ');
}

/**
 * The service `--service` names; without it, the environment's only service. Refused in one line that lists the
 * services when the name is unknown or the environment has several and none was named.
 */
export function resolveService(env: EnvironmentConfig, name: string | undefined, option = '--service'): ConfiguredService {
  const services = configuredServices(env);
  if (name === undefined) {
    if (services.length === 1) return services[0];
    throw usageError(option, undefined, `one of the services of environment "${env.name}": ${listOf(services)} (it has ${services.length}; name one, or a release group with --group)`);
  }
  const found = services.find((s) => s.name === name);
  if (!found) throw usageError(option, name, `one of the services of environment "${env.name}": ${listOf(services)}`);
  return found;
}

/** The release groups of the environment: group name -> its services, in configuration order. */
export function releaseGroups(env: EnvironmentConfig): Map<string, ConfiguredService[]> {
  const groups = new Map<string, ConfiguredService[]>();
  for (const s of configuredServices(env)) {
    if (s.releaseGroup !== undefined) groups.set(s.releaseGroup, [...(groups.get(s.releaseGroup) ?? []), s]);
  }
  return groups;
}

/** The services of release group `name`, or a one-line refusal listing the groups there are. */
export function resolveGroup(env: EnvironmentConfig, name: string, option = '--group'): ConfiguredService[] {
  const groups = releaseGroups(env);
  const members = groups.get(name);
  if (!members) {
    const known = [...groups].map(([g, m]) => `${g} (${m.map((s) => s.name).join(', ')})`).join(', ');
    throw usageError(option, name, known ? `a release group of environment "${env.name}": ${known}` : `a release group, but environment "${env.name}" declares none (services.<name>.releaseGroup)`);
  }
  return members;
}

/** What a command was asked to act on: `--service`, `--group`, or neither. */
export interface Selection {
  readonly service?: string;
  readonly group?: string;
  /** `--all` (rollout): every service of the environment. */
  readonly all?: boolean;
}

/**
 * The services a shipping command (deploy, promote, rollback) acts on: the group's members, the named service, or
 * the only one. `--service` and `--group` together are refused (which one was meant is a guess).
 */
export function selectServices(env: EnvironmentConfig, selection: Selection): ConfiguredService[] {
  if (selection.service !== undefined && selection.group !== undefined) {
    throw usageError('--group', selection.group, `either --service or --group, not both (--service ${selection.service} was given too)`);
  }
  if (selection.all) {
    if (selection.service !== undefined || selection.group !== undefined) throw usageError('--all', true, `alone: not with ${selection.service !== undefined ? '--service' : '--group'} (--all is every service)`);
    return configuredServices(env);
  }
  if (selection.group !== undefined) return resolveGroup(env, selection.group);
  return [resolveService(env, selection.service)];
}

/**
 * Commands that mean nothing for a kind, refused in one line before any call: a scheduled service has no ECS
 * service (no scale, restart, wait, tasks of its own, exec, rollout of a running revision), and only a blue/green
 * web service has a CodeDeploy hold to approve.
 */
const NOT_FOR: Record<string, readonly ServiceKind[] | 'not-blue-green'> = {
  scale: ['scheduled'],
  restart: ['scheduled'],
  wait: ['scheduled'],
  exec: ['scheduled'],
  tasks: ['scheduled'],
  'tasks stop': ['scheduled'],
  approve: 'not-blue-green',
};

const WHY: Record<string, string> = {
  scale: 'a scheduled service runs one task per schedule, it has no desired count (change services.<name>.schedule)',
  restart: 'a scheduled service has no long-running tasks to restart (its next run starts fresh)',
  wait: 'a scheduled service has no deployment to wait for (deploy registers the revision its schedule runs)',
  exec: 'a scheduled service has no long-running task to open a session in',
  tasks: 'a scheduled service has no service tasks (its runs are listed with ecs-release status)',
  'tasks stop': 'a scheduled service has no service tasks',
};

export function refuseForKind(command: string, service: ConfiguredService, option = '--service'): void {
  const rule = NOT_FOR[command];
  if (rule === undefined) return;
  if (rule === 'not-blue-green') {
    if (service.strategy !== 'blue-green') {
      throw usageError(option, service.name, `a blue/green web service (approve lets a CodeDeploy deployment shift traffic; "${service.name}" is a ${service.kind} service that ${service.strategy === 'scheduled' ? 'runs on a schedule' : 'deploys rolling'})`);
    }
    return;
  }
  if (rule.includes(service.kind)) throw usageError(option, service.name, `a web or worker service for \`${command}\`: ${WHY[command]}`);
}

/** The environment's names and one service's: everything a command acting on that service names. */
export type ReleaseNames = ResourceNames & ServiceNames;

/** The physical names of one service of the environment, environment-level names included. */
export function serviceResourceNames(env: EnvironmentConfig, service: Pick<ConfiguredService, 'name'>): ReleaseNames {
  return { ...resourceNames(env), ...serviceNames(env, service.name) };
}

/**
 * `--env <env>` plus `--service <name>` where the environment has several services: the flags of a command that a
 * message suggests, so the suggested command runs as printed.
 */
export function targetFlags(target: { readonly env: EnvironmentConfig; readonly service: Pick<ConfiguredService, 'name'> }): string {
  return Object.keys(target.env.services).length > 1 ? `--env ${target.env.name} --service ${target.service.name}` : `--env ${target.env.name}`;
}
