import { z } from 'zod';
import { DEPLOYMENT_STRATEGIES } from '../../contracts/descriptor';
import { int, oneOf, str } from './primitives';

/** Health check, auto scaling and deployment settings of the service (parts of `environments/schema.ts`). */

export const healthCheckSchema = z
  .strictObject({
    /** Path the ALB probes. @default '/health' */
    path: z.string().regex(/^\/[\x21-\x7e]*$/, { message: "a path starting with '/'" }).max(1024).default('/health'),
    /** HTTP codes counted healthy. @default '200-399' */
    matcher: str(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, "HTTP codes like '200' or '200-399'").default('200-399'),
    /** Seconds between probes. AWS default 30; ours 10 so new tasks turn healthy in seconds. @default 10 */
    intervalSeconds: int(5, 300).default(10),
    /** @default 5 */
    timeoutSeconds: int(2, 120).default(5),
    /** Consecutive successes before a target is healthy. AWS default 5; ours 2. @default 2 */
    healthyThresholdCount: int(2, 10).default(2),
    /** @default 3 */
    unhealthyThresholdCount: int(2, 10).default(3),
  })
  .default({ path: '/health', matcher: '200-399', intervalSeconds: 10, timeoutSeconds: 5, healthyThresholdCount: 2, unhealthyThresholdCount: 3 });

export const autoScalingSchema = z.strictObject({
  /** @default 1 */
  minCapacity: int(0, 1000).default(1),
  maxCapacity: int(1, 1000),
  /** Target average CPU of the service. @default 60 */
  targetCpuPercent: int(10, 95).default(60),
  /** Target average memory; undefined means no memory policy. @default undefined */
  targetMemoryPercent: int(10, 95).optional(),
  /** @default 300 */
  scaleInCooldownSeconds: int(0, 3600).default(300),
  /** @default 60 */
  scaleOutCooldownSeconds: int(0, 3600).default(60),
});

const trafficShiftingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('all-at-once') }),
  z.strictObject({ type: z.literal('canary'), percent: int(1, 99), intervalMinutes: int(1, 2880) }),
  z.strictObject({ type: z.literal('linear'), percent: int(1, 99), intervalMinutes: int(1, 2880) }),
]);

/**
 * CloudWatch alarms that stop a blue/green deployment and roll it back (CodeDeploy's alarm configuration). One 5xx-rate
 * and one unhealthy-hosts alarm are created per target group (blue and green), so whichever group receives the new
 * version is watched.
 */
const rollbackAlarmsSchema = z
  .strictObject({
    /** Roll back when more than this share of a target group's requests are answered 5xx by its tasks. @default 5 */
    targetErrorRatePercent: int(1, 100).default(5),
    /** A period counts for the 5xx rate only with at least this many requests (1 failure in 2 requests is noise). @default 20 */
    minimumRequests: int(1, 1000000).default(20),
    /** Roll back when at least this many targets of a target group fail their health check. @default 1 */
    unhealthyHosts: int(1, 1000).default(1),
    /** Metric period; ALB metrics have one-minute resolution. @default 60 */
    periodSeconds: oneOf([60, 120, 180, 240, 300, 600, 900]).default(60),
    /** Consecutive breaching periods before an alarm fires. @default 2 */
    evaluationPeriods: int(1, 10).default(2),
    /** Further alarms (names in this account and region) that also stop and roll back a deployment. @default [] */
    additionalAlarmNames: z.array(z.string().regex(/^[^\x00-\x1f]{1,255}$/, { message: 'a CloudWatch alarm name' })).max(6, { message: 'at most 6 (CodeDeploy watches at most 10 alarms; 4 are built in)' }).default([]),
  })
  .default({ targetErrorRatePercent: 5, minimumRequests: 20, unhealthyHosts: 1, periodSeconds: 60, evaluationPeriods: 2, additionalAlarmNames: [] });

export const deploymentSchema = z
  .strictObject({
    /** `rolling` (ECS controller, circuit breaker with rollback) or `blue-green` (CodeDeploy). @default 'rolling' */
    strategy: z.enum(DEPLOYMENT_STRATEGIES).default('rolling'),
    /** @default 100 (never below capacity during a deployment) */
    minimumHealthyPercent: int(0, 100).default(100),
    /** @default 200 (start the new tasks before the old ones stop) */
    maximumPercent: int(100, 200).default(200),
    /** Must cover application start-up. @default 30 */
    healthCheckGracePeriodSeconds: int(0, 2147483647).default(30),
    /** Seconds the ALB drains an old task. AWS default 300; ours 30. @default 30 */
    deregistrationDelaySeconds: int(0, 3600).default(30),
    /** Blue/green traffic shifting. @default { type: 'all-at-once' } */
    trafficShifting: trafficShiftingSchema.default({ type: 'all-at-once' }),
    /** Blue/green: minutes to hold before shifting production traffic (0 = shift at once). @default 0 */
    approvalWaitMinutes: int(0, 2880).default(0),
    /** Blue/green: minutes the old tasks stay after the shift, for a one-action rollback. @default 5 */
    terminationWaitMinutes: int(0, 2880).default(5),
    /** Blue/green: alarms that stop a deployment and roll it back. @default see rollbackAlarmsSchema */
    rollbackAlarms: rollbackAlarmsSchema,
  })
  .default({
    strategy: 'rolling',
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    healthCheckGracePeriodSeconds: 30,
    deregistrationDelaySeconds: 30,
    trafficShifting: { type: 'all-at-once' },
    approvalWaitMinutes: 0,
    terminationWaitMinutes: 5,
    rollbackAlarms: { targetErrorRatePercent: 5, minimumRequests: 20, unhealthyHosts: 1, periodSeconds: 60, evaluationPeriods: 2, additionalAlarmNames: [] },
  });
