import type { Group } from './comment-model';
import type { Detail } from './details';
import { md, trusted, type Md } from './markdown';

/**
 * Fitting a comment under GitHub's size limit: the head, warnings, notes and footer always stay; the lists come next
 * (grouped by resource type, then cut, only when they alone do not fit); the per-resource details get what is left,
 * by priority. Every piece is rendered (masked, escaped) once; details only while there is room for them, so the
 * cost follows what is shown, not the size of the plan.
 */

export type ListMode = 'full' | 'grouped' | 'truncated';

export interface Fixed {
  readonly head: string;
  /** The caution block when the lists name every resource, and when they do not. */
  readonly caution: (listed: boolean) => string;
  readonly warnings: string;
  readonly notes: string;
  readonly footer: string;
}

export interface Trimmed {
  readonly detailsOmitted: number;
  readonly detailsTotal: number;
  readonly groupedLists: string[];
  readonly truncatedLists: string[];
  /** The last resort: even the shortened lists did not fit next to the head, warnings and notes. */
  readonly listsOmitted: boolean;
}

const TRUNCATED_TYPES = 20;
const DETAILS_HEADING = '\n#### Details\n\n';
/** Below this much room, no detail block fits (the smallest is a few hundred characters). */
const MIN_DETAIL = 120;
const MAX_MISSES = 200;

export function fit(fixed: Fixed, groups: Group[], details: Detail[], limit: number, render: (m: Md) => string, notice: (t: Trimmed) => string): { markdown: string; trimmed: Trimmed } {
  const items = new Map(groups.map((g) => [g, g.items.map(render)]));
  const modes = new Map<Group, ListMode>(groups.map((g) => [g, 'full']));
  const lists = () => renderGroups(groups, modes, items, render);
  const destructiveListed = () => groups.every((g) => !/Replace|Destroy/.test(g.title) || modes.get(g) === 'full');
  const base = () => fixed.head.length + fixed.caution(destructiveListed()).length + fixed.warnings.length + fixed.notes.length + fixed.footer.length;
  const assemble = (listText: string, shown: string[], noticeText: string) =>
    [fixed.head, fixed.caution(destructiveListed()), fixed.warnings, fixed.notes, listText, shown.length > 0 ? `${DETAILS_HEADING}${shown.join('')}` : '', noticeText, fixed.footer].join('');

  let listText = lists();
  const ordered = [...details].sort((a, b) => a.priority - b.priority || a.order - b.order);
  if (limit === Number.POSITIVE_INFINITY) {
    const all = details.map((d) => d.md()).filter((m) => m !== undefined).map(render);
    return { markdown: assemble(listText, all, ''), trimmed: { detailsOmitted: 0, detailsTotal: details.length, groupedLists: [], truncatedLists: [], listsOmitted: false } };
  }

  const noticeReserve = 700;
  const byCompact = [...groups].sort((a, b) => a.compactOrder - b.compactOrder);
  for (const mode of ['grouped', 'truncated'] as const) {
    for (const g of byCompact) {
      if (base() + noticeReserve + listText.length <= limit) break;
      if (mode === 'truncated' && g.types.size <= TRUNCATED_TYPES) continue;
      modes.set(g, mode);
      listText = lists();
    }
  }

  // Details by priority while they fit: rendered one at a time (and once), stopped once no block can fit. First
  // without room for a notice (when everything fits, there is none); if something is left out, again with it.
  const rendered = new Map<Detail, string>();
  const textOf = (d: Detail) => {
    let t = rendered.get(d);
    if (t === undefined) rendered.set(d, (t = render(d.md() ?? md``)));
    return t;
  };
  const choose = (reserve: number) => {
    let room = limit - base() - listText.length - DETAILS_HEADING.length - reserve;
    const out = new Map<Detail, string>();
    let misses = 0;
    for (const d of ordered) {
      // Stop when nothing more can fit, or when a long run of blocks did not: the rest are not worth rendering.
      if (room < MIN_DETAIL || misses >= MAX_MISSES) break;
      const text = textOf(d);
      if (text.length <= room) {
        out.set(d, text);
        room -= text.length;
        misses = 0;
      } else misses++;
    }
    return out;
  };
  const listsTrimmed = [...modes.values()].some((m) => m !== 'full');
  let chosen = choose(listsTrimmed ? noticeReserve : 0);
  if (chosen.size < details.length && !listsTrimmed) chosen = choose(noticeReserve);
  let shown = details.filter((d) => chosen.has(d));
  const trimmedOf = (omitted: boolean): Trimmed => ({
    detailsOmitted: omitted ? details.length : details.length - shown.length,
    detailsTotal: details.length,
    groupedLists: groups.filter((g) => modes.get(g) === 'grouped').map((g) => g.title),
    truncatedLists: groups.filter((g) => modes.get(g) === 'truncated').map((g) => g.title),
    listsOmitted: omitted,
  });
  let markdown = assemble(listText, shown.map((d) => chosen.get(d)!), notice(trimmedOf(false)));
  // The reserve covers the notice; this loop only guards against a miscount, dropping the least important detail.
  while (markdown.length > limit && shown.length > 0) {
    const last = shown.reduce((w, d) => (d.priority > w.priority || (d.priority === w.priority && d.order > w.order) ? d : w));
    shown = shown.filter((d) => d !== last);
    markdown = assemble(listText, shown.map((d) => chosen.get(d)!), notice(trimmedOf(false)));
  }
  if (markdown.length > limit) {
    // Last resort (the head, warnings and notes alone nearly fill the limit): no lists at all, and the notice says so,
    // or the comment would look like a plan without resources.
    for (const g of groups) modes.set(g, 'grouped');
    const t = trimmedOf(true);
    return { markdown: assemble('', [], notice(t)), trimmed: t };
  }
  return { markdown, trimmed: trimmedOf(false) };
}

function renderGroups(groups: Group[], modes: Map<Group, ListMode>, items: Map<Group, string[]>, render: (m: Md) => string): string {
  const section = (which: Group['section'], header: string) => {
    const parts = groups.filter((g) => g.section === which).map((g) => {
      const mode = modes.get(g)!;
      const count = g.items.length;
      let lines: string[];
      if (mode === 'full') {
        lines = items.get(g)!;
      } else {
        const byType = [...g.types.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => render(md`${trusted(n.toLocaleString('en-US'))} × ${t}`));
        lines = mode === 'truncated' && byType.length > TRUNCATED_TYPES ? [...byType.slice(0, TRUNCATED_TYPES), `… and ${byType.length - TRUNCATED_TYPES} more resource types`] : byType;
      }
      const suffix = mode === 'full' ? '' : ', by resource type';
      return `**${g.title} (${count.toLocaleString('en-US')}${suffix})**\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
    });
    return parts.length > 0 ? `\n#### ${header}\n\n${parts.join('\n')}` : '';
  };
  return section('changes', 'Changes') + section('drift', 'Changed outside of Terraform (drift)');
}
