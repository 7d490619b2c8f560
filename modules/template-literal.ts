/**
 * A string Terraform must read literally inside cdk.tf.json: in JSON syntax every string is a template, so `${` and
 * `%{` start an interpolation or a directive. Doubling them (`$${`, `%%{`) is Terraform's escape; the planned value is
 * the original text. For text this repository ships (a buildspec full of shell `${VAR:-}`), not for references.
 */
export function templateLiteral(text: string): string {
  // Function replacements: in a replacement string `$$` would itself mean one `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
