import { cautionBlock, footerBlock, linkToRun, listGroups, notesBlock, terraformWarnings } from './comment-model';
import { detailBlocks } from './details';
import { codeDeployFacts, ecsNotes, type EcsNote, type ReleaseOwnership } from './ecs';
import { planHash } from './hash';
import { serviceDriftNotes } from './service-drift';
import { md, trusted, unmasked, type Md } from './markdown';
import { formatMarker } from './marker';
import { maskerFor, type MaskConfig } from './mask';
import type { TerraformPlan } from './plan';
import { summarize, type Summary } from './summary';
import { fit, type Trimmed } from './trim';

export { renderApplyResult, renderPlanFailure, type ApplyResultOptions, type ApplyStatus, type FailureOptions } from './other-comments';

/** GitHub rejects issue and pull-request comment bodies longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface RenderOptions {
  readonly env: string;
  readonly ownership: ReleaseOwnership;
  readonly masks?: MaskConfig;
  /** Link to the workflow run whose `plan-<env>` artifact holds the untrimmed comment (see `runUrlFromEnv`). */
  readonly runUrl?: string;
  /** @default GITHUB_COMMENT_LIMIT; `Infinity` renders the untrimmed comment the workflow keeps as an artifact */
  readonly maxLength?: number;
  /** The pull request's head commit this plan was made for, carried in the marker for the apply gate. */
  readonly headSha?: string;
}

export type PlanStatus = 'no-changes' | 'changes' | 'attention' | 'destructive' | 'failed' | 'refresh-only';

export interface RenderedPlan {
  readonly markdown: string;
  readonly hash: string;
  readonly status: PlanStatus;
  readonly summary: Summary;
  /** What was left out to stay under the limit (all zero/empty when nothing was). */
  readonly trimmed: Trimmed;
}

/** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`, when running in GitHub Actions. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: attempt } = env;
  if (!server || !repo || !run) return undefined;
  return `${server.replace(/\/$/, '')}/${repo}/actions/runs/${run}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`;
}

const NO_TRIM: Trimmed = { detailsOmitted: 0, detailsTotal: 0, groupedLists: [], truncatedLists: [], listsOmitted: false };

/**
 * Renders a plan as one pull-request comment: pure, deterministic for a given plan and options. Everything is built
 * with the `md` template (markdown.ts), so every value from the plan is masked and escaped where it is interpolated;
 * the marker, the headings and the fingerprint are this program's own text and are never masked.
 */
export function renderPlan(plan: TerraformPlan, options: RenderOptions): RenderedPlan {
  const limit = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const masker = maskerFor(plan, options.masks);
  const render = (m: Md) => m.render(masker);
  const summary = summarize(plan);
  const hash = planHash(plan, masker);
  const marker = trusted(formatMarker({ kind: 'plan-comment', env: options.env, planSha256: hash, head: options.headSha }));
  const env = unmasked(options.env);

  if (plan.errored === true) {
    // Terraform saved a plan it could not finish: nothing in it may be applied, so it carries no fingerprint.
    const failedMarker = trusted(formatMarker({ kind: 'plan-comment', env: options.env, status: 'failed' }));
    const where = options.runUrl ? md` See the ${linkToRun(options.runUrl)} for the errors.` : trusted('');
    const markdown = render(md`${failedMarker}\n### ❌ Terraform plan for ${env} failed\n\nTerraform marked this plan as errored: nothing from this pull request can be applied to ${env} until the plan succeeds.${where}\n`);
    return { markdown, hash, status: 'failed', summary, trimmed: NO_TRIM };
  }
  const refreshOnly = plan.refresh_only === true;
  const noChanges = md`✅ **Terraform plan for ${env}: no changes.** Infrastructure matches the configuration.\n`;
  if (!refreshOnly && !summary.hasChanges && summary.drift.length === 0) {
    return { markdown: render(md`${marker}\n${noChanges}`), hash, status: 'no-changes', summary, trimmed: NO_TRIM };
  }

  const facts = codeDeployFacts(plan);
  const notes = [...(summary.hasChanges ? ecsNotes(summary.entries, options.ownership, facts) : []), ...serviceDriftNotes(plan, options.env, options.ownership)];
  const status = planStatus(summary, notes, refreshOnly);
  const head = headline(summary, status, marker, env, noChanges);

  const groups = listGroups(summary, options.ownership, facts, refreshOnly);
  const details = detailBlocks(summary, options.ownership, masker, facts);
  const cautions = new Map<boolean, string>();
  const fixed = {
    head: render(head),
    caution: (listed: boolean) => cautions.get(listed) ?? cautions.set(listed, render(cautionBlock(summary, listed))).get(listed)!,
    warnings: render(terraformWarnings(summary, plan)),
    notes: render(notesBlock(notes)),
    footer: render(footerBlock(hash, plan.terraform_version, options.runUrl)),
  };
  const { markdown, trimmed } = fit(fixed, groups, details, limit, render, (t) => render(trimNotice(t, limit, options.runUrl, options.env)));
  return { markdown, hash, status, summary, trimmed };
}

/** What the plan means for the reviewer: the comment's headline and the workflow's outcome follow from it. */
function planStatus(summary: Summary, notes: readonly EcsNote[], refreshOnly: boolean): PlanStatus {
  const destructive = summary.counts.destroy > 0 || summary.entries.some((e) => e.kind === 'replace-keep');
  const attention = notes.some((n) => n.level !== 'note');
  return refreshOnly ? 'refresh-only' : !summary.hasChanges ? 'no-changes' : destructive ? 'destructive' : attention ? 'attention' : 'changes';
}

/** The marker, the heading and the one line under it. */
function headline(summary: Summary, status: PlanStatus, marker: Md, env: Md, noChanges: Md): Md {
  if (status === 'refresh-only') {
    // Applying a refresh-only plan writes what changed outside of Terraform into the state: that is its whole content.
    const n = summary.drift.length;
    const what = n === 0 ? 'the state already matches the infrastructure; applying it changes nothing' : `applying it accepts ${n.toLocaleString('en-US')} change${n === 1 ? '' : 's'} made outside of Terraform into the state, and changes nothing in AWS`;
    return md`${marker}\n### 🔄 Terraform refresh-only plan for ${env}\n\n**Refresh only: ${trusted(what)}.**\n`;
  }
  if (summary.hasChanges) {
    const title = {
      destructive: md`⚠️ Terraform plan for ${env}: destroys or replaces resources`,
      attention: md`⚠️ Terraform plan for ${env}: touches what the release CLI owns`,
      changes: md`📝 Terraform plan for ${env}: changes`,
    }[status as 'destructive' | 'attention' | 'changes'];
    // The Plan line is built from counts only: nothing in it comes from a value.
    return md`${marker}\n### ${title}\n\n**${trusted(summary.planLine ?? 'No resource changes: only outputs change.')}**\n`;
  }
  // No changes, but objects changed outside of Terraform: still the one line, then the drift, which a reviewer needs
  // most exactly when Terraform has nothing to say.
  return md`${marker}\n${noChanges}`;
}

function trimNotice(t: Trimmed, limit: number, runUrl: string | undefined, env: string): Md {
  const cut: string[] = [];
  const names = (titles: string[]) => titles.map((x) => `**${x.replace(/^\S+ /, '')}**`).join(', ');
  if (t.listsOmitted) cut.push('**the resource lists left out** (every list, even by resource type, was too long next to the warnings and notes above)');
  if (t.detailsOmitted > 0) cut.push(`details of ${t.detailsOmitted.toLocaleString('en-US')} of ${t.detailsTotal.toLocaleString('en-US')} resources left out`);
  if (!t.listsOmitted && t.groupedLists.length > 0) cut.push(`${names(t.groupedLists)} listed by resource type`);
  if (!t.listsOmitted && t.truncatedLists.length > 0) cut.push(`${names(t.truncatedLists)} cut short`);
  if (cut.length === 0) return trusted('');
  // The workflow keeps the untrimmed comment (masked like this one), never the raw plan: Terraform prints some
  // sensitive values in clear, so neither its text nor its JSON leaves the runner.
  const where = runUrl
    ? md`Everything left out is in the ${unmasked(`plan-${env}`)} artifact of the ${linkToRun(runUrl)}: this comment untrimmed, masked the same way.`
    : trusted('Run `terraform show tfplan` for the full plan.');
  return md`\n> [!NOTE]\n> Trimmed to fit GitHub's ${trusted(limit.toLocaleString('en-US'))}-character comment limit: ${trusted(cut.join('; '))}. ${where}\n`;
}
