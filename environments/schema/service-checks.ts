import { ECR_HOST, FULL_SECRET_ARN, KMS_KEY_ARN, registryOfImage } from '../../contracts/registry-source';
import { secretLookingVariable } from '../../contracts/secret-patterns';
import { allServiceNames, NAME_LIMITS, type ServiceNames } from '../../contracts/names';
import { listenerRulePriorities, priorityCollision, routePairs } from './routing';
import type { PullCredentialsConfig, ServiceConfig, WebServiceConfig } from './services';

/**
 * The checks of every service and across services (issue 11): each refusal is one ConfigError line whose path starts
 * `services.<name>`. `schema.ts` calls `serviceChecks` from its superRefine.
 */

type Fail = (path: (string | number)[], input: unknown, allowed: string) => void;

/** The part of the validated environment these checks read. */
export interface ServicesEnvironment {
  readonly project: string;
  readonly name: string;
  readonly production: boolean;
  readonly accountId: string;
  readonly region: string;
  readonly registry: { readonly repositoryName: string };
  readonly ci: { readonly appRepositories: readonly string[] };
  readonly services: Readonly<Record<string, ServiceConfig>>;
}

export const FARGATE_MEMORY_MIB: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: steps(1024, 4096, 1024),
  1024: steps(2048, 8192, 1024),
  2048: steps(4096, 16384, 1024),
  4096: steps(8192, 30720, 1024),
  8192: steps(16384, 61440, 4096),
  16384: steps(32768, 122880, 8192),
};

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

export function compactList(values: readonly number[]): string {
  if (values.length <= 4) return values.join(', ');
  return `${values[0]}..${values[values.length - 1]} in steps of ${values[1] - values[0]}`;
}

export function webServices(env: Pick<ServicesEnvironment, 'services'>): [string, WebServiceConfig][] {
  return Object.entries(env.services).filter((e): e is [string, WebServiceConfig] => e[1].kind === 'web');
}

export function serviceChecks(env: ServicesEnvironment, fail: Fail): void {
  for (const [name, svc] of Object.entries(env.services)) {
    const at = (...path: (string | number)[]) => ['services', name, ...path];
    checkOneService(env, svc, at, fail);
    checkContainers(svc, at, fail);
    checkImageSource(env, svc, at, fail);
    svc.deployedBy?.forEach((repo, i) => {
      if (!env.ci.appRepositories.includes(repo)) fail(at('deployedBy', i), repo, `one of ci.appRepositories (${env.ci.appRepositories.join(', ')})`);
    });
  }
  checkReleaseGroups(env, fail);
  checkRouting(env, fail);
  checkUniqueNames(env, fail);
}

function checkOneService(env: ServicesEnvironment, svc: ServiceConfig, at: (...p: (string | number)[]) => (string | number)[], fail: Fail): void {
  const allowedMemory = FARGATE_MEMORY_MIB[svc.cpu] ?? [];
  if (!allowedMemory.includes(svc.memoryMiB)) fail(at('memoryMiB'), svc.memoryMiB, `for cpu ${svc.cpu}: ${compactList(allowedMemory)}`);
  if (svc.kind !== 'scheduled' && svc.autoScaling) {
    const a = svc.autoScaling;
    if (a.maxCapacity < a.minCapacity) fail(at('autoScaling', 'maxCapacity'), a.maxCapacity, `>= autoScaling.minCapacity (${a.minCapacity})`);
    else if (svc.desiredCount < a.minCapacity || svc.desiredCount > a.maxCapacity) {
      fail(at('desiredCount'), svc.desiredCount, `between autoScaling.minCapacity and maxCapacity (${a.minCapacity}..${a.maxCapacity})`);
    }
  }
  if (svc.kind === 'web') {
    const again = svc.previousContainerPorts.findIndex((p, i) => p === svc.containerPort || svc.previousContainerPorts.indexOf(p) !== i);
    if (again >= 0) fail(at('previousContainerPorts', again), svc.previousContainerPorts[again], `a port other than containerPort (${svc.containerPort}) and listed once`);
  }
  if (svc.kind === 'web' && svc.healthCheck.timeoutSeconds >= svc.healthCheck.intervalSeconds) {
    fail(at('healthCheck', 'timeoutSeconds'), svc.healthCheck.timeoutSeconds, `less than healthCheck.intervalSeconds (${svc.healthCheck.intervalSeconds})`);
  }
  for (const [variable, value] of Object.entries(svc.environment)) {
    const why = secretLookingVariable(variable, value);
    // The value is never echoed: it may be the very secret.
    if (why) fail(at('environment', variable), '(value hidden)', `a plain setting, not a secret (${why}); pass it in secrets`);
  }
  const shared = Object.keys(svc.environment).filter((k) => k in svc.secrets);
  if (shared.length > 0) fail(at('environment', shared[0]), shared[0], `a name not also defined in services.${at()[1]}.secrets`);
  if (svc.enableExecuteCommand && env.production && !svc.executeCommandReason) {
    fail(at('executeCommandReason'), undefined, 'a written reason (20+ characters) when ECS Exec is enabled in production');
  }
  if (svc.enableExecuteCommand && svc.readonlyRootFilesystem) {
    // AWS does not support ECS Exec with a read-only root file system: its SSM agent needs to write inside the
    // container (aws-containers/amazon-ecs-exec-checker#21, aws/containers-roadmap#1359). Refused where the choice is
    // made instead of flipping the secure default behind the user's back.
    fail(at('readonlyRootFilesystem'), true, 'false when enableExecuteCommand is true (ECS Exec needs a writable root file system; true is the default, set it to false explicitly or turn ECS Exec off)');
  }
  if (svc.kind === 'worker' || (svc.kind === 'web' && svc.deployment.strategy === 'rolling')) {
    const d = svc.deployment;
    if (d.maximumPercent <= d.minimumHealthyPercent && d.minimumHealthyPercent > 0) {
      fail(at('deployment', 'maximumPercent'), d.maximumPercent, `greater than minimumHealthyPercent (${d.minimumHealthyPercent}) so a rolling deployment can make progress`);
    }
    if (env.production && d.minimumHealthyPercent < 100) fail(at('deployment', 'minimumHealthyPercent'), d.minimumHealthyPercent, '100 in production (no capacity loss while deploying)');
  }
  if (env.production && svc.versionConsistency !== 'enabled') {
    fail(at('versionConsistency'), svc.versionConsistency, "'enabled' in production (every task of a deployment must run the same digest)");
  }
}

/** Sidecars, start order and log routing of one task. */
function checkContainers(svc: ServiceConfig, at: (...p: (string | number)[]) => (string | number)[], fail: Fail): void {
  const sidecars = Object.entries(svc.sidecars);
  if (svc.sidecars[svc.containerName]) fail(at('sidecars', svc.containerName), svc.containerName, `a name other than the application container's (containerName "${svc.containerName}")`);
  const containers = new Map<string, { dependsOn: readonly { container: string; condition: string }[]; healthCheck?: unknown }>([
    [svc.containerName, { dependsOn: svc.dependsOn }],
    ...sidecars.map(([n, s]) => [n, { dependsOn: s.dependsOn, healthCheck: s.healthCheck }] as const),
  ]);
  for (const [container, c] of containers) {
    const path = container === svc.containerName ? at('dependsOn') : at('sidecars', container, 'dependsOn');
    c.dependsOn.forEach((d, i) => {
      const target = containers.get(d.container);
      if (!target || d.container === container) fail([...path, i, 'container'], d.container, `another container of this task (${[...containers.keys()].filter((k) => k !== container).join(', ') || 'none'})`);
      else if (d.condition === 'HEALTHY' && !target.healthCheck) fail([...path, i, 'condition'], d.condition, `START, COMPLETE or SUCCESS (container ${d.container} has no healthCheck)`);
    });
  }
  const cycle = dependencyCycle(containers);
  if (cycle) fail(at('dependsOn'), cycle, 'a start order without a cycle (ECS could start none of these containers)');
  const routers = sidecars.filter(([, s]) => s.firelens);
  if (routers.length > 1) fail(at('sidecars', routers[1][0], 'firelens'), routers[1][1].firelens, `unset (${routers[0][0]} is already the task's log router; a task has one)`);
  if (svc.logging.driver === 'firelens' && routers.length === 0) fail(at('logging', 'driver'), 'firelens', 'awslogs, or firelens with one sidecar declaring firelens (the log router)');
  const sidecarCpu = sidecars.reduce((n, [, s]) => n + s.cpu, 0);
  if (sidecarCpu >= svc.cpu) fail(at('sidecars'), sidecarCpu, `sidecars reserving less CPU than the task's ${svc.cpu} units together`);
  sidecars.forEach(([n, s]) => {
    if (s.memoryMiB !== undefined && s.memoryMiB >= svc.memoryMiB) fail(at('sidecars', n, 'memoryMiB'), s.memoryMiB, `less than the task's memoryMiB (${svc.memoryMiB})`);
    if (s.memoryMiB !== undefined && s.memoryReservationMiB !== undefined && s.memoryReservationMiB > s.memoryMiB) {
      fail(at('sidecars', n, 'memoryReservationMiB'), s.memoryReservationMiB, `<= memoryMiB (${s.memoryMiB})`);
    }
    for (const [variable, value] of Object.entries(s.environment)) {
      const why = secretLookingVariable(variable, value);
      if (why) fail(at('sidecars', n, 'environment', variable), '(value hidden)', `a plain setting, not a secret (${why}); pass it in secrets`);
    }
  });
}

/** A container cycle in `dependsOn`, as the names along it, or undefined. */
export function dependencyCycle(containers: ReadonlyMap<string, { dependsOn: readonly { container: string }[] }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of containers.get(name)?.dependsOn ?? []) {
      if (!containers.has(d.container) || d.container === name) continue;
      const found = visit(d.container);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...containers.keys()].sort()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

function checkReleaseGroups(env: ServicesEnvironment, fail: Fail): void {
  const first = new Map<string, [string, ServiceConfig]>();
  for (const [name, svc] of Object.entries(env.services)) {
    if (!svc.releaseGroup) continue;
    const seen = first.get(svc.releaseGroup);
    if (!seen) first.set(svc.releaseGroup, [name, svc]);
    else if (seen[1].bootstrapImage !== svc.bootstrapImage) {
      fail(['services', name, 'bootstrapImage'], svc.bootstrapImage, `"${seen[1].bootstrapImage}" like services.${seen[0]} (release group "${svc.releaseGroup}" shares one image)`);
    } else if (JSON.stringify(seen[1].imageSource ?? null) !== JSON.stringify(svc.imageSource ?? null)) {
      fail(['services', name, 'imageSource'], svc.imageSource, `${JSON.stringify(seen[1].imageSource ?? 'unset')} like services.${seen[0]} (release group "${svc.releaseGroup}" ships one image from one registry)`);
    }
  }
}

/**
 * A private-registry source (issue 16): the pull secret and its key live in the environment's own account and region
 * (ECS reads repositoryCredentials there), and the credentials only ever reach the registry they are for: the
 * bootstrap image is in the source's registry, a sidecar with credentials is not in ECR.
 */
function checkImageSource(env: ServicesEnvironment, svc: ServiceConfig, at: (...p: (string | number)[]) => (string | number)[], fail: Fail): void {
  const source = svc.imageSource;
  if (source) {
    const registry = registryOfImage(svc.bootstrapImage);
    if (registry !== source.registry) {
      fail(at('bootstrapImage'), svc.bootstrapImage, `an image in ${source.registry} (imageSource.registry: the pull credentials are sent to that registry only)`);
    }
    if (source.pullCredentials) checkPullCredentials(env, source.pullCredentials, (...p) => at('imageSource', 'pullCredentials', ...p), fail);
  }
  for (const [name, sidecar] of Object.entries(svc.sidecars)) {
    if (!sidecar.pullCredentials) continue;
    const registry = registryOfImage(sidecar.image);
    if (registry !== undefined && ECR_HOST.test(registry)) {
      fail(at('sidecars', name, 'image'), sidecar.image, 'an image outside ECR when pullCredentials is set (ECR authenticates with IAM; drop pullCredentials)');
    }
    checkPullCredentials(env, sidecar.pullCredentials, (...p) => at('sidecars', name, 'pullCredentials', ...p), fail);
  }
}

function checkPullCredentials(env: ServicesEnvironment, creds: PullCredentialsConfig, at: (...p: (string | number)[]) => (string | number)[], fail: Fail): void {
  const secret = FULL_SECRET_ARN.exec(creds.secretArn);
  if (secret && (secret[1] !== env.region || secret[2] !== env.accountId)) {
    fail(at('secretArn'), creds.secretArn, `a secret in the environment's account ${env.accountId} and region ${env.region} (ECS reads repositoryCredentials there)`);
  }
  const key = creds.kmsKeyArn === undefined ? null : KMS_KEY_ARN.exec(creds.kmsKeyArn);
  if (key && (key[1] !== env.region || key[2] !== env.accountId)) {
    fail(at('kmsKeyArn'), creds.kmsKeyArn, `a key in the environment's account ${env.accountId} and region ${env.region} (the secret's own key)`);
  }
}

/**
 * Web routing on the one load balancer: no two services answer the same host+path; the blue/green service (at most
 * one) owns the production and test listeners' default action, which CodeDeploy rewrites, so it takes no routing and
 * no rolling catch-all may sit beside it (its rule would shadow the default action: CodeDeploy would shift nothing).
 */
function checkRouting(env: ServicesEnvironment, fail: Fail): void {
  const web = webServices(env);
  const blueGreen = web.filter(([, s]) => s.deployment.strategy === 'blue-green');
  if (blueGreen.length > 1) {
    fail(['services', blueGreen[1][0], 'deployment', 'strategy'], 'blue-green', `"rolling" (services.${blueGreen[0][0]} is already blue/green; CodeDeploy takes the listeners' default action, which one service can own)`);
    return;
  }
  const owner = blueGreen[0];
  if (owner) {
    const r = owner[1].routing;
    if (r.hosts.length || r.paths.length || r.priority !== undefined) {
      fail(['services', owner[0], 'routing'], r, 'unset for a blue/green service (CodeDeploy forwards the whole production and test listener to it)');
      return;
    }
  }
  const rolling = web.filter(([, s]) => s.deployment.strategy === 'rolling');
  const pairs = new Map<string, string>();
  for (const [name, svc] of rolling) {
    if (owner && routePairs(svc.routing).includes('* /*')) {
      fail(['services', name, 'routing'], svc.routing, `hosts or paths (a catch-all rule would shadow services.${owner[0]}, the blue/green service on the listener's default action)`);
      return;
    }
    for (const pair of routePairs(svc.routing)) {
      const other = pairs.get(pair);
      if (other) {
        fail(['services', name, 'routing'], svc.routing, `a host and path pair not already routed to services.${other} (${pair})`);
        return;
      }
      pairs.set(pair, name);
    }
  }
  const collision = priorityCollision(listenerRulePriorities(Object.fromEntries(rolling.map(([n, s]) => [n, s.routing]))));
  if (collision) {
    fail(['services', collision.second, 'routing', 'priority'], collision.priority, `a listener-rule priority other than services.${collision.first}'s (${collision.priority}); set routing.priority on one of them`);
  }
}

/** Names AWS limits are cut; two that end up equal would make two resources fight over one name. */
function checkUniqueNames(env: ServicesEnvironment, fail: Fail): void {
  const names = allServiceNames(env);
  const web = (n: ServiceNames) => env.services[n.service].kind === 'web';
  const kinds: [string, (n: ServiceNames) => [string, string][], number][] = [
    ['target group', (n) => (web(n) ? [['target group', n.targetGroup], ['green target group', n.greenTargetGroup]] : []), NAME_LIMITS.targetGroup],
    ['IAM role', (n) => [['execution role', n.executionRole], ['task role', n.taskRole], ['CodeDeploy role', n.codedeployRole], ['scheduler role', n.schedulerRole]], NAME_LIMITS.iamRole],
    ['schedule', (n) => (env.services[n.service].kind === 'scheduled' ? [['schedule', n.scheduleName]] : []), NAME_LIMITS.schedule],
    ['task-definition family', (n) => [['family', n.family]], NAME_LIMITS.family],
    ['log group', (n) => [['log group', n.logGroup]], NAME_LIMITS.logGroup],
  ];
  for (const [, read, limit] of kinds) {
    const seen = new Map<string, string>();
    for (const n of names) {
      for (const [what, physical] of read(n)) {
        const other = seen.get(physical);
        if (other !== undefined) {
          fail(['services', n.service], n.service, `a shorter name: its ${what} and ${other} would both be "${physical}" once cut to AWS's ${limit} characters`);
          return;
        }
        seen.set(physical, `services.${n.service}'s ${what}`);
      }
    }
  }
}
