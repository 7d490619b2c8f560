import {
  AWS_DEFAULT_TIMING,
  blueGreenDeploymentLowerBound,
  environmentRolloutBounds,
  rollingDeploymentLowerBound,
  rolloutTargetSeconds,
} from '../../src/rollout/bounds';
import { renderRolloutBounds } from '../../scripts/rollout-bounds';
import { dev, prod, variant } from '../helpers/stacks';

describe('rolling deployment lower bound (model)', () => {
  test('AWS defaults: 30 s to the first passing check + 300 s draining = 330 s; 450 s if the healthy threshold applied', () => {
    // GIVEN one task and AWS's defaults
    const timing = { ...AWS_DEFAULT_TIMING, taskCount: 1 };
    // WHEN / THEN
    expect(rollingDeploymentLowerBound(timing)).toMatchObject({ seconds: 330, waves: 1, maxTasks: 2, minHealthyTasks: 1 });
    expect(rollingDeploymentLowerBound(timing, 'healthy-threshold').seconds).toBe(450);
  });

  test('with 100/200 % every task starts at once, so the bound does not grow with the task count', () => {
    for (const taskCount of [1, 3, 12, 100]) {
      expect(rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount })).toMatchObject({ seconds: 330, waves: 1 });
    }
  });

  test('maximumPercent 150 serializes the deployment into waves, each waiting for health and draining', () => {
    // GIVEN 4 tasks: at most 6 running, at least 4 healthy -> 2 new tasks per wave
    const b = rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount: 4, maximumPercent: 150 });
    // THEN two waves of (30 s healthy + 300 s drain)
    expect(b).toMatchObject({ seconds: 660, waves: 2, maxTasks: 6, minHealthyTasks: 4 });
  });

  test('minimumHealthyPercent below 100 stops old tasks first and waits for their draining before starting new ones', () => {
    // GIVEN 4 tasks with 50/100 %: no room above 4, 2 may stop at once
    const b = rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount: 4, minimumHealthyPercent: 50, maximumPercent: 100 });
    // THEN drain 2 (300) -> start 2 (30) -> drain 2 (300) -> start 2 (30)
    expect(b).toMatchObject({ seconds: 660, waves: 2 });
  });

  test('a configuration that can neither start nor stop a task is reported as never finishing, with the reason', () => {
    // GIVEN one task with 100/150 %: floor(1.5) = 1 running allowed, 1 healthy required
    const b = rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount: 1, maximumPercent: 150 });
    expect(b.seconds).toBe(Infinity);
    expect(b.stuck).toMatch(/maximumPercent 150 allows 1 running and minimumHealthyPercent 100 requires 1 healthy/);
  });

  test('a service scaled to zero deploys instantly', () => {
    expect(rollingDeploymentLowerBound({ ...AWS_DEFAULT_TIMING, taskCount: 0 }).seconds).toBe(0);
  });

  test('blue/green: healthy + shifting; the approval hold is a manual gate (0 at least) and the termination wait the rollback window, both reported apart', () => {
    const base = { ...AWS_DEFAULT_TIMING, approvalWaitMinutes: 0, terminationWaitMinutes: 5 };
    expect(blueGreenDeploymentLowerBound({ ...base, trafficShifting: { type: 'all-at-once' } })).toEqual({
      seconds: 30, healthySeconds: 30, approvalTimeoutSeconds: 0, shiftSeconds: 0, rollbackWindowSeconds: 600, mechanicalSeconds: 30, deliberateWaitSeconds: 0,
    });
    // GIVEN a 60-minute approval hold (STOP_DEPLOYMENT on timeout) and a canary
    const held = blueGreenDeploymentLowerBound({ ...base, approvalWaitMinutes: 60, trafficShifting: { type: 'canary', percent: 10, intervalMinutes: 5 } });
    // THEN the hold ends when someone approves, so it adds nothing to the lower bound; its timeout is reported
    expect([held.mechanicalSeconds, held.deliberateWaitSeconds, held.approvalTimeoutSeconds, held.seconds]).toEqual([30, 300, 3600, 330]);
    // 10 % every minute: 10 steps, 9 waits
    expect(blueGreenDeploymentLowerBound({ ...base, trafficShifting: { type: 'linear', percent: 10, intervalMinutes: 1 } }).shiftSeconds).toBe(540);
  });

  test('blue/green is compared like for like: the same deployment with AWS’s default health check, not a rolling one', () => {
    // GIVEN prod (blue/green) WHEN computing its bounds
    const b = environmentRolloutBounds(prod);
    // THEN AWS defaults mean 30 s to the first passing check, 150 s with the healthy threshold of 5
    expect(b.strategy).toBe('blue-green');
    expect(b.awsDefaults).toEqual({ lowerBound: 30, conservative: 150 });
    expect(b.fullTrafficSeconds).toBe(b.ours.lowerBound + b.deliberateWaitSeconds!);
  });

  test('the blue/green check has teeth: a slow health check (60 s × 5) misses prod’s 180 s target', () => {
    const slow = variant(prod, { services: { web: { healthCheck: { intervalSeconds: 60, healthyThresholdCount: 5, timeoutSeconds: 10 } } } });
    const b = environmentRolloutBounds(slow);
    expect(b.ours.conservative).toBe(300);
    expect(b.meetsTarget).toBe(false);
  });
});

describe('rollout targets of the environments (a configuration change that breaks one fails here)', () => {
  test.each([
    ['dev', 60, dev],
    ['prod', 180, prod],
  ] as const)('%s: even counting the healthy threshold, a deployment can finish within %i s', (_name, target, env) => {
    // GIVEN the environment file as committed
    // WHEN computing its bound over every task count it can run with
    const b = environmentRolloutBounds(env);
    // THEN
    expect(b.targetSeconds).toBe(target);
    expect(b.stuck).toBeUndefined();
    expect(b.ours.conservative).toBeLessThanOrEqual(target);
    expect(b.ours.lowerBound).toBeLessThanOrEqual(b.ours.conservative);
    expect(b.meetsTarget).toBe(true);
  });

  test('the same rolling services with AWS defaults would need minutes: 330 s, or 450 s with the healthy threshold', () => {
    // prod deploys blue/green; the same service rolling is what AWS's defaults are usually quoted for
    const prodRolling = variant(prod, { loadBalancer: { allowedTestCidrs: undefined }, services: { web: { deployment: { strategy: 'rolling', trafficShifting: undefined, approvalWaitMinutes: undefined, terminationWaitMinutes: undefined } } } });
    for (const env of [dev, prodRolling]) {
      expect(environmentRolloutBounds(env).awsDefaults).toEqual({ lowerBound: 330, conservative: 450 });
    }
  });

  test('the check has teeth: AWS’s 300 s deregistration delay in dev misses the 60 s target', () => {
    // GIVEN dev with the AWS default deregistration delay
    const slow = variant(dev, { services: { web: { deployment: { deregistrationDelaySeconds: 300 } } } });
    // THEN
    const b = environmentRolloutBounds(slow);
    expect(b.ours.conservative).toBe(320);
    expect(b.meetsTarget).toBe(false);
  });

  test('the worst task count counts: 100/150 % stalls a deployment at one task, which auto scaling allows in dev', () => {
    const stalls = variant(dev, { services: { web: { deployment: { maximumPercent: 150 } } } });
    const b = environmentRolloutBounds(stalls);
    expect(b.taskCounts).toEqual([1, 2, 3]);
    expect(b.stuck).toMatch(/with 1 task\(s\)/);
    expect(b.meetsTarget).toBe(false);
  });

  test('production environments get the 180 s target, others 60 s', () => {
    expect(rolloutTargetSeconds({ production: true })).toBe(180);
    expect(rolloutTargetSeconds({ production: false })).toBe(60);
  });

  test('`npm run rollout-bounds` shows ours and AWS defaults side by side for every environment', () => {
    const text = renderRolloutBounds([environmentRolloutBounds(dev), environmentRolloutBounds(prod)]);
    expect(text).toMatch(/^dev\s+rolling\s+\d+-\d+\s+\d+ s \(\d+ s\)\s+330 s \(450 s\)\s+<= 60 s\s+yes$/m);
    expect(text).toMatch(/^prod\s+blue-green\s+\d+-\d+\s+\d+ s \(\d+ s\)\s+30 s \(150 s\)\s+<= 180 s\s+yes$/m);
  });
});
