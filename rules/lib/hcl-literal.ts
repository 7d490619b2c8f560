/**
 * Reads the `${jsonencode(<literal>)}` expressions cdktf writes for `Fn.jsonencode(...)`, so rules see a task
 * definition's container definitions (or any JSON attribute built that way) as the JSON Terraform will produce.
 *
 * Only literals are understood: objects (`{"k" = v}` or `{k = v}`), lists, strings, numbers, booleans, null, and
 * bare references (`aws_ssm_parameter.x.insecure_value`), which become the string `${aws_ssm_parameter.x.insecure_value}`
 * exactly as a reference inside a plain JSON attribute reads. Anything else (function calls, operators, for
 * expressions) makes `decodeJsonencode` return undefined: rules then fail closed rather than guess.
 */

const PREFIX = '${jsonencode(';
const SUFFIX = ')}';

export function decodeJsonencode(text: string): string | undefined {
  if (!text.startsWith(PREFIX) || !text.endsWith(SUFFIX)) return undefined;
  const parser = new LiteralParser(text.slice(PREFIX.length, text.length - SUFFIX.length));
  try {
    const value = parser.value();
    parser.end();
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  value(): unknown {
    this.skip();
    const c = this.src[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.list();
    if (c === '"') return this.string();
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.rest());
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    const word = /^[A-Za-z_][\w-]*((\.[A-Za-z_][\w-]*)|(\[\d+\]))*/.exec(this.rest());
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'true') return true;
      if (word[0] === 'false') return false;
      if (word[0] === 'null') return null;
      // A call such as `tostring(x)` is not a literal.
      if (this.peek() === '(') throw new Error('function call');
      return `\${${word[0]}}`;
    }
    throw new Error(`unexpected ${JSON.stringify(c)} at ${this.pos}`);
  }

  end(): void {
    this.skip();
    if (this.pos !== this.src.length) throw new Error(`trailing text at ${this.pos}`);
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skip();
      if (this.peek() === '}') {
        this.pos++;
        return out;
      }
      const key = this.peek() === '"' ? this.string() : this.identifier();
      this.skip();
      const sep = this.src[this.pos];
      if (sep !== '=' && sep !== ':') throw new Error(`expected = after key at ${this.pos}`);
      this.pos++;
      out[key] = this.value();
      this.skip();
      if (this.peek() === ',') this.pos++;
    }
  }

  private list(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skip();
      if (this.peek() === ',') this.pos++;
    }
  }

  private string(): string {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(this.rest());
    if (!m) throw new Error(`unterminated string at ${this.pos}`);
    this.pos += m[0].length;
    // HCL escapes a literal `${` as `$${`; undo it so the value reads as Terraform will render it.
    return (JSON.parse(m[0]) as string).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  }

  private identifier(): string {
    const m = /^[A-Za-z_][\w-]*/.exec(this.rest());
    if (!m) throw new Error(`expected a key at ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }

  private skip(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private rest(): string {
    return this.src.slice(this.pos);
  }
}
