import { linkToRun } from './comment-model';
import { fence, join, md, trusted, unmasked, type Md } from './markdown';
import { formatMarker } from './marker';
import { Masker, type MaskConfig } from './mask';

/** The other comments: a plan that failed, and the apply result on the merged pull request. */

const LOG_TAIL_LINES = 150;

function logTail(log: string, maxChars: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = log.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/\r\n?/g, '\n').replace(/^\s*\n/, '').trimEnd();
  let lines = clean.split('\n');
  if (lines.length > LOG_TAIL_LINES) lines = [`… ${lines.length - LOG_TAIL_LINES} earlier lines in the workflow run`, ...lines.slice(-LOG_TAIL_LINES)];
  let text = lines.join('\n');
  if (text.length > maxChars) text = `… (cut)\n${text.slice(-maxChars)}`;
  return text;
}

export interface FailureOptions {
  readonly env: string;
  readonly masks?: MaskConfig;
  readonly runUrl?: string;
  readonly secrets?: Iterable<string>;
}

/** The comment for a plan that did not finish (synth, init or plan failed): the error, never a fingerprint. */
export function renderPlanFailure(log: string, options: FailureOptions): string {
  const masker = new Masker(options.masks, options.secrets ?? []);
  const marker = trusted(formatMarker({ kind: 'plan-comment', env: options.env, status: 'failed' }));
  const env = unmasked(options.env);
  const where = options.runUrl ? md` Full log: ${linkToRun(options.runUrl)}.` : trusted('');
  const body = logTail(log.trim() === '' ? '(the plan step wrote no output)' : log, 20_000);
  return md`${marker}\n### ❌ Terraform plan for ${env} failed\n\nNothing from this pull request can be applied to ${env} until the plan succeeds.${where}\n\n${fence(body)}\n`.render(masker);
}

export type ApplyStatus = 'success' | 'failure' | 'refused';

export interface ApplyResultOptions extends FailureOptions {
  readonly status: ApplyStatus;
  /** For `refused`: why, in one line. */
  readonly reason?: string;
  readonly commit?: string;
}

/** The comment on the merged pull request saying what apply did to one environment. */
export function renderApplyResult(log: string, options: ApplyResultOptions): string {
  const masker = new Masker(options.masks, options.secrets ?? []);
  const marker = trusted(formatMarker({ kind: 'apply-result', env: options.env }));
  const env = unmasked(options.env);
  const title = { success: md`✅ Applied to ${env}`, failure: md`❌ Apply to ${env} failed`, refused: md`🛑 Apply to ${env} refused` }[options.status];
  const lines: Md[] = [marker, md`### ${title}`, trusted('')];
  const complete = /^Apply complete! Resources: \d+ added, \d+ changed, \d+ destroyed\.$/m.exec(log)?.[0];
  // The reason is this program's own sentence, but it quotes values (addresses, SHAs): shown as a block, not as Markdown.
  if (options.status === 'refused' && options.reason) lines.push(fence(options.reason), trusted(''));
  if (complete) lines.push(trusted(`**${complete}**`), trusted(''));
  const bits: Md[] = [];
  if (options.commit) bits.push(/^[0-9a-f]{7,40}$/.test(options.commit) ? md`commit ${unmasked(options.commit.slice(0, 12))}` : md`commit ${options.commit}`);
  if (options.runUrl) bits.push(linkToRun(options.runUrl));
  if (log.trim() !== '') lines.push(md`<details><summary>Log (last lines)</summary>\n\n${fence(logTail(log, 30_000))}\n\n</details>`, trusted(''));
  if (bits.length > 0) lines.push(md`<sub>${join(bits, ' · ')}</sub>`);
  return `${join(lines, '\n').render(masker)}\n`;
}
