import type { Kind } from './summary';

/** The words and icons the comment uses for each kind of change. */
export const KIND_LABEL: Record<Kind, string> = {
  create: 'create',
  update: 'update in place',
  replace: 'replace',
  'replace-keep': 'replace (old object kept)',
  delete: 'destroy',
  forget: 'forget',
  read: 'read during apply',
  'no-op': 'no change',
};

export const KIND_ICON: Record<Kind, string> = {
  create: '➕',
  update: '🔄',
  replace: '♻️',
  'replace-keep': '♻️',
  delete: '🗑️',
  forget: '🫥',
  read: '📖',
  'no-op': '🚚',
};

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
