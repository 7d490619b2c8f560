/**
 * Exit codes of `ecs-release` (documented in docs/release-cli.md; pipelines branch on them).
 *
 * `run` is the exception: once the one-off task ran, the CLI exits with the container's own exit code, so a
 * migration's status reaches the pipeline unchanged (use `--json` to tell the two apart).
 */
export const EXIT = {
  /** The command did what was asked (deployment completed, dry run printed, status read). */
  OK: 0,
  /** The deployment failed: rolled back by the circuit breaker, FAILED, superseded, or the task could not start. */
  FAILED: 1,
  /** Bad input: unknown option, malformed image reference, unknown tag, `latest`, unknown container or revision. */
  USAGE: 2,
  /** Refused: a precondition in AWS does not hold (wrong account, deployment in progress, service or descriptor missing). */
  REFUSED: 3,
  /** The wait timed out; the deployment (or task) goes on in ECS. */
  TIMEOUT: 4,
  /**
   * Blue/green: the deployment holds before the traffic shift (new tasks on the test listener): a person tests, then
   * `ecs-release approve` or `ecs-release rollback`.
   */
  HOLDING: 5,
  /** Interrupted (SIGINT) while waiting; the deployment (or task) goes on in ECS. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An expected failure with a one-line message for humans and a fixed exit code. Anything else thrown is a bug or an
 * AWS error and exits 1 with its message.
 */
export class ReleaseError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ReleaseError';
  }
}

/** Bad input, worded like the configuration errors: `<field>: received <value>; allowed: <what>`. */
export function usageError(field: string, received: unknown, allowed: string): ReleaseError {
  return new ReleaseError(EXIT.USAGE, `${field}: received ${show(received)}; allowed: ${allowed}`);
}

/** A refused precondition, same shape as `usageError`. */
export function refusal(field: string, received: unknown, allowed: string): ReleaseError {
  return new ReleaseError(EXIT.REFUSED, `${field}: received ${show(received)}; allowed: ${allowed}`);
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = visible(JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Characters a terminal would act on rather than show (C0/C1 controls such as ESC, line and paragraph separators,
 * bidirectional overrides, zero-width characters) written as `\uXXXX`: a value from the command line or from AWS
 * can neither break the one-line message nor repaint or reorder what the reader sees.
 */
export function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
