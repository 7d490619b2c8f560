import type { FoundComment } from './github';

/**
 * What the apply gate checks of a reviewed comment beyond its fingerprint. The comment is found by its author (the
 * workflow's bot), but a pull request that edits the plan workflow runs that edit with the same bot identity: it can
 * post a comment with the real fingerprint and a made-up body ("0 to destroy", notes left out). So the gate renders
 * the plan it is about to apply with this commit's renderer and requires the reviewed comment to show the same
 * headline, Plan line, cautions, Terraform warnings, ECS notes and change lists.
 *
 * Left out of the comparison, and why: the drift section and the per-resource details (drift is not what apply does;
 * details show the release image, which a deploy may move between review and merge), the footer and the trim notice
 * (the workflow run link), and the image named in a task-definition note (read from the release pointer at plan time,
 * ignored by the fingerprint for the same reason).
 */

const END = /^#### (?:Changed outside of Terraform \(drift\)|Details)$|^> \[!NOTE\]\n> Trimmed to fit|^---$/m;

/** The part of a plan comment the apply gate compares, normalised as described above. */
export function reviewedPart(markdown: string): string {
  const body = markdown.split('\n').slice(1).join('\n');
  const end = END.exec(body);
  const part = end ? body.slice(0, end.index) : body;
  return part.replace(/(registered with image )(`+)(?:(?!\2)[^\n])*?\2/g, '$1<release image>').trim();
}

/** The first line where the reviewed comment and the rendering of the plan to apply differ, or undefined. */
export function reviewDifference(reviewed: string, expected: string): string | undefined {
  const a = reviewedPart(reviewed).split('\n');
  const b = reviewedPart(expected).split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 2} shows ${JSON.stringify((a[i] ?? '(nothing)').slice(0, 80))} where this plan renders ${JSON.stringify((b[i] ?? '(nothing)').slice(0, 80))}`;
  }
  return undefined;
}

export interface GateInput {
  readonly env: string;
  /** `owner/repo#number`, for messages. */
  readonly ref: string;
  /** The bot's plan comment for the environment, if any. */
  readonly found: Pick<FoundComment, 'body' | 'marker'> | undefined;
  /** The fingerprint of the plan about to be applied. */
  readonly hash: string;
  /** The head commit the pull request was merged at. */
  readonly prHead: () => Promise<string | undefined>;
  /** The plan about to be applied, rendered as the plan workflow renders it. */
  readonly render: (headSha: string) => string;
}

/** Why the gate refuses, in one line, or nothing when the reviewed comment is this plan's. */
export async function gateRefusal(g: GateInput): Promise<{ refusal?: string; head?: string }> {
  const { env, ref, found, hash } = g;
  const rerun = 're-run the plan workflow on the pull request, or open a new one, to review the plan of what was merged';
  if (!found) return { refusal: `no plan comment for ${env} on ${ref}: nothing was reviewed for this environment` };
  if (found.marker.status === 'failed' || !found.marker.planSha256) return { refusal: `the last plan for ${env} on ${ref} failed: nothing was reviewed for this environment` };
  if (!found.marker.head) return { refusal: `the plan comment for ${env} on ${ref} does not name the commit it was made for: ${rerun}` };
  const head = await g.prHead();
  if (found.marker.head !== head) {
    // The comment belongs to an earlier push: the plan of the last one was cancelled or has not posted yet.
    return {
      refusal: `the plan comment for ${env} on ${ref} was made for commit ${found.marker.head.slice(0, 12)}, but the pull request was merged at ` +
        `${head ? head.slice(0, 12) : 'an unknown head'}: its last push was never planned; ${rerun}`,
      head,
    };
  }
  if (found.marker.planSha256 !== hash) {
    return {
      refusal: `the plan for ${env} (fingerprint ${hash.slice(0, 12)}) differs from the one reviewed on ${ref} (${found.marker.planSha256.slice(0, 12)}): ` +
        'something changed since the review (another merge, or the infrastructure itself); open a pull request to review the new plan',
      head,
    };
  }
  // The fingerprint can be copied; the body a reviewer read must also be what this plan renders.
  const difference = reviewDifference(found.body, g.render(head));
  if (difference) {
    return {
      refusal: `the plan comment for ${env} on ${ref} carries this plan's fingerprint but does not show this plan (${difference}): ` +
        `it was not written by this repository's plan workflow for this plan; ${rerun}`,
      head,
    };
  }
  return { head };
}
