import type { CommandResult, Reporter } from './context';
import { EXIT } from './errors';
import type { ConfiguredService } from './services';

/**
 * One command over several services (`--group`): every member is read and checked before anything is written (a
 * member that is busy, missing or misconfigured refuses the whole release with nothing changed), then every member
 * ships at once and the command waits for all of them. The result reports each member; it fails when any member
 * failed, and says what state every other one is in.
 */

/** What a member's read-only phase hands back: the write phase, run once every member was checked. */
export type PreparedShipment = () => Promise<CommandResult>;

export interface MemberOutcome {
  readonly service: string;
  readonly kind: ConfiguredService['kind'];
  readonly exitCode: number;
  readonly outcome: string;
  readonly document: Record<string, unknown>;
}

/** Exit codes ordered by what a pipeline must see first: a failure outranks a timeout, which outranks a hold. */
const SEVERITY: readonly number[] = [EXIT.FAILED, EXIT.INTERRUPTED, EXIT.TIMEOUT, EXIT.REFUSED, EXIT.USAGE, EXIT.HOLDING];

/** The group's exit code: 0 when every member succeeded, else the most severe member's code. */
export function groupExitCode(codes: readonly number[]): number {
  if (codes.every((c) => c === EXIT.OK)) return EXIT.OK;
  for (const code of SEVERITY) if (codes.includes(code)) return code;
  return codes.find((c) => c !== EXIT.OK) ?? EXIT.FAILED;
}

/** One sentence per member, e.g. `web: completed (webapp-dev-web:12); worker: rolled-back; nightly: registered`. */
export function describeMembers(members: readonly MemberOutcome[]): string {
  return members
    .map((m) => {
      const revision = typeof m.document.revision === 'string' ? ` (${m.document.revision.split('/').pop()})` : '';
      const message = m.exitCode !== EXIT.OK && typeof m.document.message === 'string' ? `: ${m.document.message}` : '';
      return `${m.service}: ${m.outcome}${revision}${message}`;
    })
    .join('; ');
}

/**
 * Runs `prepare` for every member in order (reads only; the first refusal ends the command before any write), then
 * every prepared shipment concurrently, and waits for all of them. A member whose write phase throws counts as
 * failed with its message; the others still run to their end.
 */
export async function shipGroup(
  report: Reporter,
  what: { command: string; environment: string; group: string; image?: string },
  members: readonly ConfiguredService[],
  prepare: (service: ConfiguredService) => Promise<PreparedShipment>,
): Promise<CommandResult> {
  const prepared: PreparedShipment[] = [];
  for (const member of members) prepared.push(await prepare(member));
  report.info(`${what.command} to release group ${what.group} of ${what.environment}: ${members.map((m) => `${m.name} (${m.kind})`).join(', ')}`);

  const settled = await Promise.allSettled(prepared.map((ship) => ship()));
  const outcomes: MemberOutcome[] = settled.map((s, i) => {
    const member = members[i];
    if (s.status === 'fulfilled') {
      const outcome = typeof s.value.document.outcome === 'string' ? s.value.document.outcome : s.value.exitCode === EXIT.OK ? 'completed' : 'failed';
      return { service: member.name, kind: member.kind, exitCode: s.value.exitCode, outcome, document: { ...s.value.document, service: member.name, kind: member.kind } };
    }
    const error = s.reason as Error & { exitCode?: number };
    const exitCode = typeof error.exitCode === 'number' ? error.exitCode : EXIT.FAILED;
    return { service: member.name, kind: member.kind, exitCode, outcome: 'error', document: { service: member.name, kind: member.kind, outcome: 'error', exitCode, message: error.message } };
  });

  const exitCode = groupExitCode(outcomes.map((o) => o.exitCode));
  const failed = outcomes.filter((o) => o.exitCode !== EXIT.OK);
  const message =
    failed.length === 0
      ? `${what.command} to group ${what.group} done: ${describeMembers(outcomes)}`
      : `${what.command} to group ${what.group}: ${failed.length} of ${outcomes.length} service(s) did not succeed; ${describeMembers(outcomes)}`;
  if (failed.length === 0) report.info(message);
  else report.progress(`ecs-release: ${message}`);
  return {
    exitCode,
    document: {
      command: what.command,
      environment: what.environment,
      group: what.group,
      ...(what.image ? { image: what.image } : {}),
      outcome: failed.length === 0 ? 'completed' : 'partial',
      exitCode,
      message,
      services: outcomes.map((o) => o.document),
    },
  };
}
