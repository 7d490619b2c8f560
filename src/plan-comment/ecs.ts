import { changedLeaves, decodeJsonDocument, formatPath, topAttribute } from './attributes';
import { isObject } from './plan';
import type { Entry } from './summary';

/**
 * What the release CLI owns in an environment, so the comment can say when a plan touches it. Names come from the
 * environment configuration (`resourceNames(env)`); parameters named like the project's release pointer and
 * descriptor (`…/release-image`, `…/descriptor`) are recognised even without it.
 */
export interface ReleaseOwnership {
  readonly environment: string;
  readonly releaseParameters: readonly string[];
  readonly descriptorParameters: readonly string[];
}

export type NoteLevel = 'caution' | 'warning' | 'note';

export interface EcsNote {
  readonly level: NoteLevel;
  readonly address: string;
  /** Markdown, one paragraph. */
  readonly text: string;
}

const RELEASE_SUFFIX = '/release-image';
const DESCRIPTOR_SUFFIX = '/descriptor';

type Role = 'task-definition' | 'service' | 'release-pointer' | 'descriptor' | undefined;

function roleOf(e: Entry, own: ReleaseOwnership): Role {
  const { type } = e.rc;
  if (type === 'aws_ecs_task_definition') return 'task-definition';
  if (type === 'aws_ecs_service') return 'service';
  if (type === 'aws_ssm_parameter') {
    const name = attr(e, 'name');
    if (typeof name !== 'string') return undefined;
    if (own.releaseParameters.includes(name) || name.endsWith(RELEASE_SUFFIX)) return 'release-pointer';
    if (own.descriptorParameters.includes(name) || name.endsWith(DESCRIPTOR_SUFFIX)) return 'descriptor';
  }
  return undefined;
}

function attr(e: Entry, key: string): unknown {
  const after = e.rc.change.after;
  const before = e.rc.change.before;
  if (isObject(after) && after[key] !== undefined && after[key] !== null) return after[key];
  return isObject(before) ? before[key] : undefined;
}

function changedAttributes(e: Entry): Set<string> {
  return new Set(changedLeaves(e.rc.change).map((l) => topAttribute(l.path)));
}

/** The image of the first container in a task definition's container_definitions, when known at plan time. */
function plannedImage(e: Entry): string | undefined {
  const after = e.rc.change.after;
  const defs = isObject(after) ? decodeJsonDocument(after.container_definitions) : undefined;
  const first = Array.isArray(defs) ? defs[0] : undefined;
  return isObject(first) && typeof first.image === 'string' ? first.image : undefined;
}

function replaceReason(e: Entry, entries: Entry[]): string {
  const reasons: string[] = [];
  const paths = [...new Set((e.rc.change.replace_paths ?? []).map((p) => `\`${formatPath(p)}\``))];
  if (paths.length > 0) reasons.push(`${paths.join(', ')} changed`);
  if (e.rc.action_reason === 'replace_by_triggers') {
    // The project's task definition is replaced when the container settings it keeps in a terraform_data change.
    const specs = entries.filter((o) => o.rc.type === 'terraform_data' && o.kind === 'update');
    const fields = [...new Set(specs.flatMap((s) => changedLeaves(s.rc.change).filter((l) => l.path[0] === 'input').map((l) => `\`${formatPath(l.path.slice(1))}\``)))];
    reasons.push(fields.length > 0 ? `container settings changed: ${fields.slice(0, 6).join(', ')}${fields.length > 6 ? ', …' : ''}, through \`replace_triggered_by\`` : '`replace_triggered_by` changed');
  }
  if (e.rc.action_reason === 'replace_because_tainted') reasons.push('the current revision is tainted');
  if (e.rc.action_reason === 'replace_by_request') reasons.push('requested with `-replace`');
  return reasons.length > 0 ? reasons.join('; ') : 'a change Terraform cannot make in place';
}

/**
 * Notes for the reviewer where a plan meets the release CLI: what a task-definition replacement does to the running
 * image, and every change that would touch what `ecs-release` owns (the release pointer, the descriptor, the
 * service's revision and count).
 */
export function ecsNotes(entries: Entry[], own: ReleaseOwnership): EcsNote[] {
  const notes: EcsNote[] = [];
  const env = own.environment;
  const pointerName = own.releaseParameters[0];
  const pointer = pointerName ? `the release pointer \`${pointerName}\`` : 'the release pointer (SSM)';
  const deploy = `\`ecs-release deploy --env ${env}\``;
  for (const e of entries) {
    const role = roleOf(e, own);
    if (!role) continue;
    const a = `\`${e.rc.address}\``;
    const add = (level: NoteLevel, text: string) => notes.push({ level, address: e.rc.address, text });
    switch (role) {
      case 'task-definition': {
        const skipDestroy = attr(e, 'skip_destroy') === true;
        const image = plannedImage(e);
        const withImage = image ? `image \`${image}\`` : 'the image';
        if (e.kind === 'replace' || e.kind === 'replace-keep') {
          add(
            'note',
            `Task definition ${a} gets a new revision: ${replaceReason(e, entries)}. It is registered with ${withImage} read from ${pointer} ` +
              'at apply time, i.e. the image running now, not the bootstrap image. The service keeps running its current revision: ' +
              `the change reaches running tasks with the next ${deploy} (every deploy starts from this revision) or ` +
              `\`ecs-release rollout --env ${env}\` (ships it with the running image).`,
          );
          if (e.kind === 'replace' && !skipDestroy) {
            add('caution', `${a} has \`skip_destroy\` off: the previous revision will be deregistered, and \`ecs-release rollback\` can no longer return to it.`);
          }
        } else if (e.kind === 'create') {
          add('note', `Task definition ${a} is registered with ${withImage} from ${pointer}. From then on ${deploy} registers the revisions that run; Terraform ignores the image.`);
        } else if (e.kind === 'delete') {
          add(skipDestroy ? 'note' : 'caution', skipDestroy
            ? `${a} leaves Terraform, but its revision stays registered (\`skip_destroy\`): rollback targets remain.`
            : `${a} will be deregistered: \`ecs-release rollback\` can no longer return to it.`);
        }
        break;
      }
      case 'service': {
        if (e.kind === 'update') {
          const changed = changedAttributes(e);
          if (changed.has('task_definition')) {
            add('caution', `${a} would point the service back at the revision Terraform tracks, undoing every ${deploy} since. ` +
              'The release CLI owns the running revision: keep `ignore_changes = [task_definition]` on the service.');
          }
          if (changed.has('desired_count')) {
            add('warning', `${a} sets \`desired_count\` (${show(attr(e, 'desired_count'))}), which auto scaling and the release CLI also change: ` +
              'with auto scaling attached, keep `desired_count` in `ignore_changes`.');
          }
        } else if (e.kind === 'replace' || e.kind === 'delete') {
          add('caution', e.kind === 'replace'
            ? `${a} will be deleted and created again: its tasks stop, and the new service starts from the revision Terraform tracks. ` +
              `Run ${deploy} with the current image right after apply.`
            : `${a} will be deleted: its tasks stop and ${deploy} has no service to ship to.`);
        } else if (e.kind === 'create') {
          add('note', `Service ${a} starts from the revision Terraform registers; from then on the release CLI decides which revision runs and Terraform ignores \`task_definition\`.`);
        }
        break;
      }
      case 'release-pointer': {
        const name = `\`${String(attr(e, 'name'))}\``;
        const seed = attr(e, 'insecure_value') ?? undefined;
        if (e.kind === 'create') {
          add('note', `Release pointer ${name} is seeded with ${seed ? `\`${String(seed)}\`` : 'the bootstrap image'}; after this only ${deploy} writes it (Terraform ignores its value).`);
        } else if (e.kind === 'update') {
          const changed = changedAttributes(e);
          if (changed.has('insecure_value') || changed.has('value')) {
            add('caution', `${a} would overwrite the image the release CLI deployed (${name}); the next task-definition revision would run that image. ` +
              'Keep `ignore_changes` on the pointer\'s value.');
          } else {
            add('note', `${a} changes the release pointer ${name} (${[...changed].map((c) => `\`${c}\``).join(', ')}), which \`ecs-release\` writes; the deployed image is kept.`);
          }
        } else if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
          add('caution', `${a} ${e.kind === 'delete' ? 'deletes' : 're-creates'} the release pointer ${name}: the record of the deployed image is lost` +
            `${e.kind === 'delete' ? '' : ` and it goes back to ${seed ? `\`${String(seed)}\`` : 'the bootstrap image'}`}; the next task-definition revision would ship that image. ` +
            `Run ${deploy} with the current image right after apply.`);
        }
        break;
      }
      case 'descriptor': {
        const name = `\`${String(attr(e, 'name'))}\``;
        if (e.kind === 'update' || e.kind === 'replace') {
          add('note', `The release descriptor ${name} changes: \`ecs-release\` reads it at every deploy, so deploys after this apply use the new values.`);
        } else if (e.kind === 'delete') {
          add('caution', `${a} deletes the release descriptor ${name}: \`ecs-release\` cannot deploy this service without it.`);
        }
        break;
      }
    }
  }
  return notes;
}

/**
 * Why a drifted object changed, when the release CLI (or auto scaling) is the expected author: the review then knows
 * this is the coexistence contract at work, not somebody clicking in the console. When the plan itself would undo that
 * change (the lifecycle rule is gone), it says so instead.
 */
export function expectedDrift(e: Entry, own: ReleaseOwnership, planned: Entry[] = []): string | undefined {
  const role = roleOf(e, own);
  if (e.kind !== 'update') return undefined;
  const changed = changedAttributes(e);
  const only = (...names: string[]) => changed.size > 0 && [...changed].every((c) => names.includes(c));
  let author: string | undefined;
  if (role === 'release-pointer' && only('insecure_value', 'value', 'version')) author = 'written by `ecs-release deploy`';
  if (role === 'service' && only('task_definition', 'desired_count')) author = 'owned by the release CLI and auto scaling';
  if (!author) return undefined;
  const change = planned.find((p) => p.rc.address === e.rc.address && p.kind !== 'no-op');
  const undone = change ? [...changedAttributes(change)].filter((a) => changed.has(a) && a !== 'version') : [];
  return undone.length > 0 ? `${author}, and this plan would undo it` : `expected: ${author}, ignored by Terraform`;
}

function show(v: unknown): string {
  return v === undefined || v === null ? 'unset' : String(v);
}
