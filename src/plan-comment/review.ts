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
