/**
 * Configuration strings reach the synthesized Terraform JSON as they are (tags, environment variables, paths, alarm
 * names...), and both cdktf and Terraform read sequences in them as code:
 *
 * - Terraform evaluates `${...}` (interpolation) and `%{...}` (directives) in every JSON string: a tag value
 *   `${file("/etc/hostname")}` is planned as the runner's host name.
 * - cdktf reads `${...}` as an embedded expression inside `Fn.jsonencode` (container definitions), escapes `${` but not
 *   `%{` elsewhere, and resolves its own token markers (`${TfToken[..]}`, `#{TfToken[..]}`, `&{TfToken[..]}`) to
 *   whatever resource the token number names.
 *
 * No single escape is right on every one of those paths (a `$${` written for a tag is escaped twice inside
 * jsonencode), so the configuration refuses the sequences instead, in this one place, for every string and every
 * record key of the validated configuration: fields added later are covered without a line of their own. A string
 * without `${` and `%{` is a literal for Terraform (its only template sequences, and their escapes `$${` / `%%{`,
 * contain them), and for cdktf (every token marker contains `{TfToken[`).
 */

const NOT_LITERAL = /\$\{|%\{|\{TfToken\[/;

export const LITERAL_ALLOWED =
  'text without "${" or "%{" (Terraform would evaluate it as an expression; cdktf could not keep it literal)';

/** Where the first non-literal string is: its path and the string; undefined when every string is literal. */
export function findNonLiteral(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; received: string } | undefined {
  if (typeof value === 'string') return NOT_LITERAL.test(value) ? { path, received: value } : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonLiteral(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (NOT_LITERAL.test(key)) return { path: [...path, key], received: key };
      const found = findNonLiteral(v, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
