import { changedLeaves, formatPath } from './attributes';
import { attributeList, displayAddress, sideText } from './details';
import { expectedDrift, type CodeDeployFacts, type EcsNote, type NoteLevel, type ReleaseOwnership } from './ecs';
import { join, md, trusted, unmasked, type Md } from './markdown';
import type { OutputChange, TerraformPlan } from './plan';
import type { Entry, Kind, Summary } from './summary';
import { KIND_ICON, KIND_LABEL, plural } from './words';

/**
 * The parts of a plan comment, as Markdown whose values are still raw (see markdown.ts): what the comment says,
 * before trimming decides how much of it fits.
 */

export interface Group {
  readonly title: string;
  readonly section: 'changes' | 'drift';
  readonly items: Md[];
  /** Entries by resource type, for the grouped form. */
  readonly types: Map<string, number>;
  /** Lower is grouped/cut first when the lists alone exceed the limit. */
  readonly compactOrder: number;
}

export function addr(e: Entry): Md {
  return md`${displayAddress(e)}`;
}

const isTaskDefinitionKept = (e: Entry) => e.rc.type === 'aws_ecs_task_definition' && e.kind === 'replace' && keeps(e);
const keeps = (e: Entry) => {
  const v = e.rc.change.before;
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>).skip_destroy === true;
};

/** Destructive changes first; `listed` says whether the Replace and Destroy lists below name every one. */
export function cautionBlock(s: Summary, listed: boolean): Md {
  // Outright deletions first: nothing replaces them.
  const destroyed = [...s.entries.filter((e) => e.kind === 'delete'), ...s.entries.filter((e) => e.kind === 'replace' || e.kind === 'replace-keep')];
  if (destroyed.length === 0) return trusted('');
  const replaced = destroyed.filter((e) => e.kind !== 'delete').length;
  const deleted = destroyed.length - replaced;
  const parts = [];
  if (deleted > 0) parts.push(`destroys ${plural(deleted, 'resource')}`);
  if (replaced > 0) parts.push(`replaces ${deleted > 0 ? replaced.toLocaleString('en-US') : plural(replaced, 'resource')}`);
  const shownMax = 10;
  const lines = destroyed.slice(0, shownMax).map((e) => {
    const what = e.kind === 'delete' ? 'is destroyed'
      : e.kind === 'replace-keep' ? 'is replaced, the old object is kept'
      : isTaskDefinitionKept(e) ? 'gets a new revision; the old one only leaves the state (`skip_destroy`): nothing is deregistered'
      : `is replaced (${e.createFirst ? 'create, then destroy' : 'destroy, then create'})`;
    return md`> - ${addr(e)} ${trusted(what)}`;
  });
  if (destroyed.length > shownMax) {
    const where = listed ? 'see **Replace** and **Destroy** below' : 'the lists below count them by resource type; the plan artifact names each';
    lines.push(md`> - … and ${trusted((destroyed.length - shownMax).toLocaleString('en-US'))} more (${trusted(where)})`);
  }
  const them = destroyed.length === 1 ? 'it' : 'them';
  return md`\n> [!CAUTION]\n> **This plan ${trusted(parts.join(' and '))}.** Check that nothing in ${trusted(them)} holds data or traffic you need.\n${join(lines, '\n')}\n`;
}

/** What Terraform itself warns about: objects it stops managing (`removed` blocks, `forget`), failed checks. */
export function terraformWarnings(s: Summary, plan: TerraformPlan): Md {
  const items: Md[] = [];
  const forgotten = s.entries.filter((e) => e.kind === 'forget' || e.kind === 'replace-keep');
  if (forgotten.length > 0) {
    const names = join(forgotten.slice(0, 10).map(addr), ', ');
    const more = forgotten.length > 10 ? md` and ${forgotten.length - 10} more` : trusted('');
    items.push(md`> - **Some objects will no longer be managed by Terraform** (a \`removed\` block with \`destroy = false\`, or a replacement that keeps the old object): ${names}${more}. They stay in AWS as they are; after this apply nothing manages them, and deleting them is a manual task.`);
  }
  for (const check of plan.checks ?? []) {
    if (check.status !== 'fail' && check.status !== 'error') continue;
    const messages = (check.instances ?? []).flatMap((i) => (i.problems ?? []).map((p) => p.message ?? '')).filter((m) => m !== '');
    const what = messages.length > 0 ? md`: ${join(messages.slice(0, 3).map((m) => md`${m}`), '; ')}` : trusted('');
    items.push(md`> - Check ${check.address?.to_display ?? '(unnamed)'} ${trusted(check.status === 'fail' ? 'failed' : 'could not be evaluated')}${what}.`);
  }
  if (items.length === 0) return trusted('');
  return md`\n#### Terraform warnings\n\n> [!WARNING]\n${join(items, '\n')}\n`;
}

const NOTE_ORDER: NoteLevel[] = ['caution', 'warning', 'note'];
const NOTE_MAX = 15;

export function notesBlock(notes: EcsNote[]): Md {
  if (notes.length === 0) return trusted('');
  const blocks: Md[] = [];
  let budget = NOTE_MAX;
  for (const level of NOTE_ORDER) {
    const these = notes.filter((n) => n.level === level);
    if (these.length === 0) continue;
    const shown = these.slice(0, Math.max(budget, 0));
    budget -= shown.length;
    if (shown.length === 0) continue;
    const lines = shown.map((n) => md`> - ${n.text}`);
    if (shown.length < these.length) lines.push(md`> - … and ${these.length - shown.length} more like these`);
    blocks.push(md`> [!${trusted(level.toUpperCase())}]\n${join(lines, '\n')}\n`);
  }
  return md`\n#### ECS releases\n\n${join(blocks, '\n')}`;
}

export function listGroups(s: Summary, own: ReleaseOwnership, facts: CodeDeployFacts, refreshOnly: boolean): Group[] {
  const groups: Group[] = [];
  const make = (title: string, section: Group['section'], entries: Entry[], item: (e: Entry) => Md, compactOrder: number) => {
    if (entries.length === 0) return;
    const types = new Map<string, number>();
    for (const e of entries) types.set(e.rc.type, (types.get(e.rc.type) ?? 0) + 1);
    groups.push({ title, section, items: entries.map(item), types, compactOrder });
  };
  const of = (...kinds: Kind[]) => s.entries.filter((e) => kinds.includes(e.kind));
  const label = (k: Kind) => trusted(KIND_LABEL[k]);
  make(`${KIND_ICON.create} Create`, 'changes', of('create'), (e) => addr(e), 1);
  make(`${KIND_ICON.update} Update in place`, 'changes', of('update'), (e) => md`${addr(e)}: ${attributeList(e)}`, 5);
  make(`${KIND_ICON.replace} Replace`, 'changes', of('replace', 'replace-keep'), (e) => md`${addr(e)}${trusted(e.kind === 'replace-keep' ? ' (old object kept)' : isTaskDefinitionKept(e) ? ' (old revision kept: `skip_destroy`)' : e.createFirst ? ' (create before destroy)' : '')}: ${replaceReason(e)}`, 7);
  make(`${KIND_ICON.delete} Destroy`, 'changes', of('delete'), (e) => md`${addr(e)}${deleteReason(e)}`, 8);
  make('🚚 Move', 'changes', s.entries.filter((e) => e.moved), (e) => md`${e.rc.previous_address ?? ''} → ${e.rc.address}${e.kind !== 'no-op' ? md` (and ${label(e.kind)})` : trusted('')}`, 4);
  make('📥 Import', 'changes', s.entries.filter((e) => e.importing), (e) => md`${addr(e)}${e.rc.change.importing?.id ? md` from id ${e.rc.change.importing.id}` : trusted('')}${e.kind !== 'no-op' ? md` (then ${label(e.kind)})` : trusted('')}`, 3);
  make(`${KIND_ICON.forget} Forget: removed from state, not destroyed`, 'changes', of('forget'), (e) => addr(e), 6);
  make(`${KIND_ICON.read} Read during apply`, 'changes', of('read'), (e) => addr(e), 0);
  if (s.outputs.length > 0) {
    groups.push({ title: '📤 Outputs', section: 'changes', items: s.outputs.map(([name, oc]) => outputItem(name, oc)), types: new Map([['output', s.outputs.length]]), compactOrder: 2 });
  }
  // The section heading already says "changed outside of Terraform": the list under it is titled by what it holds.
  make(refreshOnly ? '🌀 Accepted into the state' : '🌀 Objects', 'drift', s.drift, (e) => {
    const why = expectedDrift(e, own, s.entries, facts);
    const what = e.kind === 'delete' ? trusted('deleted') : attributeList(e);
    return md`${addr(e)}: ${what}${why ? md` (${trusted(why)})` : trusted('')}`;
  }, 2);
  return groups;
}

/** An output's change with its values (Terraform shows them; sensitive ones as such). */
function outputItem(name: string, oc: OutputChange): Md {
  const kind = kindOfOutput(oc.actions);
  const leaves = changedLeaves(oc);
  const values = leaves.slice(0, 3).map((l) => {
    // A sensitive output changed: say so, never from what or to what.
    if (l.sensitive) return l.path.length > 0 ? md`${formatPath(l.path)}: ${'(sensitive value)'}` : md`${'(sensitive value)'}`;
    const b = sideText(l, l.before, false);
    const a = sideText(l, l.after, false);
    const at = l.path.length > 0 ? md`${formatPath(l.path)}: ` : trusted('');
    return md`${at}${b === undefined ? trusted('') : md`${b} → `}${a ?? '(removed)'}`;
  });
  const more = leaves.length > 3 ? md`, and ${leaves.length - 3} more` : trusted('');
  return md`${name} (${trusted(KIND_LABEL[kind])})${values.length > 0 ? md`: ${join(values, ', ')}${more}` : trusted('')}`;
}

function kindOfOutput(actions: string[]): Kind {
  return actions.includes('create') && actions.includes('delete') ? 'replace' : actions.includes('create') ? 'create' : actions.includes('delete') ? 'delete' : 'update';
}

function replaceReason(e: Entry): Md {
  const reasons: Md[] = [];
  const paths = [...new Set((e.rc.change.replace_paths ?? []).map((p) => formatPath(p)))];
  if (paths.length > 0) reasons.push(md`forced by ${join(paths.map((p) => md`${p}`), ', ')}`);
  if (e.rc.action_reason === 'replace_by_triggers') reasons.push(trusted('`replace_triggered_by` changed'));
  if (e.rc.action_reason === 'replace_because_tainted') reasons.push(trusted('tainted'));
  if (e.rc.action_reason === 'replace_by_request') reasons.push(trusted('requested with `-replace`'));
  return reasons.length > 0 ? join(reasons, '; ') : trusted('cannot be updated in place');
}

const DELETE_REASONS: Record<string, (e: Entry) => Md> = {
  delete_because_no_resource_config: () => trusted(' (not in configuration)'),
  delete_because_no_module: (e) => md` (module ${e.rc.module_address ?? ''} not in configuration)`,
  delete_because_wrong_repetition: () => trusted(' (count/for_each changed)'),
  delete_because_count_index: (e) => md` (index ${typeof e.rc.index === 'number' ? e.rc.index : String(e.rc.index)} out of range for count)`,
  delete_because_each_key: (e) => md` (key ${JSON.stringify(e.rc.index) ?? ''} not in for_each)`,
  delete_because_no_move_target: (e) => md` (moved from ${e.rc.previous_address ?? ''}, target not in configuration)`,
};

function deleteReason(e: Entry): Md {
  const reason = e.rc.action_reason !== undefined && Object.hasOwn(DELETE_REASONS, e.rc.action_reason) ? DELETE_REASONS[e.rc.action_reason] : undefined;
  if (reason) return reason(e);
  return trusted(e.rc.deposed ? ' (left over from a failed replacement)' : '');
}

export function footerBlock(hash: string, terraformVersion: string | undefined, runUrl: string | undefined): Md {
  const bits: Md[] = [md`plan fingerprint ${unmasked(hash.slice(0, 12))}`];
  if (terraformVersion) bits.push(/^\d+\.\d+\.\d+[A-Za-z0-9.-]*$/.test(terraformVersion) ? trusted(`Terraform ${terraformVersion}`) : md`Terraform ${terraformVersion}`);
  if (runUrl) bits.push(linkToRun(runUrl));
  return md`\n---\n<sub>${join(bits, ' · ')}</sub>\n`;
}

/** The workflow-run link, only for a URL of the shape `runUrlFromEnv` builds; anything else is shown as a value. */
export function linkToRun(runUrl: string): Md {
  return /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/actions\/runs\/\d+(?:\/attempts\/\d+)?$/.test(runUrl) ? trusted(`[workflow run](${runUrl})`) : md`workflow run ${runUrl}`;
}
