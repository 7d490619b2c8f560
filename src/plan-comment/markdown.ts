/**
 * The one way text from a plan (or configuration, or a log) reaches a comment. Comments are built with the `md` tagged
 * template: its literal parts are this program's own Markdown, and every interpolated string is a value, which comes
 * out as an inline code span that cannot be broken out of, masked. A call site cannot forget to escape: a raw string
 * never reaches the output as Markdown; only another `Md` (built the same way) or an explicit `trusted(...)` does.
 *
 * Why code spans: GitHub turns `@name`, `#123`, `:emoji:`, URLs and raw HTML into mentions, links and markup in text,
 * and backslash escapes do not stop mentions (they are found in the rendered HTML). Inside a code span none of these
 * apply; what remains is to keep the span closed (a fence longer than any backtick run in the value) and on one line
 * (line breaks and invisible characters shown as `\u{…}` escapes: a blank line would end the paragraph, bidi controls
 * would reorder what the reviewer reads).
 */

/** What a part of the output does with masking: values are masked; our own text, the marker and headings never are. */
type Part =
  | { readonly t: 'md'; readonly s: string }
  | { readonly t: 'code'; readonly s: string; readonly mask: boolean }
  | { readonly t: 'fence'; readonly s: string; readonly lang: string }
  | { readonly t: 'html'; readonly s: string };

export interface Scrubber {
  scrub(text: string): string;
}

const NO_MASK: Scrubber = { scrub: (s) => s };

/** A piece of comment Markdown whose values are still raw: `toString(masker)` masks and escapes them. */
export class Md {
  constructor(readonly parts: readonly Part[]) {}

  render(masker: Scrubber = NO_MASK): string {
    let out = '';
    for (const p of this.parts) {
      if (p.t === 'md') out += p.s;
      else if (p.t === 'code') out += inlineCode(p.mask ? masker.scrub(p.s) : p.s);
      else if (p.t === 'fence') out += fenced(masker.scrub(p.s), p.lang);
      else out += escapeHtml(oneLine(masker.scrub(p.s)));
    }
    return out;
  }
}

export type Interpolation = Md | string | number | readonly Md[];

/** Builds Markdown: literal parts as written, strings as masked code spans, numbers as themselves, Md as is. */
export function md(strings: TemplateStringsArray, ...values: Interpolation[]): Md {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s !== '') parts.push({ t: 'md', s });
    if (i < values.length) pushValue(parts, values[i]);
  });
  return new Md(parts);
}

function pushValue(parts: Part[], v: Interpolation): void {
  // Loops, not spreads: a spread of a very long list of parts would exceed the argument limit.
  if (v instanceof Md) for (const p of v.parts) parts.push(p);
  else if (typeof v === 'number') parts.push({ t: 'md', s: Number.isFinite(v) ? String(v) : 'NaN' });
  else if (typeof v === 'string') parts.push({ t: 'code', s: v, mask: true });
  else for (const m of v) for (const p of m.parts) parts.push(p);
}

/** This program's own Markdown, built from constants (never from plan values). */
export function trusted(s: string): Md {
  return new Md([{ t: 'md', s }]);
}

/** A code span that is not masked: only for values validated to be identifiers (environment name, fingerprint). */
export function unmasked(s: string): Md {
  return new Md([{ t: 'code', s, mask: false }]);
}

/** A fenced code block of raw text (a diff, a log), masked. */
export function fence(text: string, lang = 'text'): Md {
  return new Md([{ t: 'fence', s: text, lang }]);
}

/** A value inside our own HTML (a `<summary>`): HTML-escaped, on one line, masked. */
export function htmlText(s: string): Md {
  return new Md([{ t: 'html', s }]);
}

export function join(items: readonly Md[], separator: string): Md {
  const parts: Part[] = [];
  items.forEach((m, i) => {
    if (i > 0 && separator !== '') parts.push({ t: 'md', s: separator });
    for (const p of m.parts) parts.push(p);
  });
  return new Md(parts);
}

/** Longest value shown inline; the details block has the whole (clipped) value. */
export const MAX_INLINE = 300;
// Line breaks (paragraph ends), other C0/C1 controls, zero-width and bidi formatting characters, separators.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/g;

/** Invisible and line-breaking characters as visible `\u{…}` escapes. */
export function oneLine(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}

/** An inline code span GitHub renders as exactly `s` (made visible and clipped), whatever `s` holds. */
export function inlineCode(raw: string): string {
  let s = oneLine(raw);
  if (s.length > MAX_INLINE) s = `${s.slice(0, MAX_INLINE)}… (${raw.length.toLocaleString('en-US')} characters)`;
  if (s === '') return '` `';
  const ticks = '`'.repeat(longestBacktickRun(s) + 1);
  // CommonMark strips one space on each side when both are there: pad when the value starts or ends with a backtick
  // or a space, so the value reads as it is.
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${ticks}${pad}${s}${pad}${ticks}`;
}

/** A fenced block that the content cannot close: longer than any backtick run in it, line endings normalised. */
export function fenced(text: string, lang = 'text'): string {
  // \r alone is a line ending to CommonMark; other invisible characters are made visible except tabs and newlines.
  // eslint-disable-next-line no-control-regex
  const body = text.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

export function longestBacktickRun(s: string): number {
  let max = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 96) {
      run++;
      if (run > max) max = run;
    } else run = 0;
  }
  return max;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
