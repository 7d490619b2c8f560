/**
 * What a written reason for an accepted risk looks like: the policy rules' suppressions (rules/lib/suppressions.ts),
 * the configuration's (environments/schema.ts) and checkov's skip list (scripts/lib/checkov.ts) hold reasons to the
 * same bar.
 */
const PLACEHOLDERS = /^(todo|tbd|fixme|n\/?a|none|ignore|ignored|suppress|suppressed|ok|okay|fine|xxx+|test|wip)\b/i;

/** What is wrong with a suppression reason, or undefined when it reads as a written reason. */
export function reasonProblem(reason: unknown): string | undefined {
  if (typeof reason !== 'string') return 'a string';
  const text = reason.trim();
  if (/[\r\n]/.test(text)) return 'a single line';
  if (text.length < 20 || text.split(/\s+/).filter((w) => /[A-Za-z]/.test(w)).length < 4) {
    return 'a written reason of at least one sentence (20+ characters, 4+ words) saying why the risk is accepted';
  }
  if (PLACEHOLDERS.test(text)) return 'a reason, not a placeholder';
  if (text.length > 600) return 'at most 600 characters (link to a document for more)';
  return undefined;
}
