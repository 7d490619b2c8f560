/**
 * Hidden markers: the first line of every comment this tool writes. They find the one comment per environment to
 * update, and the plan comment's marker carries the plan fingerprint the apply gate compares.
 *
 *   <!-- ecs-coexist:plan-comment env=dev plan-sha256=<64 hex> head=<40 hex> -->
 *   <!-- ecs-coexist:plan-comment env=dev status=failed -->
 *   <!-- ecs-coexist:apply-result env=dev -->
 */

import { clipJson } from './plan-schema';

export type MarkerKind = 'plan-comment' | 'apply-result';

export interface Marker {
  readonly kind: MarkerKind;
  readonly env: string;
  /** Plan fingerprint (plan comments of successful plans only). */
  readonly planSha256?: string;
  /**
   * The pull request's head commit the plan was made for. The apply gate accepts a fingerprint only when this is the
   * head the pull request was merged at: a push whose plan never posted (cancelled, still running) cannot ride on the
   * comment of an earlier commit.
   */
  readonly head?: string;
  readonly status?: 'failed';
}

const PREFIX = '<!-- ecs-coexist:';
const ENV = /^[a-z][a-z0-9-]{0,31}$/;
const HEAD = /^[0-9a-f]{40}$/;

export function formatMarker(m: Marker): string {
  if (!ENV.test(m.env)) throw new Error(`marker env: received ${clipJson(m.env)}; allowed: lower-case letters, digits and dashes`);
  const parts = [`${PREFIX}${m.kind}`, `env=${m.env}`];
  if (m.planSha256) parts.push(`plan-sha256=${m.planSha256}`);
  if (m.head) {
    if (!HEAD.test(m.head)) throw new Error(`marker head: received ${clipJson(m.head)}; allowed: a 40-character commit SHA`);
    parts.push(`head=${m.head}`);
  }
  if (m.status) parts.push(`status=${m.status}`);
  return `${parts.join(' ')} -->`;
}

const LINE = /^<!-- ecs-coexist:(plan-comment|apply-result) env=([a-z][a-z0-9-]{0,31})((?: [a-z0-9-]+=[A-Za-z0-9]+)*) -->/;

/** The marker at the very start of a comment body; quoted or embedded copies (`> <!-- …`) do not count. */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  const m = LINE.exec(body ?? '');
  if (!m) return undefined;
  const attrs = Object.fromEntries(m[3].trim().split(' ').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  const sha = attrs['plan-sha256'];
  const head = attrs.head;
  return {
    kind: m[1] as MarkerKind,
    env: m[2],
    planSha256: sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined,
    ...(head && HEAD.test(head) ? { head } : {}),
    status: attrs.status === 'failed' ? 'failed' : undefined,
  };
}
