import { ExecuteCommandCommand, type Task } from '@aws-sdk/client-ecs';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Programs } from './context';
import { EXIT, ReleaseError, refusal } from './errors';
import type { ConfiguredService } from './services';
import type { Target } from './target';

/** The program the AWS CLI hands an ECS Exec session to. */
export const SESSION_MANAGER_PLUGIN = 'session-manager-plugin';

/**
 * ECS Exec must be on for the service in configuration; refused before any AWS call where it is off (prod, dev's
 * worker). The setting is per service, so the refusal names --service and the services that have it on.
 */
export function refuseWhereExecIsOff(env: EnvironmentConfig, service: ConfiguredService): void {
  if (!service.enableExecuteCommand) {
    const on = Object.entries(env.services).filter(([, s]) => s.enableExecuteCommand).map(([name]) => name);
    throw refusal('--service', service.name, `a service with ECS Exec on (services.${service.name}.enableExecuteCommand is off in environments/${env.name}.ts; on for: ${on.length > 0 ? on.join(', ') : `no service of ${env.name}`}); nothing was called`);
  }
}

/** The plugin's path, or a one-line refusal saying how to install it. Checked before any AWS call. */
export function sessionManagerPlugin(programs: Programs): string {
  const path = programs.which(SESSION_MANAGER_PLUGIN);
  if (!path) {
    throw refusal(
      SESSION_MANAGER_PLUGIN,
      undefined,
      'the Session Manager plugin on PATH, which ECS Exec sessions need (install it: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html)',
    );
  }
  return path;
}

/**
 * One command line for ECS Exec, which takes a single string and splits it on spaces (no shell): each argument is
 * single-quoted POSIX-style, a quote inside written '\'' , so an argument stays one argument when the command is a
 * shell (`sh -c`) and no value reaches a shell unquoted. The one place exec's arguments are escaped.
 */
export function execCommandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Refuses a task that cannot take a session: Exec off on the task, not RUNNING, or the agent not running. */
export function refuseUnreachableTask(task: Task, container: string): { runtimeId: string } {
  const id = (task.taskArn ?? '').split('/').pop();
  if (task.lastStatus !== 'RUNNING') throw refusal('task', id, `a RUNNING task (it is ${task.lastStatus ?? 'unknown'})`);
  if (!task.enableExecuteCommand) throw refusal('task', id, 'a task started with ECS Exec on (tasks started before Exec was enabled keep it off: restart the service)');
  const c = task.containers?.find((x) => x.name === container);
  if (!c) throw refusal('--container', container, `a container of task ${id}: ${(task.containers ?? []).map((x) => x.name).join(', ')}`);
  const agent = c.managedAgents?.find((a) => a.name === 'ExecuteCommandAgent');
  if (agent && agent.lastStatus !== 'RUNNING') throw refusal('task', id, `a task whose ExecuteCommandAgent is RUNNING (it is ${agent.lastStatus ?? 'unknown'})`);
  if (!c.runtimeId) throw refusal('task', id, `a container with a runtime id (${container} has none yet)`);
  return { runtimeId: c.runtimeId };
}

/**
 * Opens the session (ecs:ExecuteCommand) and hands it to the plugin exactly as the AWS CLI does: the session as JSON,
 * the region, `StartSession`, an empty profile, the target `ecs:<cluster>_<task-id>_<runtime-id>` and the ECS
 * endpoint. Resolves with the plugin's exit code.
 */
export async function openSession(target: Target, programs: Programs, plugin: string, task: Task, container: string, command: string): Promise<number> {
  const { cluster } = target.descriptor;
  const { runtimeId } = refuseUnreachableTask(task, container);
  const taskId = (task.taskArn ?? '').split('/').pop() ?? '';
  const r = await target.clients.ecs.send(new ExecuteCommandCommand({ cluster, task: task.taskArn, container, command, interactive: true }));
  const s = r.session;
  if (!s?.sessionId || !s.streamUrl || !s.tokenValue) throw new ReleaseError(EXIT.FAILED, `ecs:ExecuteCommand returned no session for task ${taskId}`);
  const endpoint = `https://ecs.${target.env.region}.amazonaws.com`;
  const args = [
    JSON.stringify({ SessionId: s.sessionId, StreamUrl: s.streamUrl, TokenValue: s.tokenValue }),
    target.env.region,
    'StartSession',
    '',
    JSON.stringify({ Target: `ecs:${cluster}_${taskId}_${runtimeId}` }),
    endpoint,
  ];
  return programs.run(plugin, args);
}
