import type { z } from 'zod';
import { parseCidr, type Ipv4Cidr } from '../cidr';
import { resourceNames } from '../../contracts/names';
import type { ServiceConfig } from './services';
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
  readonly services: Readonly<Record<string, ServiceConfig>>;
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
  for (const [service, svc] of Object.entries(env.services)) {
    const holders: [(string | number)[], Readonly<Record<string, string>>][] = [
      [['services', service, 'secrets'], svc.secrets],
      ...Object.entries(svc.sidecars).map(([c, s]) => [['services', service, 'sidecars', c, 'secrets'], s.secrets] as [(string | number)[], Readonly<Record<string, string>>]),
    ];
    for (const [path, secrets] of holders) {
      for (const [name, arn] of Object.entries(secrets)) {
        const m = ARN.exec(arn);
        if (!m) continue;
        // ECS reads the secret with the execution role of this account, in this region: a parameter elsewhere fails
        // every task start, and a secret of another account is a dependency nobody reviews here.
        if (m[2] !== env.region) fail([...path, name], arn, `a secret in region ${env.region} (the environment's region)`);
        else if (m[3] !== env.accountId) fail([...path, name], arn, `a secret of account ${env.accountId} (accountId)`);
      }
    }
    svc.secretsKmsKeyArns.forEach((arn, i) => {
      const m = ARN.exec(arn);
      if (m && m[2] !== env.region) fail(['services', service, 'secretsKmsKeyArns', i], arn, `a KMS key in region ${env.region} (KMS keys are regional)`);
    });
  }
  const stateKey = env.state.kmsKeyArn ? ARN.exec(env.state.kmsKeyArn) : null;
  if (stateKey && stateKey[2] !== env.state.region) fail(['state', 'kmsKeyArn'], env.state.kmsKeyArn, `a KMS key in region ${env.state.region} (state.region)`);
}

/**
 * The environment's IAM role names are cut to 64 characters by `resourceNames`; two that end up equal would make two
 * resources fight over one name (the second create fails, or worse, one role gets the other's policies). The services'
 * names are checked against each other in service-checks.ts.
 */
function checkTruncatedNames(env: CheckedEnvironment, fail: Fail): void {
  const n = resourceNames(env as unknown as Parameters<typeof resourceNames>[0]);
  const roles: [string, string][] = [
    ['CI plan role', n.planRole],
    ['CI apply role', n.applyRole],
    ['CI deploy role', n.deployRole],
    ['CI approve role', n.approveRole],
    ['operator role', n.operatorRole],
    ['flow-logs role', n.flowLogsRole],
  ];
  const seen = new Map<string, string>();
  for (const [what, name] of roles) {
    const other = seen.get(name);
    if (other) {
      const total = env.project.length + env.name.length;
      fail(['name'], env.name, `shorter project and environment names (together ${total} characters): the ${other} and the ${what} would both be named "${name}" once cut to IAM's 64 characters`);
      return;
    }
    seen.set(name, what);
  }
  for (const service of Object.keys(env.services)) {
    const prefix = `${n.prefix}-${service}`;
    // A service's role name must not collide with an environment role (a service called "ci" would name "<prefix>-ci-deploy"... only through its suffixes).
    const own = [`${prefix}-execution`, `${prefix}-task`, `${prefix}-codedeploy`, `${prefix}-scheduler`].map((r) => r.slice(0, 64));
    const clash = own.find((r) => seen.has(r));
    if (clash) {
      fail(['services', service], service, `another service name: one of its roles would be named "${clash}" like the ${seen.get(clash)}`);
      return;
    }
  }
}

function checkEnvironmentValues(env: CheckedEnvironment, fail: Fail): void {
  for (const [service, svc] of Object.entries(env.services)) {
    const holders: [(string | number)[], Readonly<Record<string, string>>][] = [
      [['services', service, 'environment'], svc.environment],
      ...Object.entries(svc.sidecars).map(([c, s]) => [['services', service, 'sidecars', c, 'environment'], s.environment] as [(string | number)[], Readonly<Record<string, string>>]),
    ];
    for (const [path, vars] of holders) {
      for (const [name, value] of Object.entries(vars)) {
        const why = secretLookingValue(name, value);
        if (why) fail([...path, name], '(value hidden)', `a plain setting, not a secret (${why}); pass it in secrets`);
      }
    }
  }
}

const DEPLOYMENT_DEFAULTS = {
  trafficShifting: { type: 'all-at-once' },
  approvalWaitMinutes: 0,
  terminationWaitMinutes: 5,
  rollbackAlarms: { targetErrorRatePercent: 5, minimumRequests: 20, unhealthyHosts: 1, periodSeconds: 60, evaluationPeriods: 2, additionalAlarmNames: [] },
} as const;

/**
 * Blue/green settings under a rolling strategy would be silently ignored: someone believes prod waits an hour for
 * approval, or that a canary limits the blast radius, while ECS replaces every task at once. The test listener's
 * settings are read only when some web service is blue/green.
 */
function checkRollingIgnoresNothing(env: CheckedEnvironment, fail: Fail): void {
  let anyBlueGreen = false;
  for (const [service, svc] of Object.entries(env.services)) {
    if (svc.kind !== 'web') continue;
    if (svc.deployment.strategy !== 'rolling') {
      anyBlueGreen = true;
      continue;
    }
    for (const [field, fallback] of Object.entries(DEPLOYMENT_DEFAULTS)) {
      const value = (svc.deployment as Record<string, unknown>)[field];
      if (JSON.stringify(value) !== JSON.stringify(fallback)) {
        fail(['services', service, 'deployment', field], value, `unset while services.${service}.deployment.strategy is "rolling" (a blue/green setting; set strategy: "blue-green" or remove it)`);
        return;
      }
    }
  }
  if (anyBlueGreen) return;
  const lb: [string, unknown, unknown][] = [
    ['allowedTestCidrs', env.loadBalancer.allowedTestCidrs, []],
    ['testListenerPort', env.loadBalancer.testListenerPort, 8443],
  ];
  for (const [field, value, fallback] of lb) {
    if (JSON.stringify(value) !== JSON.stringify(fallback)) {
      fail(['loadBalancer', field], value, 'unset while no web service is blue/green (a blue/green setting; set a service\'s deployment.strategy: "blue-green" or remove it)');
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
