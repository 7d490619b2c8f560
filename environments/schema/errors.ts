import type { z } from 'zod';

/** Thrown for invalid configuration; `message` is one line: `<env>: <field>: received <value>; allowed: <what>`. */
export class ConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly field: string,
    readonly received: unknown,
    readonly allowed: string,
  ) {
    super(`invalid environment "${environment}": ${field || '(root)'}: received ${show(received)}; allowed: ${allowed}`);
    this.name = 'ConfigError';
  }
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
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
