import type { z } from 'zod';
import { parseCidr, type Ipv4Cidr } from '../cidr';
import { resourceNames } from '../names';
import { secretLookingValue } from './secrets';

/**
 * Cross-field checks added for hostile and mistaken input (issue 13). Kept apart from the schema's own checks so the
 * rules read in one place; `schema.ts` calls `hostileInputChecks` from its superRefine.
 */

type Fail = (path: (string | number)[], input: unknown, allowed: string) => void;

/** The shape these checks read (the validated output of the environment schema). */
export interface CheckedEnvironment {
  readonly name: string;
  readonly project: string;
  readonly accountId: string;
  readonly region: string;
  readonly state: { readonly region: string; readonly kmsKeyArn?: string };
  readonly registry: { readonly repositoryName: string };
  readonly tags: Readonly<Record<string, string>>;
  readonly loadBalancer: { readonly allowedIngressCidrs: readonly string[]; readonly allowedTestCidrs: readonly string[]; readonly testListenerPort: number };
  readonly service: {
    readonly deployment: {
      readonly strategy: string;
      readonly trafficShifting: { readonly type: string };
      readonly approvalWaitMinutes: number;
      readonly terminationWaitMinutes: number;
      readonly rollbackAlarms: unknown;
    };
    readonly name: string;
    readonly containerName: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, string>>;
    readonly secretsKmsKeyArns: readonly string[];
  };
}

/**
 * The test listener's sources: each CIDR /8 or narrower and together at most 2^26 addresses (1/64 of IPv4, four /8
 * networks). `0.0.0.0/1` + `128.0.0.0/1` is the whole internet written in two lines; a /8 is already 16.7 million
 * addresses, more than any office, VPN or CI range needs.
 */
export const TEST_CIDR_MIN_PREFIX = 8;
export const TEST_CIDR_MAX_ADDRESSES = 2 ** 26;
const IPV4_ADDRESSES = 2 ** 32;

/** Number of distinct addresses the CIDRs cover together (overlaps counted once). */
export function unionSize(cidrs: readonly Ipv4Cidr[]): number {
  const ranges = cidrs.map((c) => [c.network, c.network + 2 ** (32 - c.prefix)] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [from, to] of ranges) {
    const start = Math.max(from, end);
    if (to > start) total += to - start;
    end = Math.max(end, to);
  }
  return total;
}

function checkCidrs(env: CheckedEnvironment, fail: Fail): void {
  const test = env.loadBalancer.allowedTestCidrs.map((t) => parseCidr(t));
  test.forEach((c, i) => {
    if (c && c.prefix > 0 && c.prefix < TEST_CIDR_MIN_PREFIX) {
      fail(['loadBalancer', 'allowedTestCidrs', i], env.loadBalancer.allowedTestCidrs[i], `a CIDR of /${TEST_CIDR_MIN_PREFIX} or narrower (the test listener must not be public)`);
    }
  });
  const parsed = test.filter((c): c is Ipv4Cidr => c !== undefined);
  if (parsed.length === test.length && parsed.every((c) => c.prefix >= TEST_CIDR_MIN_PREFIX) && unionSize(parsed) > TEST_CIDR_MAX_ADDRESSES) {
    fail(['loadBalancer', 'allowedTestCidrs'], env.loadBalancer.allowedTestCidrs, `CIDRs covering together at most ${TEST_CIDR_MAX_ADDRESSES} addresses (four /8 networks; the test listener must not be public)`);
  }
  // The public listeners may be open to all, but then say so: a list that adds up to the internet reads as restricted.
  const ingress = env.loadBalancer.allowedIngressCidrs.map((t) => parseCidr(t));
  if (ingress.length > 1 && ingress.every((c) => c !== undefined) && unionSize(ingress as Ipv4Cidr[]) >= IPV4_ADDRESSES) {
    fail(['loadBalancer', 'allowedIngressCidrs'], env.loadBalancer.allowedIngressCidrs, 'CIDRs that do not add up to the whole internet (write ["0.0.0.0/0"] when the listeners are public)');
  }
}

const ARN = /^arn:[\w-]+:(ssm|secretsmanager|kms):([a-z0-9-]+):(\d{12}):/;

function checkArnPlacement(env: CheckedEnvironment, fail: Fail): void {
  for (const [name, arn] of Object.entries(env.service.secrets)) {
    const m = ARN.exec(arn);
    if (!m) continue;
    // ECS reads the secret with the execution role of this account, in this region: a parameter elsewhere fails
    // every task start, and a secret of another account is a dependency nobody reviews here.
    if (m[2] !== env.region) fail(['service', 'secrets', name], arn, `a secret in region ${env.region} (the environment's region)`);
    else if (m[3] !== env.accountId) fail(['service', 'secrets', name], arn, `a secret of account ${env.accountId} (accountId)`);
  }
  env.service.secretsKmsKeyArns.forEach((arn, i) => {
    const m = ARN.exec(arn);
    if (m && m[2] !== env.region) fail(['service', 'secretsKmsKeyArns', i], arn, `a KMS key in region ${env.region} (KMS keys are regional)`);
  });
  const stateKey = env.state.kmsKeyArn ? ARN.exec(env.state.kmsKeyArn) : null;
  if (stateKey && stateKey[2] !== env.state.region) fail(['state', 'kmsKeyArn'], env.state.kmsKeyArn, `a KMS key in region ${env.state.region} (state.region)`);
}

/**
 * Names AWS limits (IAM roles: 64 characters) are cut by `resourceNames`; two that end up equal would make two
 * resources fight over one name (the second create fails, or worse, one role gets the other's policies).
 */
function checkTruncatedNames(env: CheckedEnvironment, fail: Fail): void {
  const n = resourceNames(env as unknown as Parameters<typeof resourceNames>[0]);
  const roles: [string, string][] = [
    ['execution role', n.executionRole],
    ['task role', n.taskRole],
    ['CodeDeploy role', n.codedeployRole],
    ['CI plan role', n.planRole],
    ['CI apply role', n.applyRole],
    ['CI deploy role', n.deployRole],
    ['flow-logs role', `${n.prefix}-vpc-flow-logs`.slice(0, 64)],
  ];
  const seen = new Map<string, string>();
  for (const [what, name] of roles) {
    const other = seen.get(name);
    if (other) {
      const total = env.project.length + env.name.length + env.service.name.length;
      fail(['service', 'name'], env.service.name, `shorter project, environment and service names (together ${total} characters): the ${other} and the ${what} would both be named "${name}" once cut to IAM's 64 characters`);
      return;
    }
    seen.set(name, what);
  }
}

function checkEnvironmentValues(env: CheckedEnvironment, fail: Fail): void {
  for (const [name, value] of Object.entries(env.service.environment)) {
    const why = secretLookingValue(name, value);
    if (why) fail(['service', 'environment', name], '(value hidden)', `a plain setting, not a secret (${why}); pass it in service.secrets`);
  }
}

/** The blue/green settings and their defaults: under a rolling strategy anything else is a setting nothing reads. */
const BLUE_GREEN_DEFAULTS: readonly [(string)[], (env: CheckedEnvironment) => unknown, unknown][] = [
  [['service', 'deployment', 'trafficShifting'], (e) => e.service.deployment.trafficShifting, { type: 'all-at-once' }],
  [['service', 'deployment', 'approvalWaitMinutes'], (e) => e.service.deployment.approvalWaitMinutes, 0],
  [['service', 'deployment', 'terminationWaitMinutes'], (e) => e.service.deployment.terminationWaitMinutes, 5],
  [['service', 'deployment', 'rollbackAlarms'], (e) => e.service.deployment.rollbackAlarms, { targetErrorRatePercent: 5, minimumRequests: 20, unhealthyHosts: 1, periodSeconds: 60, evaluationPeriods: 2, additionalAlarmNames: [] }],
  [['loadBalancer', 'allowedTestCidrs'], (e) => e.loadBalancer.allowedTestCidrs, []],
  [['loadBalancer', 'testListenerPort'], (e) => e.loadBalancer.testListenerPort, 8443],
];

/**
 * Blue/green settings under a rolling strategy would be silently ignored: someone believes prod waits an hour for
 * approval, or that a canary limits the blast radius, while ECS replaces every task at once.
 */
function checkRollingIgnoresNothing(env: CheckedEnvironment, fail: Fail): void {
  if (env.service.deployment.strategy !== 'rolling') return;
  for (const [path, read, fallback] of BLUE_GREEN_DEFAULTS) {
    const value = read(env);
    if (JSON.stringify(value) !== JSON.stringify(fallback)) {
      fail(path, value, `unset while service.deployment.strategy is "rolling" (a blue/green setting; set strategy: "blue-green" or remove it)`);
      return;
    }
  }
}

/** AWS's tag alphabet (the strictest services'): what default_tags may carry onto every resource. */
const TAG_TEXT = /^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u;
const TAG_ALLOWED = 'letters, digits, spaces and _ . : / = + - @ (what AWS accepts in tags)';

function checkTags(env: CheckedEnvironment, fail: Fail): void {
  for (const [key, value] of Object.entries(env.tags)) {
    if (!TAG_TEXT.test(key)) fail(['tags', key], key, `a tag key of ${TAG_ALLOWED}`);
    else if (!TAG_TEXT.test(value)) fail(['tags', key], value, `a tag value of ${TAG_ALLOWED}`);
  }
}

export function hostileInputChecks(env: CheckedEnvironment, ctx: z.RefinementCtx): void {
  const fail: Fail = (path, input, allowed) => ctx.addIssue({ code: 'custom', path, input, message: allowed });
  checkRollingIgnoresNothing(env, fail);
  checkTags(env, fail);
  checkCidrs(env, fail);
  checkArnPlacement(env, fail);
  checkTruncatedNames(env, fail);
  checkEnvironmentValues(env, fail);
}
