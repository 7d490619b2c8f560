import { DescribeTasksCommand, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import type { Context } from './context';
import { digestOf } from './image';
import { refusal, usageError } from './errors';
import { revisionName, type Target } from './target';
import { targetFlags } from './services';

/** One running task as `ecs-release tasks` shows it. */
export interface TaskRow {
  readonly taskId: string;
  readonly taskArn: string;
  readonly revision: string;
  /** The digest the container runs (what ECS resolved at launch), or null while it is not known yet. */
  readonly digest: string | null;
  readonly health: string;
  readonly availabilityZone: string | null;
  readonly lastStatus: string;
  readonly startedAt: string | null;
  /** `service:<name>` for the service's tasks; `family:<family>` for one-off tasks (run). */
  readonly group: string | null;
  readonly execEnabled: boolean;
}

const TASK_ID = /^(?:arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task\/[\w-]+\/)?([0-9a-f]{32}|[0-9a-f-]{36})$/;

/** The id part of a task id or ARN, refused in one line when it is neither. No call. */
export function parseTaskId(text: string, option = 'task-id'): string {
  const m = TASK_ID.exec(text.trim());
  if (!m) throw usageError(option, text, 'a task id (32 hex characters, as `ecs-release tasks` lists them) or its ARN');
  return m[1];
}

export function taskRow(task: Task, container: string): TaskRow {
  const c = task.containers?.find((x) => x.name === container) ?? task.containers?.[0];
  const az = task.availabilityZone ?? task.attributes?.find((a) => a.name === 'ecs.availability-zone')?.value;
  return {
    taskId: (task.taskArn ?? '').split('/').pop() ?? '',
    taskArn: task.taskArn ?? '',
    revision: revisionName(task.taskDefinitionArn),
    digest: c?.imageDigest ?? digestOf(c?.image) ?? null,
    health: task.healthStatus ?? 'UNKNOWN',
    availabilityZone: az ?? null,
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    startedAt: task.startedAt?.toISOString() ?? null,
    group: task.group ?? null,
    execEnabled: !!task.enableExecuteCommand,
  };
}

/**
 * The service's running tasks, oldest first: ListTasks by service name (pages of 100), then DescribeTasks in batches
 * of 100 (its limit).
 */
export async function serviceTasks(ctx: Context, target: Target): Promise<Task[]> {
  const { cluster, service } = target.descriptor;
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await target.clients.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && !ctx.signal.aborted);
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const r = await target.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
    tasks.push(...(r.tasks ?? []));
  }
  return tasks.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
}

/** One task of the cluster by id, refused when ECS does not know it. One call. */
export async function describeTask(target: Target, taskId: string): Promise<Task> {
  const { cluster } = target.descriptor;
  const r = await target.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskId] }));
  const task = r.tasks?.[0];
  if (!task) throw refusal('task-id', taskId, `a task of cluster ${cluster} (ECS found ${r.failures?.[0]?.reason ?? 'nothing'}; list them with ecs-release tasks ${targetFlags(target)})`);
  return task;
}

/** Refuses a task that is not one of this environment's service tasks (another service's, or a one-off task). */
export function refuseForeignTask(target: Target, task: Task): void {
  const group = `service:${target.descriptor.service}`;
  if (task.group !== group) {
    throw refusal('task-id', (task.taskArn ?? '').split('/').pop(), `a task of service ${target.descriptor.service} (its group is ${JSON.stringify(task.group ?? null)}, not ${JSON.stringify(group)})`);
  }
}

/**
 * Stops one task of the service; ECS starts a replacement to keep the desired count. The reason names the caller,
 * so the service events say who stopped it. One call.
 */
export async function stopServiceTask(target: Target, task: Task): Promise<Task | undefined> {
  const reason = `ecs-release tasks stop by ${target.callerArn || 'unknown caller'}`.slice(0, 255);
  const r = await target.clients.ecs.send(new StopTaskCommand({ cluster: target.descriptor.cluster, task: task.taskArn, reason }));
  return r.task;
}
