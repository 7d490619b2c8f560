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

/**
 * Strings that cdktf places inside an HCL expression (`Fn.jsonencode` of the container definitions: the environment
 * variables) get no escaping of `"` and `\` from cdktf 0.21: a value `", "x" = file("/etc/passwd"), "y" = "` would end
 * the HCL string and add an expression of its own. Those strings refuse quotes, backslashes and control characters.
 */
const INSIDE_EXPRESSION: readonly (readonly string[])[] = [
  ['services', '*', 'environment', '*'],
  ['services', '*', 'command', '*'],
  ['services', '*', 'logging', 'options', '*'],
  ['services', '*', 'sidecars', '*', 'environment', '*'],
  ['services', '*', 'sidecars', '*', 'command', '*'],
  ['services', '*', 'sidecars', '*', 'healthCheck', 'command', '*'],
  ['services', '*', 'sidecars', '*', 'firelens', 'options', '*'],
];
const NOT_EXPRESSION_SAFE = /["\\\x00-\x1f\x7f]/;

export const EXPRESSION_SAFE_ALLOWED =
  'text without double quotes, backslashes or control characters (the value is written inside an HCL expression; keep structured values in secrets or an SSM parameter)';

export const LITERAL_ALLOWED =
  'text without "${" or "%{" (Terraform would evaluate it as an expression; cdktf could not keep it literal)';

function insideExpression(path: readonly (string | number)[]): boolean {
  return INSIDE_EXPRESSION.some((p) => p.length === path.length && p.every((part, i) => part === '*' || part === path[i]));
}

/** Where the first non-literal string is: its path, the string and what is allowed; undefined when all are literal. */
export function findNonLiteral(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; received: string; allowed: string } | undefined {
  if (typeof value === 'string') {
    if (NOT_LITERAL.test(value)) return { path, received: value, allowed: LITERAL_ALLOWED };
    if (insideExpression(path) && NOT_EXPRESSION_SAFE.test(value)) return { path, received: value, allowed: EXPRESSION_SAFE_ALLOWED };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonLiteral(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (NOT_LITERAL.test(key)) return { path: [...path, key], received: key, allowed: LITERAL_ALLOWED };
      const found = findNonLiteral(v, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
