import { changedLeaves, formatPath, topAttribute, type Leaf, type Side } from './attributes';
import { expectedDrift, type CodeDeployFacts, type ReleaseOwnership } from './ecs';
import { fence, htmlText, join, md, trusted, type Md } from './markdown';
import { MASKED_TEXT, SENSITIVE_TEXT, type Masker } from './mask';
import type { Entry, Kind, Summary } from './summary';
import { KIND_ICON, KIND_LABEL } from './words';

/** One collapsed per-resource diff. Built as Markdown with raw values; masked and escaped when rendered. */
export interface Detail {
  /** Built on demand: trimming asks only for the details it has room to try, so a large plan's diffs are never all made. */
  readonly md: () => Md | undefined;
  /** Lower is kept first when trimming. */
  readonly priority: number;
  readonly order: number;
}

const DETAIL_PRIORITY: Record<Kind, number> = { replace: 0, 'replace-keep': 0, delete: 1, update: 2, forget: 4, 'no-op': 5, create: 6, read: 7 };
const MAX_LINES = 120;
const MAX_VALUE = 400;

export function detailBlocks(s: Summary, own: ReleaseOwnership, masker: Masker, facts: CodeDeployFacts): Detail[] {
  const out: Detail[] = [];
  let order = 0;
  const add = (e: Entry, heading: string, priority: number) => {
    // Diff lines exist exactly when the change has changed leaves (cached, cheap to ask).
    if (changedLeaves(e.rc.change).length === 0) return;
    const build = () => {
      const lines = diffLines(e, masker);
      return lines.length === 0 ? undefined : md`<details><summary>${trusted(heading)} <code>${htmlText(displayAddress(e))}</code></summary>\n\n${fence(lines.join('\n'), 'diff')}\n\n</details>\n`;
    };
    out.push({ md: build, priority, order: order++ });
  };
  // Same order as the lists above: creates, updates, replacements, then moves and imports without a change.
  const listOrder: Kind[] = ['create', 'update', 'replace', 'replace-keep', 'no-op'];
  for (const k of listOrder) {
    for (const e of s.entries.filter((x) => x.kind === k)) add(e, `${KIND_ICON[e.kind]} ${e.kind === 'no-op' ? (e.importing ? 'import' : 'move') : KIND_LABEL[e.kind]}`, DETAIL_PRIORITY[e.kind]);
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
    const skip = new Set(computed);
    leaves = leaves.filter((l) => !skip.has(l));
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

export function sideText(leaf: Leaf, side: Side, masked: boolean): string | undefined {
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
      return clip(JSON.stringify(side.value) ?? String(side.value));
  }
}

export function clip(s: string): string {
  return s.length <= MAX_VALUE ? s : `${s.slice(0, MAX_VALUE)}… (${s.length.toLocaleString('en-US')} characters)`;
}

export function displayAddress(e: Entry): string {
  return e.rc.deposed ? `${e.rc.address} (deposed object ${e.rc.deposed})` : e.rc.address;
}

/** The changed top-level attributes of an entry, as code spans. */
export function attributeList(e: Entry): Md {
  const names = [...new Set(changedLeaves(e.rc.change).map((l) => topAttribute(l.path)))];
  if (names.length === 0) return trusted('no attribute changes shown');
  const max = 8;
  const shown = join(names.slice(0, max).map((n) => md`${n}`), ', ');
  return names.length > max ? md`${shown} and ${names.length - max} more` : shown;
}
