import { attr, changedAttributes, listenerPaths, NO_FACTS, roleOf, serviceOf, type CodeDeployFacts, type ReleaseOwnership, type ServiceOwnership } from './ecs-roles';
import { ROLE_NOTES, type NoteLevel } from './ecs-notes';
import { md, trusted, unmasked, type Md } from './markdown';
import type { Entry } from './summary';
import { frameworkCli } from '../framework';

export { codeDeployFacts, CODEDEPLOY_LISTENER_PATHS, isCodeDeployListenerPath, type BlueGreenOwnership, type CodeDeployFacts, type ReleaseOwnership, type ServiceOwnership } from './ecs-roles';

export type { NoteLevel };

export interface EcsNote {
  readonly level: NoteLevel;
  readonly address: string;
  /** Markdown, one paragraph; values masked and escaped when rendered. */
  readonly text: Md;
}

/**
 * Notes for the reviewer where a plan meets the release CLI: what a task-definition replacement does to the running
 * image, and every change that would touch what `ecs-release` owns (the release pointer, the descriptor, the
 * service's revision and count).
 */
export function ecsNotes(entries: Entry[], own: ReleaseOwnership, facts: CodeDeployFacts = NO_FACTS): EcsNote[] {
  const notes: EcsNote[] = [];
  const env = own.environment;
  const services = own.services ?? [];
  // Commands name the service when the environment has several (configuration names: lowercase letters, digits, -).
  const flags = (service: ServiceOwnership | undefined) => (service ? (services.length > 1 ? ` --service ${service.name}` : '') : services.length > 1 ? ' --service <name>' : '');
  const blueGreenName = services.find((s) => own.blueGreen && s.kind === 'web' && own.blueGreen.application.endsWith(`-${s.name}`));
  for (const e of entries) {
    const role = roleOf(e, own, facts);
    if (!role) continue;
    // CodeDeploy's resources belong to the one blue/green service; the others to the service the plan names.
    const service = serviceOf(e, own) ?? (role.startsWith('codedeploy') ? blueGreenName : undefined) ?? (services.length === 1 ? services[0] : undefined);
    const pointerName = service?.releaseParameter ?? (services.length === 0 ? own.releaseParameters[0] : undefined);
    const pointer = pointerName ? md`the release pointer ${pointerName}` : trusted('the release pointer (SSM)');
    const deploy = unmasked(`ecs-release deploy --env ${env}${flags(service)}`);
    const status = unmasked(`ecs-release status --env ${env}${flags(service)}`);
    const whenIdle = trusted('Apply while no blue/green deployment is in flight');
    const notInFlight = md`${whenIdle} (${status})`;
    const a = md`${e.rc.address}`;
    const add = (level: NoteLevel, text: Md) => notes.push({ level, address: e.rc.address, text });
    ROLE_NOTES[role]({ e, a, add, env, entries, own, service, flags: flags(service), pointer, deploy, status, whenIdle, notInFlight });
  }
  notes.push(...ciRoleNotes(entries, env));
  return notes;
}

const CI_ROLE_TYPES = new Set(['aws_iam_role', 'aws_iam_role_policy', 'aws_iam_role_policy_attachment']);
const CI_ROLE_NAME = /-ci-(plan|apply|deploy)$/;

/**
 * The CI apply role is denied every change to the three CI roles (modules/ci-access.ts), so a pull request cannot
 * widen its own pipeline's rights. A plan that changes one therefore fails halfway in the apply workflow: say so up
 * front, with what to do instead.
 */
function ciRoleNotes(entries: Entry[], env: string): EcsNote[] {
  const out: EcsNote[] = [];
  for (const e of entries) {
    if (!CI_ROLE_TYPES.has(e.rc.type) || e.kind === 'create' || e.kind === 'no-op' || e.kind === 'read' || e.kind === 'forget') continue;
    const name = String(attr(e, e.rc.type === 'aws_iam_role' ? 'name' : 'role') ?? '');
    if (!CI_ROLE_NAME.test(name)) continue;
    out.push({
      level: 'caution',
      address: e.rc.address,
      text: md`${e.rc.address} changes the CI role ${name}, which the CI apply role may not change (no pipeline widens its own rights): the apply workflow would stop at it with AccessDenied. Apply this change from a workstation with the environment's Terraform role (${unmasked(`${frameworkCli()} apply ${env}`)}), then re-run the workflow.`,
    });
  }
  return out;
}

/** Planned changes by address, built once per plan (a lookup per drifted object made large plans quadratic). */
const indexes = new WeakMap<Entry[], Map<string, Entry>>();

function changesByAddress(planned: Entry[]): Map<string, Entry> {
  let index = indexes.get(planned);
  if (!index) {
    index = new Map();
    for (const p of planned) if (p.kind !== 'no-op' && !index.has(p.rc.address)) index.set(p.rc.address, p);
    indexes.set(planned, index);
  }
  return index;
}

/**
 * Why a drifted object changed, when the release CLI (or auto scaling) is the expected author: the review then knows
 * this is the coexistence contract at work, not somebody clicking in the console. When the plan itself would undo that
 * change (the lifecycle rule is gone), it says so instead.
 */
export function expectedDrift(e: Entry, own: ReleaseOwnership, planned: Entry[] = [], facts: CodeDeployFacts = NO_FACTS): string | undefined {
  const role = roleOf(e, own, facts);
  if (e.kind !== 'update') return undefined;
  const changed = changedAttributes(e);
  const only = (...names: string[]) => changed.size > 0 && [...changed].every((c) => names.includes(c));
  // Indexed once per plan: a lookup per drifted object made large plans quadratic.
  const change = changesByAddress(planned).get(e.rc.address);
  let author: string | undefined;
  let undone: boolean;
  if (role === 'codedeploy-listener') {
    // CodeDeploy's traffic shift rewrites the forward target of the default action: exactly what Terraform ignores.
    const drifted = listenerPaths(e);
    if (drifted.owned.length === 0 || drifted.other.length > 0) return undefined;
    author = 'moved by CodeDeploy\'s blue/green traffic shift';
    undone = change !== undefined && listenerPaths(change).owned.length > 0;
  } else {
    if (role === 'release-pointer' && only('insecure_value', 'value', 'version')) author = 'written by `ecs-release deploy`';
    if (role === 'service' && only('task_definition', 'desired_count')) author = 'owned by the release CLI and auto scaling';
    // Under CodeDeploy the service follows the task set that took production traffic, target group included.
    if (role === 'service' && own.blueGreen && changed.has('load_balancer') && only('task_definition', 'desired_count', 'load_balancer')) {
      author = 'owned by CodeDeploy, the release CLI and auto scaling';
    }
    undone = change !== undefined && [...changedAttributes(change)].some((a) => changed.has(a) && a !== 'version');
  }
  if (!author) return undefined;
  return undone ? `${author}, and this plan would undo it` : `expected: ${author}, ignored by Terraform`;
}

