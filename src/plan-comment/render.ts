import { changedLeaves, formatPath, topAttribute, type Leaf, type Side } from './attributes';
import { codeDeployFacts, ecsNotes, expectedDrift, type CodeDeployFacts, type EcsNote, type NoteLevel, type ReleaseOwnership } from './ecs';
import { planHash } from './hash';
import { serviceDriftNotes } from './service-drift';
import { formatMarker } from './marker';
import { Masker, maskerFor, MASKED_TEXT, SENSITIVE_TEXT, type MaskConfig } from './mask';
import type { TerraformPlan } from './plan';
import { summarize, type Entry, type Kind, type Summary } from './summary';

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

export type PlanStatus = 'no-changes' | 'changes' | 'attention' | 'destructive' | 'failed';

export interface RenderedPlan {
  readonly markdown: string;
  readonly hash: string;
  readonly status: PlanStatus;
  readonly summary: Summary;
  /** What was left out to stay under the limit (all zero/empty when nothing was). */
  readonly trimmed: {
    readonly detailsOmitted: number;
    readonly detailsTotal: number;
    readonly groupedLists: string[];
    readonly truncatedLists: string[];
    /** The last resort: even the shortened lists did not fit next to the head, warnings and notes. */
    readonly listsOmitted: boolean;
  };
}

/** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`, when running in GitHub Actions. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run, GITHUB_RUN_ATTEMPT: attempt } = env;
  if (!server || !repo || !run) return undefined;
  return `${server.replace(/\/$/, '')}/${repo}/actions/runs/${run}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`;
}

const KIND_LABEL: Record<Kind, string> = {
  create: 'create',
  update: 'update in place',
  replace: 'replace',
  'replace-keep': 'replace (old object kept)',
  delete: 'destroy',
  forget: 'forget',
  read: 'read during apply',
  'no-op': 'no change',
};

const KIND_ICON: Record<Kind, string> = {
  create: '➕',
  update: '🔄',
  replace: '♻️',
  'replace-keep': '♻️',
  delete: '🗑️',
  forget: '🫥',
  read: '📖',
  'no-op': '🚚',
};

/** Renders a plan as one pull-request comment: pure, deterministic for a given plan and options. */
export function renderPlan(plan: TerraformPlan, options: RenderOptions): RenderedPlan {
  const limit = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const masker = maskerFor(plan, options.masks);
  const summary = summarize(plan);
  const hash = planHash(plan, masker);
  const marker = formatMarker({ kind: 'plan-comment', env: options.env, planSha256: hash, head: options.headSha });
  const envCode = code(options.env);
  const noTrim = { detailsOmitted: 0, detailsTotal: 0, groupedLists: [], truncatedLists: [], listsOmitted: false };

  if (plan.errored === true) {
    // Terraform saved a plan it could not finish: nothing in it may be applied, so it carries no fingerprint.
    const failedMarker = formatMarker({ kind: 'plan-comment', env: options.env, status: 'failed' });
    const where = options.runUrl ? ` See the [workflow run](${options.runUrl}) for the errors.` : '';
    const markdown = `${failedMarker}\n### ❌ Terraform plan for ${envCode} failed\n\nTerraform marked this plan as errored: nothing from this pull request can be applied to ${envCode} until the plan succeeds.${where}\n`;
    return { markdown, hash, status: 'failed', summary, trimmed: noTrim };
  }
  const noChanges = `✅ **Terraform plan for ${envCode}: no changes.** Infrastructure matches the configuration.\n`;
  if (!summary.hasChanges && summary.drift.length === 0) {
    return { markdown: `${marker}\n${noChanges}`, hash, status: 'no-changes', summary, trimmed: noTrim };
  }

  const facts = codeDeployFacts(plan);
  const notes = [...(summary.hasChanges ? ecsNotes(summary.entries, options.ownership, facts) : []), ...serviceDriftNotes(plan, options.env)];
  const destructive = summary.counts.destroy > 0 || summary.entries.some((e) => e.kind === 'replace-keep');
  const attention = notes.some((n) => n.level !== 'note');
  const status: PlanStatus = !summary.hasChanges ? 'no-changes' : destructive ? 'destructive' : attention ? 'attention' : 'changes';
  const title = {
    destructive: `⚠️ Terraform plan for ${envCode}: destroys or replaces resources`,
    attention: `⚠️ Terraform plan for ${envCode}: touches what the release CLI owns`,
    changes: `📝 Terraform plan for ${envCode}: changes`,
    'no-changes': '',
    failed: '',
  }[status];
  const planLine = summary.planLine ?? 'No resource changes: only outputs change.';
  // No changes, but objects changed outside of Terraform: still the one line, then the drift, which a reviewer needs
  // most exactly when Terraform has nothing to say (someone changed production by hand, or an owner other than
  // Terraform did its job).
  const head = masker.scrub(summary.hasChanges ? `${marker}\n### ${title}\n\n**${planLine}**\n` : `${marker}\n${noChanges}`);
  const caution = masker.scrub(cautionBlock(summary));
  const notesBlock = masker.scrub(renderNotes(notes));

  const groups = listGroups(summary, options.ownership, masker, facts);
  const details = detailBlocks(summary, options.ownership, masker, facts);
  const footer = masker.scrub(footerBlock(hash, plan.terraform_version, options.runUrl));

  const assemble = (lists: string, shown: Detail[], notice: string) =>
    [head, caution, notesBlock, lists, shown.length > 0 ? `\n#### Details\n\n${shown.map((d) => d.text).join('')}` : '', notice, footer].join('');

  const fullLists = renderGroups(groups.map((g) => ({ g, mode: 'full' as const })));
  const detailsLength = details.reduce((n, d) => n + d.text.length, 0);
  const fullLength = head.length + caution.length + notesBlock.length + fullLists.length + footer.length + (details.length > 0 ? detailsLength + 16 : 0);
  if (fullLength <= limit) {
    const full = assemble(fullLists, details, '');
    if (full.length <= limit) return { markdown: full, hash, status, summary, trimmed: { ...noTrim, detailsTotal: details.length } };
  }

  // Over the limit: the head, warnings, notes and footer always stay; the lists come next (grouped by resource type,
  // then cut, only when they alone do not fit); the per-resource details get what is left.
  const noticeReserve = 700;
  const fixed = head.length + caution.length + notesBlock.length + footer.length + noticeReserve;
  const modes = groups.map((g) => ({ g, mode: 'full' as 'full' | 'grouped' | 'truncated' }));
  let lists = fullLists;
  for (const g of [...groups].sort((a, b) => a.compactOrder - b.compactOrder)) {
    if (fixed + lists.length <= limit) break;
    modes.find((m) => m.g === g)!.mode = 'grouped';
    lists = renderGroups(modes);
  }
  for (const g of [...groups].sort((a, b) => a.compactOrder - b.compactOrder)) {
    if (fixed + lists.length <= limit) break;
    if (g.types.size <= TRUNCATED_TYPES) continue;
    modes.find((m) => m.g === g)!.mode = 'truncated';
    lists = renderGroups(modes);
  }

  let room = limit - fixed - lists.length - '\n#### Details\n\n'.length;
  const chosen = new Set<Detail>();
  for (const d of [...details].sort((a, b) => a.priority - b.priority || a.order - b.order)) {
    if (d.text.length <= room) {
      chosen.add(d);
      room -= d.text.length;
    }
  }
  const shown = details.filter((d) => chosen.has(d));
  const trimmed = {
    detailsOmitted: details.length - shown.length,
    detailsTotal: details.length,
    groupedLists: modes.filter((m) => m.mode === 'grouped').map((m) => m.g.title),
    truncatedLists: modes.filter((m) => m.mode === 'truncated').map((m) => m.g.title),
    listsOmitted: false,
  };
  const env = options.env;
  const notice = masker.scrub(trimNotice(trimmed, limit, options.runUrl, env));
  let markdown = assemble(lists, shown, notice);
  // The reserve covers the notice; this loop only guards against a miscount.
  while (markdown.length > limit && shown.length > 0) {
    shown.pop();
    markdown = assemble(lists, shown, notice);
  }
  if (markdown.length > limit) {
    // Last resort (the head, warnings and notes alone nearly fill the limit): no lists at all, and the notice says so,
    // or the comment would look like a plan without resources.
    const all = { ...trimmed, detailsOmitted: details.length, listsOmitted: true };
    markdown = assemble('', [], masker.scrub(trimNotice(all, limit, options.runUrl, env)));
    return { markdown, hash, status, summary, trimmed: all };
  }
  return { markdown, hash, status, summary, trimmed: { ...trimmed, detailsOmitted: details.length - shown.length } };
}

// ---------------------------------------------------------------------------------------------------------------
// Summary parts

function cautionBlock(s: Summary): string {
  // Outright deletions first: nothing replaces them.
  const destroyed = [...s.entries.filter((e) => e.kind === 'delete'), ...s.entries.filter((e) => e.kind === 'replace' || e.kind === 'replace-keep')];
  if (destroyed.length === 0) return '';
  const replaced = destroyed.filter((e) => e.kind !== 'delete').length;
  const deleted = destroyed.length - replaced;
  const parts = [];
  if (deleted > 0) parts.push(`destroys ${plural(deleted, 'resource')}`);
  if (replaced > 0) parts.push(`replaces ${deleted > 0 ? replaced.toLocaleString('en-US') : plural(replaced, 'resource')}`);
  const shownMax = 10;
  const lines = destroyed.slice(0, shownMax).map((e) => `> - ${addr(e)} ${e.kind === 'delete' ? 'is destroyed' : e.kind === 'replace-keep' ? 'is replaced, the old object is kept' : `is replaced (${e.createFirst ? 'create, then destroy' : 'destroy, then create'})`}`);
  if (destroyed.length > shownMax) lines.push(`> - … and ${(destroyed.length - shownMax).toLocaleString('en-US')} more (see **Replace** and **Destroy** below)`);
  return `\n> [!CAUTION]\n> **This plan ${parts.join(' and ')}.** Check that nothing in them holds data or traffic you need.\n${lines.join('\n')}\n`;
}

const NOTE_ORDER: NoteLevel[] = ['caution', 'warning', 'note'];
const NOTE_MAX = 15;

function renderNotes(notes: EcsNote[]): string {
  if (notes.length === 0) return '';
  const blocks: string[] = [];
  let budget = NOTE_MAX;
  for (const level of NOTE_ORDER) {
    const these = notes.filter((n) => n.level === level);
    if (these.length === 0) continue;
    const shown = these.slice(0, Math.max(budget, 0));
    budget -= shown.length;
    const lines = shown.map((n) => `> - ${n.text}`);
    if (shown.length < these.length) lines.push(`> - … and ${these.length - shown.length} more like these`);
    if (shown.length === 0) continue;
    blocks.push(`> [!${level.toUpperCase()}]\n${lines.join('\n')}\n`);
  }
  return `\n#### ECS releases\n\n${blocks.join('\n')}`;
}

interface Group {
  readonly title: string;
  readonly section: 'changes' | 'drift';
  readonly items: string[];
  /** Entries by resource type, for the grouped form. */
  readonly types: Map<string, number>;
  /** Lower is grouped/cut first when the lists alone exceed the limit. */
  readonly compactOrder: number;
}

function listGroups(s: Summary, own: ReleaseOwnership, masker: Masker, facts: CodeDeployFacts): Group[] {
  const groups: Group[] = [];
  const make = (title: string, section: Group['section'], entries: Entry[], item: (e: Entry) => string, compactOrder: number) => {
    if (entries.length === 0) return;
    const types = new Map<string, number>();
    for (const e of entries) types.set(e.rc.type, (types.get(e.rc.type) ?? 0) + 1);
    groups.push({ title, section, items: entries.map((e) => masker.scrub(item(e))), types, compactOrder });
  };
  const of = (...kinds: Kind[]) => s.entries.filter((e) => kinds.includes(e.kind));
  make(`${KIND_ICON.create} Create`, 'changes', of('create'), (e) => addr(e), 1);
  make(`${KIND_ICON.update} Update in place`, 'changes', of('update'), (e) => `${addr(e)}: ${attributeList(e, masker)}`, 5);
  make(`${KIND_ICON.replace} Replace`, 'changes', of('replace', 'replace-keep'), (e) => `${addr(e)}${e.kind === 'replace-keep' ? ' (old object kept)' : e.createFirst ? ' (create before destroy)' : ''}: ${replaceReason(e)}`, 7);
  make(`${KIND_ICON.delete} Destroy`, 'changes', of('delete'), (e) => `${addr(e)}${deleteReason(e)}`, 8);
  make('🚚 Move', 'changes', s.entries.filter((e) => e.moved), (e) => `${code(e.rc.previous_address ?? '')} → ${code(e.rc.address)}${e.kind !== 'no-op' ? ` (and ${KIND_LABEL[e.kind]})` : ''}`, 4);
  make('📥 Import', 'changes', s.entries.filter((e) => e.importing), (e) => `${addr(e)}${e.rc.change.importing?.id ? ` from id ${code(e.rc.change.importing.id)}` : ''}${e.kind !== 'no-op' ? ` (then ${KIND_LABEL[e.kind]})` : ''}`, 3);
  make(`${KIND_ICON.forget} Forget: removed from state, not destroyed`, 'changes', of('forget'), (e) => addr(e), 6);
  make(`${KIND_ICON.read} Read during apply`, 'changes', of('read'), (e) => addr(e), 0);
  if (s.outputs.length > 0) {
    groups.push({ title: '📤 Outputs', section: 'changes', items: s.outputs.map(([name, oc]) => `${code(name)} (${KIND_LABEL[kindOfOutput(oc.actions)]})`), types: new Map([['output', s.outputs.length]]), compactOrder: 2 });
  }
  make('🌀 Changed outside of Terraform', 'drift', s.drift, (e) => {
    const why = expectedDrift(e, own, s.entries, facts);
    const what = e.kind === 'delete' ? 'deleted' : attributeList(e, masker);
    return `${addr(e)}: ${what}${why ? ` (${why})` : ''}`;
  }, 2);
  return groups;
}

function kindOfOutput(actions: string[]): Kind {
  return actions.includes('create') && actions.includes('delete') ? 'replace' : actions.includes('create') ? 'create' : actions.includes('delete') ? 'delete' : 'update';
}

const TRUNCATED_TYPES = 20;

function renderGroups(modes: { g: Group; mode: 'full' | 'grouped' | 'truncated' }[]): string {
  const section = (which: Group['section'], header: string) => {
    const parts = modes.filter((m) => m.g.section === which).map(({ g, mode }) => {
      const count = g.items.length;
      let lines: string[];
      if (mode === 'full') {
        lines = g.items;
      } else {
        const byType = [...g.types.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${n.toLocaleString('en-US')} × ${code(t)}`);
        lines = byType;
        if (mode === 'truncated' && byType.length > TRUNCATED_TYPES) {
          lines = [...byType.slice(0, TRUNCATED_TYPES), `… and ${byType.length - TRUNCATED_TYPES} more resource types`];
        }
      }
      const suffix = mode === 'full' ? '' : ', by resource type';
      return `**${g.title} (${count.toLocaleString('en-US')}${suffix})**\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
    });
    return parts.length > 0 ? `\n#### ${header}\n\n${parts.join('\n')}` : '';
  };
  return section('changes', 'Changes') + section('drift', 'Changed outside of Terraform (drift)');
}

function replaceReason(e: Entry): string {
  const reasons: string[] = [];
  const paths = [...new Set((e.rc.change.replace_paths ?? []).map((p) => formatPath(p)))];
  if (paths.length > 0) reasons.push(`forced by ${paths.map(code).join(', ')}`);
  if (e.rc.action_reason === 'replace_by_triggers') reasons.push('`replace_triggered_by` changed');
  if (e.rc.action_reason === 'replace_because_tainted') reasons.push('tainted');
  if (e.rc.action_reason === 'replace_by_request') reasons.push('requested with `-replace`');
  return reasons.length > 0 ? reasons.join('; ') : 'cannot be updated in place';
}

function deleteReason(e: Entry): string {
  switch (e.rc.action_reason) {
    case 'delete_because_no_resource_config':
      return ' (not in configuration)';
    case 'delete_because_no_module':
      return ` (module ${code(e.rc.module_address ?? '')} not in configuration)`;
    case 'delete_because_wrong_repetition':
      return ' (count/for_each changed)';
    case 'delete_because_count_index':
      return ` (index ${e.rc.index} out of range for count)`;
    case 'delete_because_each_key':
      return ` (key ${JSON.stringify(e.rc.index)} not in for_each)`;
    case 'delete_because_no_move_target':
      return ` (moved from ${code(e.rc.previous_address ?? '')}, target not in configuration)`;
  }
  return e.rc.deposed ? ' (left over from a failed replacement)' : '';
}

function attributeList(e: Entry, masker: Masker): string {
  const names = [...new Set(changedLeaves(e.rc.change).map((l) => topAttribute(l.path)))];
  if (names.length === 0) return 'no attribute changes shown';
  const max = 8;
  const shown = names.slice(0, max).map((n) => code(masker.scrub(n)));
  return shown.join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
}

// ---------------------------------------------------------------------------------------------------------------
// Details

interface Detail {
  readonly text: string;
  /** Lower is kept first when trimming. */
  readonly priority: number;
  readonly order: number;
}

const DETAIL_PRIORITY: Record<Kind, number> = { replace: 0, 'replace-keep': 0, delete: 1, update: 2, forget: 4, 'no-op': 5, create: 6, read: 7 };
const MAX_LINES = 120;
const MAX_VALUE = 400;

function detailBlocks(s: Summary, own: ReleaseOwnership, masker: Masker, facts: CodeDeployFacts): Detail[] {
  const out: Detail[] = [];
  let order = 0;
  const add = (e: Entry, heading: string, priority: number) => {
    const lines = diffLines(e, masker);
    if (lines.length === 0) return;
    const body = masker.scrub(lines.join('\n'));
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
    const summaryText = `${heading} <code>${escapeHtml(masker.scrub(displayAddress(e)))}</code>`;
    out.push({ text: `<details><summary>${summaryText}</summary>\n\n${fence}diff\n${body}\n${fence}\n\n</details>\n`, priority, order: order++ });
  };
  // Same order as the lists above: creates, updates, replacements, then moves and imports without a change.
  const listOrder: Kind[] = ['create', 'update', 'replace', 'replace-keep', 'no-op'];
  const ordered = listOrder.flatMap((k) => s.entries.filter((e) => e.kind === k));
  for (const e of ordered) {
    add(e, `${KIND_ICON[e.kind]} ${e.kind === 'no-op' ? (e.importing ? 'import' : 'move') : KIND_LABEL[e.kind]}`, DETAIL_PRIORITY[e.kind]);
  }
  for (const e of s.drift) {
    if (e.kind === 'delete') continue;
    add(e, `🌀 changed outside of Terraform${expectedDrift(e, own, s.entries, facts)?.startsWith('expected') ? ' (expected)' : ''}`, 3);
  }
  return out;
}

function diffLines(e: Entry, masker: Masker): string[] {
  let leaves = changedLeaves(e.rc.change);
  const lines: string[] = [];
  // On a create, computed attributes are all "(known after apply)": one line naming them says as much.
  const computed = e.kind === 'create' ? leaves.filter((l) => l.before.kind === 'absent' && l.after.kind === 'unknown') : [];
  if (computed.length > 0) {
    leaves = leaves.filter((l) => !computed.includes(l));
    const names = computed.map((l) => formatPath(l.path));
    lines.push(`# known after apply: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ` and ${names.length - 20} more` : ''}`);
  }
  let shownLeaves = 0;
  for (const leaf of leaves) {
    if (lines.length >= MAX_LINES) break;
    shownLeaves++;
    const path = formatPath(leaf.path);
    const masked = !leaf.sensitive && masker.masksPath(e.rc.type, path);
    const mark = leaf.forcesReplacement ? '   # forces replacement' : '';
    const b = sideText(leaf, leaf.before, masked);
    const a = sideText(leaf, leaf.after, masked);
    if ((leaf.sensitive || masked) && leaf.before.kind !== 'absent' && leaf.after.kind !== 'absent') {
      // Say that it changed, never from what or to what.
      lines.push(`~ ${path} = ${a === '(known after apply)' ? `${b} -> ${a}` : b}${mark}`);
      continue;
    }
    if (b !== undefined) lines.push(`- ${path} = ${b}${a === undefined ? mark : ''}`);
    if (a !== undefined) lines.push(`+ ${path} = ${a}${mark}`);
  }
  if (shownLeaves < leaves.length) lines.push(`# … ${leaves.length - shownLeaves} more changed attributes (\`terraform show\` of the plan lists them)`);
  return lines;
}

function sideText(leaf: Leaf, side: Side, masked: boolean): string | undefined {
  switch (side.kind) {
    case 'absent':
      return undefined;
    case 'unknown':
      return '(known after apply)';
    case 'sensitive':
      return SENSITIVE_TEXT;
    case 'value':
      if (leaf.sensitive) return SENSITIVE_TEXT;
      if (masked) return MASKED_TEXT;
      return clip(typeof side.value === 'string' ? JSON.stringify(side.value) : JSON.stringify(side.value) ?? String(side.value));
  }
}

function clip(s: string): string {
  return s.length <= MAX_VALUE ? s : `${s.slice(0, MAX_VALUE)}… (${s.length.toLocaleString('en-US')} characters)`;
}

// ---------------------------------------------------------------------------------------------------------------
// Footer and helpers

function footerBlock(hash: string, terraformVersion: string | undefined, runUrl: string | undefined): string {
  const bits = [`plan fingerprint ${code(hash.slice(0, 12))}`];
  if (terraformVersion) bits.push(`Terraform ${terraformVersion}`);
  if (runUrl) bits.push(`[workflow run](${runUrl})`);
  return `\n---\n<sub>${bits.join(' · ')}</sub>\n`;
}

function trimNotice(t: RenderedPlan['trimmed'], limit: number, runUrl: string | undefined, env: string): string {
  const cut: string[] = [];
  if (t.listsOmitted) cut.push('**the resource lists left out** (every list, even by resource type, was too long next to the warnings and notes above)');
  if (t.detailsOmitted > 0) cut.push(`details of ${t.detailsOmitted.toLocaleString('en-US')} of ${t.detailsTotal.toLocaleString('en-US')} resources left out`);
  if (!t.listsOmitted && t.groupedLists.length > 0) cut.push(`${t.groupedLists.map((x) => `**${x.replace(/^\S+ /, '')}**`).join(', ')} listed by resource type`);
  if (!t.listsOmitted && t.truncatedLists.length > 0) cut.push(`${t.truncatedLists.map((x) => `**${x.replace(/^\S+ /, '')}**`).join(', ')} cut short`);
  if (cut.length === 0) return '';
  // The workflow keeps the untrimmed comment (masked like this one), never the raw plan: Terraform prints some
  // sensitive values in clear, so neither its text nor its JSON leaves the runner.
  const where = runUrl
    ? `Everything left out is in the \`plan-${env}\` artifact of the [workflow run](${runUrl}): this comment untrimmed, masked the same way.`
    : 'Run `terraform show tfplan` for the full plan.';
  return `\n> [!NOTE]\n> Trimmed to fit GitHub's ${limit.toLocaleString('en-US')}-character comment limit: ${cut.join('; ')}. ${where}\n`;
}

function addr(e: Entry): string {
  return code(displayAddress(e));
}

function displayAddress(e: Entry): string {
  return e.rc.deposed ? `${e.rc.address} (deposed object ${e.rc.deposed})` : e.rc.address;
}

/** Inline code that survives backticks in the content. */
export function code(s: string): string {
  if (!s.includes('`')) return `\`${s}\``;
  const fence = '`'.repeat(longestBacktickRun(s) + 1);
  return `${fence} ${s} ${fence}`;
}

function longestBacktickRun(s: string): number {
  let max = 0;
  for (const m of s.matchAll(/`+/g)) max = Math.max(max, m[0].length);
  return max;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The other comments: a plan that failed, and the apply result on the merged pull request

const LOG_TAIL_LINES = 150;

function logTail(log: string, masker: Masker, maxChars: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = masker.scrub(log.replace(/\u001b\[[0-9;]*m/g, '')).replace(/\r\n/g, '\n').replace(/^\s*\n/, '').trimEnd();
  let lines = clean.split('\n');
  if (lines.length > LOG_TAIL_LINES) lines = [`… ${lines.length - LOG_TAIL_LINES} earlier lines in the workflow run`, ...lines.slice(-LOG_TAIL_LINES)];
  let text = lines.join('\n');
  if (text.length > maxChars) text = `… (cut)\n${text.slice(-maxChars)}`;
  return text;
}

function fenced(text: string, lang = 'text'): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
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
  const marker = formatMarker({ kind: 'plan-comment', env: options.env, status: 'failed' });
  const where = options.runUrl ? ` Full log: [workflow run](${options.runUrl}).` : '';
  const body = logTail(log.trim() === '' ? '(the plan step wrote no output)' : log, masker, 20_000);
  return `${marker}\n### ❌ Terraform plan for ${code(options.env)} failed\n\nNothing from this pull request can be applied to ${code(options.env)} until the plan succeeds.${where}\n\n${fenced(body)}\n`;
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
  const marker = formatMarker({ kind: 'apply-result', env: options.env });
  const env = code(options.env);
  const title = { success: `✅ Applied to ${env}`, failure: `❌ Apply to ${env} failed`, refused: `🛑 Apply to ${env} refused` }[options.status];
  const lines = [marker, `### ${title}`, ''];
  const complete = /^Apply complete! Resources: .*$/m.exec(log)?.[0];
  if (options.status === 'refused' && options.reason) lines.push(masker.scrub(options.reason), '');
  if (complete) lines.push(`**${complete}**`, '');
  const bits = [];
  if (options.commit) bits.push(`commit ${code(options.commit.slice(0, 12))}`);
  if (options.runUrl) bits.push(`[workflow run](${options.runUrl})`);
  if (log.trim() !== '') lines.push(`<details><summary>Log (last lines)</summary>\n\n${fenced(logTail(log, masker, 30_000))}\n\n</details>`, '');
  if (bits.length > 0) lines.push(`<sub>${bits.join(' · ')}</sub>`);
  return `${lines.join('\n')}\n`;
}
