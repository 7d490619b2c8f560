import { changedLeaves, decodeJsonDocument, formatPath } from './attributes';
import { attr, beforeAttr, changedAttributes, CODEDEPLOY_LISTENER_PATHS, listenerPaths, type ReleaseOwnership, type Role, type ServiceOwnership } from './ecs-roles';
import { join, md, trusted, unmasked, type Md } from './markdown';
import { isObject } from './plan';
import type { Entry } from './summary';

export type NoteLevel = 'caution' | 'warning' | 'note';

/** What a role's notes are written from: the change, the environment's names and commands, and where notes go. */
export interface NoteContext {
  readonly e: Entry;
  /** The address, as a value. */
  readonly a: Md;
  readonly add: (level: NoteLevel, text: Md) => void;
  readonly env: string;
  readonly entries: Entry[];
  readonly own: ReleaseOwnership;
  /** The configured service the change belongs to, when the plan names one. */
  readonly service?: ServiceOwnership;
  /** ` --service <name>` where the environment has several services, else empty: appended to every command. */
  readonly flags: string;
  readonly pointer: Md;
  readonly deploy: Md;
  readonly status: Md;
  readonly whenIdle: Md;
  readonly notInFlight: Md;
}

/** The notes for each role a resource plays for the release CLI or CodeDeploy (see ecs-roles.ts). */
export const ROLE_NOTES: Record<NonNullable<Role>, (c: NoteContext) => void> = {
  'task-definition': ({ e, a, add, env, entries, service, flags, pointer, deploy }) => {
    const skipDestroy = attr(e, 'skip_destroy') === true;
    const app = service?.container;
    const image = plannedImage(e, app);
    const withImage = image ? md`${app ? md`the ${app} container's ` : trusted('')}image ${image}` : app ? md`the ${app} container's image` : trusted('the image');
    const of = service ? md` of service ${service.name}${service.kind === 'scheduled' ? trusted(' (scheduled)') : trusted('')}` : trusted('');
    const reaches = service?.kind === 'scheduled'
      ? md`The schedule runs the family's latest revision: the change reaches the next run at once, with the released image Terraform reads from ${pointer}.`
      : md`The service keeps running its current revision: the change reaches running tasks with the next ${deploy} (every deploy starts from this revision) or ${unmasked(`ecs-release rollout --env ${env}${flags}`)} (ships it with the running image).`;
    const sidecars = sidecarImages(e, app);
    if (e.kind === 'replace' || e.kind === 'replace-keep') {
      add(
        'note',
        md`Task definition ${a}${of} gets a new revision: ${replaceReason(e, entries)}. It is registered with ${withImage} read from ${pointer} at apply time, i.e. the image running now, not the bootstrap image${sidecars}. ${reaches}`,
      );
      if (e.kind === 'replace' && skipDestroy) {
        add('note', md`${a}: the previous revision leaves Terraform's state but stays registered (\`skip_destroy\`): the "to destroy" it adds to the Plan line deregisters nothing, and \`ecs-release rollback\` can still return to it.`);
      }
      if (e.kind === 'replace' && !skipDestroy) {
        add('caution', md`${a} has \`skip_destroy\` off: the previous revision will be deregistered, and \`ecs-release rollback\` can no longer return to it.`);
      }
    } else if (e.kind === 'create') {
      add('note', md`Task definition ${a}${of} is registered with ${withImage} from ${pointer}${sidecars}. From then on ${deploy} registers the revisions that run${service?.kind === 'scheduled' ? trusted(' (its schedule starts the latest)') : trusted('')}; Terraform ignores the image.`);
    } else if (e.kind === 'delete') {
      add(skipDestroy ? 'note' : 'caution', skipDestroy
        ? md`${a} leaves Terraform, but its revision stays registered (\`skip_destroy\`): rollback targets remain.`
        : md`${a} will be deregistered: \`ecs-release rollback\` can no longer return to it.`);
    }
  },
  'service': ({ e, a, add, own, deploy }) => {
    if (e.kind === 'update') {
      const changed = changedAttributes(e);
      if (changed.has('task_definition')) {
        add('caution', md`${a} would point the service back at the revision Terraform tracks, undoing every ${deploy} since. The release CLI owns the running revision: keep \`ignore_changes = [task_definition]\` on the service.`);
      }
      if (changed.has('desired_count')) {
        add('warning', md`${a} sets \`desired_count\` (${showCount(attr(e, 'desired_count'))}), which auto scaling and the release CLI also change: with auto scaling attached, keep \`desired_count\` in \`ignore_changes\`.`);
      }
      if (changed.has('load_balancer') && own.blueGreen) {
        add('caution', md`${a} would set the service's \`load_balancer\` back to the target group Terraform declares, but CodeDeploy moves the service to the other target group at every blue/green deployment: keep \`ignore_changes = [load_balancer]\` on the service.`);
      }
    } else if (e.kind === 'replace' || e.kind === 'delete') {
      add('caution', e.kind === 'replace'
        ? md`${a} will be deleted and created again: its tasks stop, and the new service starts from the revision Terraform tracks. Run ${deploy} with the current image right after apply.`
        : md`${a} will be deleted: its tasks stop and ${deploy} has no service to ship to.`);
    } else if (e.kind === 'create') {
      add('note', md`Service ${a} starts from the revision Terraform registers; from then on the release CLI decides which revision runs and Terraform ignores \`task_definition\`.`);
    }
  },
  'release-pointer': ({ e, a, add, deploy }) => {
    const name = md`${String(attr(e, 'name'))}`;
    const seed = attr(e, 'insecure_value') ?? undefined;
    if (e.kind === 'create') {
      add('note', md`Release pointer ${name} is seeded with ${seed ? md`${String(seed)}` : trusted('the bootstrap image')}; after this only ${deploy} writes it (Terraform ignores its value).`);
    } else if (e.kind === 'update') {
      const changed = changedAttributes(e);
      if (changed.has('insecure_value') || changed.has('value')) {
        add('caution', md`${a} would overwrite the image the release CLI deployed (${name}); the next task-definition revision would run that image. Keep \`ignore_changes\` on the pointer's value.`);
      } else {
        add('note', md`${a} changes the release pointer ${name} (${codeList(changed, 100)}), which \`ecs-release\` writes; the deployed image is kept.`);
      }
    } else if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
      add('caution', md`${a} ${e.kind === 'delete' ? trusted('deletes') : trusted('re-creates')} the release pointer ${name}: the record of the deployed image is lost${e.kind === 'delete' ? trusted('') : md` and it goes back to ${seed ? md`${String(seed)}` : trusted('the bootstrap image')}`}; the next task-definition revision would ship that image. Run ${deploy} with the current image right after apply.`);
    }
  },
  descriptor: ({ e, a, add }) => {
    const name = md`${String(attr(e, 'name'))}`;
    if (e.kind === 'update' || e.kind === 'replace') {
      add('note', md`The release descriptor ${name} changes: \`ecs-release\` reads it at every deploy, so deploys after this apply use the new values.`);
    } else if (e.kind === 'delete') {
      add('caution', md`${a} deletes the release descriptor ${name}: \`ecs-release\` cannot deploy this service without it.`);
    }
  },
  'codedeploy-listener': ({ e, a, add, status, whenIdle, notInFlight }) => {
    if (e.kind === 'update') {
      const { owned, other } = listenerPaths(e);
      if (owned.length > 0) {
        add('caution', md`${a} would set the forward target of a listener CodeDeploy shifts traffic on (${codeList(owned)}): after a blue/green deployment production traffic may be on the other target group, and this apply would send it back to one whose tasks may be gone. Keep \`ignore_changes\` on ${codeList(CODEDEPLOY_LISTENER_PATHS)}.`);
      }
      if (other.length > 0) {
        add('note', md`${a} is a listener CodeDeploy shifts traffic on; this change (${codeList(other)}) applies, the forward target stays CodeDeploy's. ${notInFlight}.`);
      }
    } else if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
      add('caution', md`${a} ${e.kind === 'delete' ? trusted('deletes') : trusted('re-creates')} a listener CodeDeploy shifts traffic on${e.kind === 'delete' ? trusted(': blue/green deployments fail until the deployment group names a listener again') : trusted(': the new one forwards to the blue target group, wherever production runs now, and the deployment group must follow its new ARN')}. ${whenIdle}, and check where traffic goes afterwards: ${status}.`);
    } else if (e.kind === 'create') {
      add('note', md`Listener ${a} forwards to the blue target group; from the first blue/green deployment on, CodeDeploy moves its forward target and Terraform ignores it (${codeList(CODEDEPLOY_LISTENER_PATHS)}).`);
    }
  },
  'codedeploy-target-group': ({ e, a, add, status, whenIdle }) => {
    const name = md`${String(beforeAttr(e, 'name'))}`;
    if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
      add('caution', md`${a} ${e.kind === 'delete' ? trusted('deletes') : trusted('re-creates')} target group ${name}, one of the two CodeDeploy alternates between: production traffic may be on it right now, and its tasks are not registered in a new one. ${whenIdle}, and check which target group is live first: ${status}.`);
    } else if (e.kind === 'update') {
      add('note', md`Target group ${name} (${codeList(changedAttributes(e))}) is one of the blue/green pair: the change applies at once to whichever color it is, live or idle.`);
    }
  },
  'codedeploy-group': ({ e, a, add, env, flags, deploy, notInFlight }) => {
    const name = md`${String(beforeAttr(e, 'deployment_group_name'))}`;
    if (e.kind === 'update') {
      add('note', md`CodeDeploy deployment group ${name} changes (${codeList(changedAttributes(e))}): deployments started after this apply use the new settings. ${notInFlight}.`);
    } else if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
      add('caution', md`${a} ${e.kind === 'delete' ? trusted('deletes') : trusted('re-creates')} CodeDeploy deployment group ${name}: a deployment in flight loses its group (traffic stays wherever it is), its history and one-action rollback go, and ${deploy} cannot ship until the group exists again. ${notInFlight}.`);
    } else if (e.kind === 'create') {
      add('note', md`CodeDeploy deployment group ${name}: ${deploy} ships through it, new tasks on the test listener first, then the traffic shift; ${unmasked(`ecs-release approve --env ${env}${flags}`)} lets a held deployment continue.`);
    }
  },
  'codedeploy-app': ({ e, a, add, deploy, notInFlight }) => {
    if (e.kind === 'replace' || e.kind === 'replace-keep' || e.kind === 'delete') {
      add('caution', md`${a} ${e.kind === 'delete' ? trusted('deletes') : trusted('re-creates')} the CodeDeploy application, and with it every deployment group and its history: ${deploy} cannot ship until they exist again. ${notInFlight}.`);
    }
  },
  'codedeploy-config': ({ e, a, add }) => {
    if (e.kind === 'replace' || e.kind === 'delete') {
      add('note', md`${a}: the traffic shifting of blue/green deployments changes; a deployment in flight keeps the configuration it started with.`);
    }
  },
};

function codeList(names: Iterable<string>, max = 6): Md {
  const all = [...names];
  const shown = join(all.slice(0, max).map((n) => md`${n}`), ', ');
  return all.length > max ? md`${shown}, and ${all.length - max} more` : shown;
}

/** The containers of one side of a task definition's change (`container_definitions`), when known at plan time. */
function containersOf(side: unknown): Record<string, unknown>[] {
  const defs = isObject(side) ? decodeJsonDocument(side.container_definitions) : undefined;
  return Array.isArray(defs) ? defs.filter(isObject) : [];
}

/** The application container's planned image (the first container when the service is unknown). */
function plannedImage(e: Entry, app: string | undefined): string | undefined {
  const containers = containersOf(e.rc.change.after);
  const c = app === undefined ? containers[0] : containers.find((x) => x.name === app);
  return c && typeof c.image === 'string' ? c.image : undefined;
}

/**
 * The sidecars' images (every container but the application's): from configuration, pinned by digest; a release
 * never changes them. Says which change with this plan.
 */
function sidecarImages(e: Entry, app: string | undefined): Md {
  if (app === undefined) return trusted('');
  const before = new Map(containersOf(e.rc.change.before).map((c) => [c.name, c.image]));
  const parts = containersOf(e.rc.change.after)
    .filter((c) => c.name !== app && typeof c.name === 'string' && typeof c.image === 'string')
    .map((c) => {
      const was = before.get(c.name);
      return typeof was === 'string' && was !== c.image ? md`${String(c.name)} ${String(was)} → ${String(c.image)}` : md`${String(c.name)} ${String(c.image)}`;
    });
  return parts.length === 0 ? trusted('') : md`; sidecar images come from configuration (a release never changes them): ${join(parts, ', ')}`;
}

const settingsCache = new WeakMap<Entry[], Map<string, string[]>>();

/**
 * The construct a resource belongs to, from its logical id: `services_worker_task-definition_task_9F67DEC6` and
 * `services_worker_task-definition_container-spec_7F895F86` both belong to `services_worker_task-definition`.
 */
function constructOf(e: Entry): string {
  return (e.rc.name ?? e.rc.address).replace(/_[^_]+_[0-9A-F]{8}$/, '');
}

/**
 * The container settings that changed in the plan's `terraform_data` specs, by the construct that holds them,
 * computed once per plan: asked for every task definition replaced through `replace_triggered_by`, a scan per
 * replacement made many services quadratic. A task definition reads its own service's spec (`''` holds them all).
 */
function containerSettingsChanged(entries: Entry[], e: Entry): string[] {
  let byConstruct = settingsCache.get(entries);
  if (!byConstruct) {
    byConstruct = new Map();
    for (const s of entries.filter((o) => o.rc.type === 'terraform_data' && o.kind === 'update')) {
      const fields = changedLeaves(s.rc.change).filter((l) => l.path[0] === 'input').map((l) => formatPath(l.path.slice(1)));
      for (const key of [constructOf(s), '']) byConstruct.set(key, [...new Set([...(byConstruct.get(key) ?? []), ...fields])]);
    }
    settingsCache.set(entries, byConstruct);
  }
  return byConstruct.get(constructOf(e)) ?? byConstruct.get('') ?? [];
}

function replaceReason(e: Entry, entries: Entry[]): Md {
  const reasons: Md[] = [];
  const paths = [...new Set((e.rc.change.replace_paths ?? []).map((p) => formatPath(p)))].map((p) => md`${p}`);
  if (paths.length > 0) reasons.push(md`${join(paths, ', ')} changed`);
  if (e.rc.action_reason === 'replace_by_triggers') {
    // The project's task definition is replaced when the container settings it keeps in a terraform_data change.
    const fields = containerSettingsChanged(entries, e).map((p) => md`${p}`);
    reasons.push(fields.length > 0 ? md`container settings changed: ${join(fields.slice(0, 6), ', ')}${fields.length > 6 ? trusted(', …') : trusted('')}, through \`replace_triggered_by\`` : trusted('`replace_triggered_by` changed'));
  }
  if (e.rc.action_reason === 'replace_because_tainted') reasons.push(trusted('the current revision is tainted'));
  if (e.rc.action_reason === 'replace_by_request') reasons.push(trusted('requested with `-replace`'));
  return reasons.length > 0 ? join(reasons, '; ') : trusted('a change Terraform cannot make in place');
}

/** A count as the plan has it: a number as is, anything else as a value. */
function showCount(v: unknown): Md | number {
  return typeof v === 'number' ? v : v === undefined || v === null ? trusted('unset') : md`${String(v)}`;
}
