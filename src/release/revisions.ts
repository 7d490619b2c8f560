import { DescribeTasksCommand, paginateListTasks, paginateListTaskDefinitions, type Service, type Tag } from '@aws-sdk/client-ecs';
import { digestOf } from './image';
import { TAG, tagValue } from './revision';
import { RELEASE_OWNER } from '../../contracts/tags';
import { revisionName, revisionNumber, type Target } from './target';
import { describeRevision } from './commands/deploy';

/** Who registered a revision, from its owner tag (ecs-release writes `ecs-release`, the stack `terraform`). */
export type RevisionOwner = 'ecs-release' | 'terraform' | 'unknown';

/** Why a revision is in use: nothing in this list may ever be deregistered. */
export type InUse = 'service' | 'deployment' | 'task-set' | 'task' | 'terraform';

export interface RevisionInfo {
  readonly revision: number;
  readonly arn: string;
  readonly owner: RevisionOwner;
  readonly image?: string;
  readonly digest?: string;
  /** `ecs-release:deployed-at`: when its rollout completed (ISO 8601). */
  readonly deployedAt?: string;
  readonly commit?: string;
  readonly registeredAt?: string;
  readonly inUse: readonly InUse[];
}

/** What the service and the cluster are running, and what Terraform tracks: the revisions that must stay. */
export interface Usage {
  readonly byArn: ReadonlyMap<string, readonly InUse[]>;
}

/** How many ACTIVE revisions `revisions` reads at most (each costs one DescribeTaskDefinition). */
export const MAX_REVISIONS = 500;

/** Owner of a revision from its tags. */
export function ownerOf(tags: Tag[] | undefined): RevisionOwner {
  const v = tagValue(tags, TAG.owner);
  return v === RELEASE_OWNER ? 'ecs-release' : v === 'terraform' ? 'terraform' : 'unknown';
}

/**
 * The revisions in use: the service's current revision, every deployment's and task set's, every task of the family
 * in the cluster (one-off tasks included: ListTasks by family), and Terraform's (the descriptor). Reads only.
 */
export async function readUsage(target: Target, service: Service): Promise<Usage> {
  const { cluster, family, taskDefinitionArn } = target.descriptor;
  const byArn = new Map<string, InUse[]>();
  const add = (arn: string | undefined, why: InUse) => {
    if (!arn) return;
    const reasons = byArn.get(arn) ?? [];
    if (!reasons.includes(why)) reasons.push(why);
    byArn.set(arn, reasons);
  };
  add(service.taskDefinition, 'service');
  for (const d of service.deployments ?? []) add(d.taskDefinition, 'deployment');
  for (const s of service.taskSets ?? []) add(s.taskDefinition, 'task-set');
  add(taskDefinitionArn, 'terraform');
  const taskArns: string[] = [];
  // Pending tasks are listed as RUNNING too (their desired status).
  for await (const page of paginateListTasks({ client: target.clients.ecs }, { cluster, family, desiredStatus: 'RUNNING' })) taskArns.push(...(page.taskArns ?? []));
  for (let i = 0; i < taskArns.length; i += 100) {
    const r = await target.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) }));
    for (const t of r.tasks ?? []) add(t.taskDefinitionArn, 'task');
  }
  return { byArn };
}

/** The family's ACTIVE revisions, newest first (exact family: ListTaskDefinitions matches a prefix). */
export async function listRevisionArns(target: Target): Promise<string[]> {
  const { family } = target.descriptor;
  const out: string[] = [];
  for await (const page of paginateListTaskDefinitions({ client: target.clients.ecs }, { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' })) {
    for (const arn of page.taskDefinitionArns ?? []) if (revisionName(arn).replace(/:\d+$/, '') === family) out.push(arn);
    if (out.length >= MAX_REVISIONS) break;
  }
  return out.sort((a, b) => revisionNumber(b) - revisionNumber(a)).slice(0, MAX_REVISIONS);
}

/** Describes each revision (tags included) and joins what uses it. */
export async function describeRevisions(target: Target, arns: readonly string[], usage: Usage): Promise<RevisionInfo[]> {
  const out: RevisionInfo[] = [];
  for (const arn of arns) {
    const { definition, tags } = await describeRevision(target, arn);
    const image = definition.containerDefinitions?.find((c) => c.name === target.descriptor.container)?.image;
    out.push({
      revision: revisionNumber(arn),
      arn,
      owner: ownerOf(tags),
      image,
      digest: tagValue(tags, TAG.digest) ?? digestOf(image),
      deployedAt: tagValue(tags, TAG.deployed),
      commit: tagValue(tags, TAG.commit),
      registeredAt: definition.registeredAt?.toISOString(),
      inUse: usage.byArn.get(arn) ?? [],
    });
  }
  return out;
}

export type KeepReason = 'in use' | 'not registered by ecs-release' | 'rollback candidate' | 'newer than every revision in use';

export interface PrunePlan {
  readonly deregister: readonly RevisionInfo[];
  readonly kept: readonly { readonly revision: RevisionInfo; readonly reason: KeepReason }[];
}

/**
 * Which revisions `prune --keep N` deregisters: only ecs-release's own, never one in use (service, deployment, task
 * set, task, Terraform's), never one of the N most recently deployed besides those (rollback candidates), never one newer than
 * every revision in use (a deploy may have registered it a moment ago and be about to ship it). Pure: tested alone.
 */
export function planPrune(revisions: readonly RevisionInfo[], keep: number): PrunePlan {
  // Rollback candidates are revisions to go back to: deployed ones other than those in use (the running one).
  const candidates = new Set(
    revisions
      .filter((r) => r.deployedAt && r.inUse.length === 0)
      .sort((a, b) => (b.deployedAt! < a.deployedAt! ? -1 : b.deployedAt! > a.deployedAt! ? 1 : b.revision - a.revision))
      .slice(0, keep)
      .map((r) => r.arn),
  );
  const newestInUse = Math.max(0, ...revisions.filter((r) => r.inUse.length > 0).map((r) => r.revision));
  const deregister: RevisionInfo[] = [];
  const kept: { revision: RevisionInfo; reason: KeepReason }[] = [];
  for (const r of revisions) {
    const reason: KeepReason | undefined =
      r.inUse.length > 0
        ? 'in use'
        : r.owner !== 'ecs-release'
          ? 'not registered by ecs-release'
          : candidates.has(r.arn)
            ? 'rollback candidate'
            : r.revision > newestInUse
              ? 'newer than every revision in use'
              : undefined;
    if (reason) kept.push({ revision: r, reason });
    else deregister.push(r);
  }
  return { deregister, kept };
}
