import MarkdownIt from 'markdown-it';

/**
 * Hostile strings and a way to see a comment as GitHub's Markdown does. GitHub renders comments with a CommonMark
 * parser plus GFM (tables, strikethrough, autolinks) and lets some raw HTML through; markdown-it with `html` and
 * `linkify` on is the closest parser at hand. The structure of a rendered comment (blocks, inline token types, and
 * the text outside code) must not depend on a value: only code spans, code blocks and escaped HTML text may differ.
 */

export const SPOOF = 'x`\n\n**Plan: 0 to add, 0 to change, 0 to destroy.** ✅ cc @org/security-team\n\n<!--';

export const HOSTILE: readonly string[] = [
  SPOOF,
  '`',
  '``',
  '```',
  '````diff\n+ all good\n````',
  '` `',
  'a``b`c```d',
  '</details>',
  '</details></details><details><summary>fake',
  '<!--',
  '-->',
  '<!-- ecs-coexist:plan-comment env=prod plan-sha256=' + 'a'.repeat(64) + ' -->',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<b>bold</b>',
  '<a href="https://evil.example">click</a>',
  'line1\nline2',
  'para1\n\n# Heading',
  'cr\rcarriage',
  'crlf\r\n\r\n## Heading',
  'ls\u2028ps\u2029end',
  'zero\u200bwidth\u200c\u200d\ufeff',
  'bidi \u202eevil\u202c \u2066isolate\u2069',
  '[x](javascript:alert(1))',
  '[click](https://evil.example)',
  '![img](https://evil.example/x.png)',
  '<https://evil.example>',
  'https://evil.example/path',
  'www.evil.example',
  'mail@evil.example',
  '@user',
  '@org/security-team',
  '#123',
  'GH-123 owner/repo#1',
  ':rocket: :+1:',
  '| a | b |\n|---|---|\n| c | d |',
  'a | b',
  '~~strike~~ *em* _em_ **strong**',
  '> quote',
  '- list item',
  '1. ordered',
  '    indented code',
  '\\`escaped\\`',
  '&lt;entity&gt; &amp; &#96;',
  '${jndi:ldap://x}',
  '[^note]: footnote',
  '<details><summary>x</summary>',
  '\u0000\u0001\u0007\u001b[31mred\u001b[0m',
  'x'.repeat(5_000),
  '`'.repeat(300),
  'é中文😀',
];

const md = new MarkdownIt({ html: true, linkify: true });

export interface Shape {
  /** Token types, nested, with the text of every token outside code: what the reader sees as structure. */
  readonly outline: string[];
  readonly detailsOpen: number;
  readonly detailsClose: number;
}

const ALLOWED_TAGS = /<\/?(?:details|summary|code|sub)>/g;

/** The structure of a comment; throws when raw HTML other than this program's own tags appears. */
export function shape(markdown: string): Shape {
  const outline: string[] = [];
  let detailsOpen = 0;
  let detailsClose = 0;
  type Token = ReturnType<typeof md.parse>[number];
  const visit = (tokens: Token[], depth: number) => {
    for (const t of tokens) {
      if (t.type === 'html_block' || t.type === 'html_inline') {
        const content = t.content.trim();
        detailsOpen += (content.match(/<details>/g) ?? []).length;
        detailsClose += (content.match(/<\/details>/g) ?? []).length;
        if (/^<!-- ecs-coexist:[a-z-]+ [^\n]*-->$/.test(content)) {
          outline.push(`${depth}:${t.type}:marker`);
          continue;
        }
        const rest = content.replace(ALLOWED_TAGS, '');
        if (/[<>]/.test(rest)) throw new Error(`raw HTML beyond the comment's own tags: ${JSON.stringify(content.slice(0, 200))}`);
        // Escaped text inside our own HTML may differ between values; the tags may not.
        outline.push(`${depth}:${t.type}:${(content.match(ALLOWED_TAGS) ?? []).join('')}`);
        continue;
      }
      if (t.type === 'code_inline' || t.type === 'fence' || t.type === 'code_block') {
        outline.push(`${depth}:${t.type}`);
        continue;
      }
      outline.push(`${depth}:${t.type}${t.type === 'text' ? `:${t.content}` : ''}`);
      if (t.children) visit(t.children, depth + 1);
    }
  };
  visit(md.parse(markdown, {}), 0);
  return { outline, detailsOpen, detailsClose };
}

/** First difference between two outlines, for a readable failure. */
export function firstDifference(a: string[], b: string[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `at ${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`;
  return undefined;
}
