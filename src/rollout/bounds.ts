import type { DeploymentStrategy } from '../../contracts/descriptor';
import type { EnvironmentConfig } from '../../environments/schema';

/**
 * How long a deployment must take at least, from configuration alone: the floor that no faster application, image
 * or network can go below. Used by `npm run rollout-bounds` and the benchmark; meant for `ecs-release status`.
 *
 * ## The rolling model (ECS deployment controller behind an ALB target group)
 *
 * - **Capacity.** With `n` tasks, ECS keeps at most `floor(n × maximumPercent / 100)` tasks RUNNING or PENDING (old
 *   tasks still draining count: they are RUNNING until they stop) and at least `ceil(n × minimumHealthyPercent / 100)`
 *   healthy tasks (ECS rounds the maximum down and the minimum up).
 * - **New task.** A started task counts as healthy `healthySeconds` after it starts:
 *   - rule `first-check` (default, the lower bound): one health-check interval. The ALB marks a newly registered
 *     target healthy after its first passing check ("Optimize load balancer health check parameters for Amazon ECS",
 *     ECS developer guide); that check comes up to one interval after registration, and registration itself takes
 *     seconds, so one interval is counted.
 *   - rule `healthy-threshold`: `healthyThresholdCount × interval`, what a target recovering from unhealthy needs and
 *     what older guidance (and the usual "450 s with AWS defaults" arithmetic) assumes for new targets too. Reported
 *     next to the lower bound as the conservative figure; the targets are tested against it.
 * - **Old task.** Once ECS stops an old task, the ALB drains it for `deregistrationDelaySeconds`; the task then exits
 *   at once (an application that exits on SIGTERM; the stop timeout only matters for one that does not).
 * - **Decisions.** At every instant where something completes (and at 0), ECS first stops as many old tasks as the
 *   healthy minimum allows, then starts as many new tasks as the maximum allows. Each round of starts is a *wave*;
 *   with 100/200 % every task starts in the first wave, with 100/150 % waves serialize.
 * - **Done** when every new task is healthy and the last old task has stopped (ECS's deployment COMPLETED).
 * - **Counted as zero**, because configuration does not imply them: task placement, image pull, container start-up,
 *   ALB registration, ECS's own polling. The health-check grace period only bounds how long ECS ignores *failing*
 *   checks; a task that passes earlier is healthy earlier, so it does not enter the bound.
 *
 * With AWS's defaults (100/200 %, interval 30 s, healthy threshold 5, deregistration delay 300 s) one task gives
 * 30 + 300 = 330 s (`first-check`) or 5 × 30 + 300 = 450 s (`healthy-threshold`).
 *
 * ## The blue/green model (CodeDeploy)
 *
 * The replacement task set starts whole and is healthy after `healthySeconds`. Then, when `approvalWaitMinutes` > 0,
 * CodeDeploy holds (deployment ready option `STOP_DEPLOYMENT`) until someone runs `ecs-release approve`, for at most
 * that long: a manual gate whose lower bound is 0 (an immediate approval), reported as `approvalTimeoutSeconds`.
 * Then traffic shifting (all-at-once: 0; canary: one interval between the two steps; linear:
 * `ceil(100 / percent) - 1` intervals). `seconds` ends when all production traffic is on the new tasks. The
 * termination wait (old tasks kept for a one-action rollback) plus their deregistration delay follow and are reported
 * as `rollbackWindowSeconds`: a deliberate window during which the new version already serves everything.
 *
 * The traffic-shifting intervals are a chosen pause too (a canary bakes): the environment's rollout target applies to
 * `mechanicalSeconds`, what the configuration makes everyone wait for with no decision behind it (the new tasks turning
 * healthy), and the chosen pauses are reported beside it. AWS's defaults for the same blue/green deployment are its
 * health-check defaults (the shifting is this project's choice either way): 30 s, or 150 s with the healthy threshold.
 */

export type HealthyRule = 'first-check' | 'healthy-threshold';

/** The configuration a rolling deployment's duration depends on. */
export interface RollingTiming {
  /** Tasks the deployment replaces (the service's running count). */
  readonly taskCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly healthCheckIntervalSeconds: number;
  readonly healthyThresholdCount: number;
  readonly deregistrationDelaySeconds: number;
}

export interface RollingBound {
  /** Lower bound in seconds; `Infinity` when the deployment cannot make progress (see `stuck`). */
  readonly seconds: number;
  /** Rounds of task starts. */
  readonly waves: number;
  readonly healthySeconds: number;
  readonly drainSeconds: number;
  readonly maxTasks: number;
  readonly minHealthyTasks: number;
  /** Why the deployment can never finish, e.g. maximumPercent leaves no room for a new task. */
  readonly stuck?: string;
}

/** AWS's defaults for what the model reads (ECS service deployment configuration, ALB target group). */
export const AWS_DEFAULT_TIMING: Omit<RollingTiming, 'taskCount'> = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  healthCheckIntervalSeconds: 30,
  healthyThresholdCount: 5,
  deregistrationDelaySeconds: 300,
};

export function healthySeconds(t: Pick<RollingTiming, 'healthCheckIntervalSeconds' | 'healthyThresholdCount'>, rule: HealthyRule): number {
  return rule === 'first-check' ? t.healthCheckIntervalSeconds : t.healthyThresholdCount * t.healthCheckIntervalSeconds;
}

/** Lower bound of a rolling deployment's duration (model in this file's doc comment). Pure. */
export function rollingDeploymentLowerBound(t: RollingTiming, rule: HealthyRule = 'first-check'): RollingBound {
  const count = t.taskCount;
  const healthy = healthySeconds(t, rule);
  const drain = t.deregistrationDelaySeconds;
  const maxTasks = Math.floor((count * t.maximumPercent) / 100);
  const minHealthyTasks = Math.ceil((count * t.minimumHealthyPercent) / 100);
  const base = { healthySeconds: healthy, drainSeconds: drain, maxTasks, minHealthyTasks };
  if (count === 0) return { ...base, seconds: 0, waves: 0 };

  let now = 0;
  let old = count;
  let healthyNew = 0;
  let started = 0;
  let waves = 0;
  let starting: number[] = []; // times at which started tasks turn healthy
  let draining: number[] = []; // times at which stopped old tasks are gone
  for (;;) {
    const stop = Math.max(0, Math.min(old, old + healthyNew - minHealthyTasks));
    old -= stop;
    for (let i = 0; i < stop; i++) draining.push(now + drain);
    const room = maxTasks - (old + healthyNew + starting.length + draining.length);
    const start = Math.max(0, Math.min(count - started, room));
    if (start > 0) {
      waves += 1;
      started += start;
      for (let i = 0; i < start; i++) starting.push(now + healthy);
    }
    if (old === 0 && draining.length === 0 && starting.length === 0) return { ...base, seconds: now, waves };
    const pending = [...starting, ...draining];
    if (pending.length === 0) {
      return {
        ...base,
        seconds: Infinity,
        waves,
        stuck: `with ${count} task(s), maximumPercent ${t.maximumPercent} allows ${maxTasks} running and minimumHealthyPercent ` +
          `${t.minimumHealthyPercent} requires ${minHealthyTasks} healthy: no task can be started or stopped`,
      };
    }
    now = Math.min(...pending);
    healthyNew += starting.filter((at) => at <= now).length;
    starting = starting.filter((at) => at > now);
    draining = draining.filter((at) => at > now);
  }
}

/** What a blue/green deployment's duration depends on, beyond the health check. */
export interface BlueGreenTiming {
  readonly healthCheckIntervalSeconds: number;
  readonly healthyThresholdCount: number;
  readonly deregistrationDelaySeconds: number;
  readonly approvalWaitMinutes: number;
  readonly terminationWaitMinutes: number;
  readonly trafficShifting: { type: 'all-at-once' } | { type: 'canary' | 'linear'; percent: number; intervalMinutes: number };
}

export interface BlueGreenBound {
  /** Until all production traffic is on the new tasks, with an immediate approval. */
  readonly seconds: number;
  readonly healthySeconds: number;
  /** The longest CodeDeploy holds for `ecs-release approve` before it stops the deployment (0: no hold). */
  readonly approvalTimeoutSeconds: number;
  readonly shiftSeconds: number;
  /** Old tasks kept for rollback after the shift, then drained. */
  readonly rollbackWindowSeconds: number;
  /** Waiting that serves no decision: the replacement tasks turning healthy. */
  readonly mechanicalSeconds: number;
  /** Chosen pauses the configuration imposes: the traffic-shifting intervals (the approval is a person's time). */
  readonly deliberateWaitSeconds: number;
}

/** Lower bound of a CodeDeploy blue/green deployment (model in this file's doc comment). Pure. */
export function blueGreenDeploymentLowerBound(t: BlueGreenTiming, rule: HealthyRule = 'first-check'): BlueGreenBound {
  const healthy = healthySeconds(t, rule);
  const s = t.trafficShifting;
  const shift = s.type === 'all-at-once' ? 0 : s.type === 'canary' ? s.intervalMinutes * 60 : (Math.ceil(100 / s.percent) - 1) * s.intervalMinutes * 60;
  return {
    seconds: healthy + shift,
    healthySeconds: healthy,
    approvalTimeoutSeconds: t.approvalWaitMinutes * 60,
    shiftSeconds: shift,
    rollbackWindowSeconds: t.terminationWaitMinutes * 60 + t.deregistrationDelaySeconds,
    mechanicalSeconds: healthy,
    deliberateWaitSeconds: shift,
  };
}

/** The rollout-duration targets: seconds a deployment may take at least, per kind of environment. */
export function rolloutTargetSeconds(env: Pick<EnvironmentConfig, 'production'>): number {
  return env.production ? 180 : 60;
}

export interface BoundPair {
  /** `first-check` rule: the lower bound. */
  readonly lowerBound: number;
  /** `healthy-threshold` rule: the conservative figure. */
  readonly conservative: number;
}

export interface EnvironmentRolloutBounds {
  readonly environment: string;
  readonly strategy: DeploymentStrategy;
  /** Task counts evaluated: every count from the desired count or auto scaling's minimum to its maximum. */
  readonly taskCounts: number[];
  /** The worst (largest) bound over `taskCounts`, with this environment's configuration. */
  readonly ours: BoundPair;
  /**
   * The same service and task counts with AWS's defaults (`AWS_DEFAULT_TIMING`): rolling, the whole rolling
   * deployment; blue/green, the same deployment's mechanical part with AWS's default health check.
   */
  readonly awsDefaults: BoundPair;
  readonly targetSeconds: number;
  /** Whether the conservative figure meets the target. */
  readonly meetsTarget: boolean;
  readonly timing: Omit<RollingTiming, 'taskCount'>;
  /** Blue/green only: old tasks kept after the shift (not part of `ours`). */
  readonly rollbackWindowSeconds?: number;
  /** Blue/green only: traffic-shifting intervals, a chosen pause (not part of `ours`). */
  readonly deliberateWaitSeconds?: number;
  /** Blue/green only: how long CodeDeploy holds for `ecs-release approve` at most (a person's time, not part of `ours`). */
  readonly approvalTimeoutSeconds?: number;
  /** Blue/green only: until all production traffic is on the new tasks (mechanical + shifting), lower bound. */
  readonly fullTrafficSeconds?: number;
  /** Set when some task count can never finish a rolling deployment. */
  readonly stuck?: string;
}

/**
 * Rollout bounds of one web service of the environment (`serviceName`, or the first web service), ours next to AWS's
 * defaults. Web services only: the bounds count load-balancer health checks and deregistration, which a worker has not.
 */
export function environmentRolloutBounds(env: EnvironmentConfig, serviceName?: string): EnvironmentRolloutBounds {
  const name = serviceName ?? Object.keys(env.services).find((n) => env.services[n].kind === 'web');
  const svc = name === undefined ? undefined : env.services[name];
  if (!svc || svc.kind !== 'web') {
    throw new Error(`rollout bounds: service: received ${JSON.stringify(name)}; allowed: a web service of environment "${env.name}" (${Object.keys(env.services).filter((n) => env.services[n].kind === 'web').join(', ') || 'none'})`);
  }
  const d = svc.deployment;
  const timing: Omit<RollingTiming, 'taskCount'> = {
    minimumHealthyPercent: d.minimumHealthyPercent,
    maximumPercent: d.maximumPercent,
    healthCheckIntervalSeconds: svc.healthCheck.intervalSeconds,
    healthyThresholdCount: svc.healthCheck.healthyThresholdCount,
    deregistrationDelaySeconds: d.deregistrationDelaySeconds,
  };
  // Every count the service can run with: rounding makes small counts the slow ones when maximumPercent < 200.
  const lo = Math.min(svc.desiredCount, svc.autoScaling?.minCapacity ?? svc.desiredCount);
  const hi = Math.max(svc.desiredCount, svc.autoScaling?.maxCapacity ?? svc.desiredCount);
  const taskCounts = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const targetSeconds = rolloutTargetSeconds(env);
  const worst = (f: (count: number, rule: HealthyRule) => number): BoundPair => ({
    lowerBound: Math.max(...taskCounts.map((c) => f(c, 'first-check'))),
    conservative: Math.max(...taskCounts.map((c) => f(c, 'healthy-threshold'))),
  });

  if (d.strategy === 'blue-green') {
    const choices = { approvalWaitMinutes: d.approvalWaitMinutes, terminationWaitMinutes: d.terminationWaitMinutes, trafficShifting: d.trafficShifting };
    const bg = { ...timing, ...choices };
    // Like for like: the same deployment with AWS's default health check (the shifting is a choice either way).
    const awsBg = { ...AWS_DEFAULT_TIMING, ...choices };
    const ours = worst((_count, rule) => blueGreenDeploymentLowerBound(bg, rule).mechanicalSeconds);
    const awsDefaults = worst((_count, rule) => blueGreenDeploymentLowerBound(awsBg, rule).mechanicalSeconds);
    const bound = blueGreenDeploymentLowerBound(bg);
    return {
      environment: env.name, strategy: d.strategy, taskCounts, ours, awsDefaults, targetSeconds, timing,
      meetsTarget: ours.conservative <= targetSeconds,
      rollbackWindowSeconds: bound.rollbackWindowSeconds,
      deliberateWaitSeconds: bound.deliberateWaitSeconds,
      approvalTimeoutSeconds: bound.approvalTimeoutSeconds,
      fullTrafficSeconds: bound.seconds,
    };
  }
  const awsDefaults = worst((taskCount, rule) => rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount }, rule).seconds);
  const stuck = taskCounts.map((taskCount) => rollingDeploymentLowerBound({ ...timing, taskCount }).stuck).find((s) => s !== undefined);
  const ours = worst((taskCount, rule) => rollingDeploymentLowerBound({ ...timing, taskCount }, rule).seconds);
  return { environment: env.name, strategy: d.strategy, taskCounts, ours, awsDefaults, targetSeconds, timing, meetsTarget: ours.conservative <= targetSeconds, stuck };
}
