import type { z } from 'zod';

/** Thrown for invalid configuration; `message` is one line: `<env>: <field>: received <value>; allowed: <what>`. */
export class ConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly field: string,
    readonly received: unknown,
    readonly allowed: string,
  ) {
    super(`invalid environment ${visible(JSON.stringify(environment))}: ${visible(field) || '(root)'}: received ${show(received)}; allowed: ${allowed}`);
    this.name = 'ConfigError';
  }
}

/**
 * Terminal controls, line and paragraph separators, bidirectional overrides and zero-width characters as `\uXXXX`:
 * a configuration value can neither break the one-line message nor repaint or reorder what the reader sees.
 */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt: still one line.
    text = Object.prototype.toString.call(value);
  }
  text = visible(text);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function allowedFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a value of type ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : issue.origin === 'string' ? `at least ${String(issue.minimum)} character(s)` : `>= ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `at most ${String(issue.maximum)} item(s)` : issue.origin === 'string' ? `at most ${String(issue.maximum)} character(s)` : `<= ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'only the documented fields (check the spelling)';
    case 'invalid_key':
      // A record key failed its own schema: say what the key must look like, not zod's generic text.
      return issue.issues[0]?.message ?? 'a valid key';
    case 'invalid_union':
      return issue.message.startsWith('Invalid input') ? 'one of the documented forms' : issue.message;
    default:
      return issue.message;
  }
}
