import { Option, type Command } from 'commander';
import type { CommandResult, Context, WaitFlags } from './context';
import { parseDuration } from './context';
import { usageError } from './errors';
import { MAX_POLL_MS, type CommonFlags, type ShippingFlags } from './flags';

/** What cli.ts shares with the operate commands: its context, its option builders and how a command is run. */
export interface OperateDeps {
  readonly ctx: Context;
  readonly invoke: (json: boolean, fn: () => Promise<CommandResult>) => void;
  readonly env: () => Option;
  /** `--service`: optional when the environment has one service. */
  readonly service: () => Option;
  readonly roleArn: () => Option;
  readonly json: () => Option;
  readonly timeout: (d: string) => Option;
  readonly poll: () => Option;
  readonly noWait: () => Option;
  readonly waitFlags: (flags: { timeout: string; pollInterval: string; wait?: boolean }) => WaitFlags;
  readonly exitCodesHelp: string;
}


/**
 * The everyday commands of a running service (issue 15): exec, logs, tasks (list, stop), scale, restart, wait. Each is
 * thin: flags here, decisions in src/release/preflight.ts and the domain modules (tasks.ts, logs.ts, scaling.ts,
 * exec.ts), AWS calls in src/release/commands/.
 */
export function registerOperateCommands(root: Command, d: OperateDeps): void {
  const { ctx, invoke, env, service, roleArn, json, timeout, poll, noWait, waitFlags } = d;
  const OPERATE_EXIT_HELP = `
Operate commands:
  exec   exits with the session's exit code (the command's, for a command); 3 when ECS Exec is off in the
         environment's configuration (prod), the Session Manager plugin is missing, or no task can take a session
  logs   0 once the events were printed; 130 when --follow is stopped with Ctrl-C
  tasks  stop: 3 for a task of another service or a one-off task (nothing stopped)
  scale  2 outside the configured auto-scaling bounds (before any AWS call); 3 outside the live scalable target's bounds
  wait, restart  as deploy: 0 completed, 1 failed or rolled back, 4 timed out, 5 blue/green holding, 130 interrupted
`;
  const operateHelp = (example: string) => `\nExample:\n  ${example}\n${OPERATE_EXIT_HELP}${d.exitCodesHelp}`;
  const taskOption = () => new Option('--task <task-id>', 'one task (an id from ecs-release tasks, or its ARN)');

  root
    .command('exec')
    .description('open a shell (or run a command) in a running task of the service through ECS Exec and the Session Manager plugin; refused where the environment\'s configuration has ECS Exec off')
    .addOption(env())
    .addOption(service())
    .argument('[command...]', 'the command, after -- (default: an interactive /bin/sh)')
    .addOption(taskOption())
    .option('--container <name>', 'container to open the session in (default: the service\'s container)')
    .addOption(new Option('--dry-run', 'pick the task and print the session it would open, without opening it'))
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release exec --env dev --service web --role-arn arn:aws:iam::111111111111:role/webapp-dev-operator -- ./manage.py shell'))
    .action((command: string[] | undefined, o: CommonFlags & { task?: string; container?: string; dryRun?: boolean }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'exec', o), (await import('./commands/exec')).exec(ctx, { ...o, command: command ?? [] }))),
    );

  root
    .command('logs')
    .description('print the CloudWatch log events of the service\'s tasks (streams <service>/<container>/<task-id>), or of one task; --follow keeps printing new ones')
    .addOption(env())
    .addOption(service())
    .addOption(taskOption())
    .option('--container <name>', 'container whose streams are read (default: the service\'s container)')
    .option('--since <duration>', 'how far back to start (e.g. 30s, 10m, 2h; at most 14 days)', '10m')
    .option('--follow', 'keep printing new events until Ctrl-C')
    .addOption(new Option('--poll-interval <duration>', 'how often --follow reads new events').default('2s'))
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release logs --env dev --service web --since 1h --follow'))
    .action((o: CommonFlags & { task?: string; container?: string; since: string; follow?: boolean; pollInterval: string }) =>
      invoke(!!o.json, async () => {
        const sinceMs = parseDuration(o.since);
        if (sinceMs === undefined || sinceMs < 1000 || sinceMs > 14 * 24 * 3_600_000) throw usageError('--since', o.since, 'a duration from 1s to 336h (14 days), such as 30s, 10m or 2h');
        const pollMs = parseDuration(o.pollInterval);
        if (pollMs === undefined || pollMs < 1000 || pollMs > MAX_POLL_MS) throw usageError('--poll-interval', o.pollInterval, 'a duration from 1s to 5m, such as 2s');
        (await import('./preflight')).preflight(ctx, 'logs', o);
        return (await import('./commands/logs')).logs(ctx, { ...o, sinceMs, pollMs });
      }),
    );

  // `tasks stop <id> --env dev`: options after a subcommand belong to it (the root has no options of its own).
  root.enablePositionalOptions();
  const tasks = root
    .command('tasks')
    .description('list the service\'s running tasks: revision, image digest, health, availability zone')
    // Checked in the action: commander demands an ancestor's mandatory option of its subcommands too (tasks stop).
    .addOption(new Option('--env <name>', 'environment (a file in environments/)'))
    .addOption(service())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release tasks --env dev --service web'))
    // `tasks stop … --env dev`: options after `stop` are stop's own, not the list's.
    .enablePositionalOptions()
    .action((o: CommonFlags) =>
      invoke(!!o.json, async () => {
        if (o.env === undefined) throw usageError('--env', undefined, 'an environment name (a file in environments/), such as --env dev');
        (await import('./preflight')).preflight(ctx, 'tasks', o);
        return (await import('./commands/tasks')).listTasks(ctx, o);
      }),
    );
  tasks
    .command('stop')
    .description('stop one of the service\'s tasks (ECS starts a replacement); a task of another service is refused')
    .argument('<task-id>', 'the task id (from ecs-release tasks) or its ARN')
    .addOption(env())
    .addOption(service())
    .addOption(new Option('--dry-run', 'check the task and print what would be stopped, without stopping it'))
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release tasks stop --env dev --service web 0123456789abcdef0123456789abcdef'))
    .action((taskId: string, o: CommonFlags & { dryRun?: boolean }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'tasks stop', o), (await import('./commands/tasks')).stopTask(ctx, { ...o, taskId }))),
    );

  root
    .command('scale')
    .description('set the service\'s desired count, within the auto-scaling bounds (with scaling attached Terraform ignores the count; without it, the next apply sets it back)')
    .argument('<count>', 'the number of tasks')
    .addOption(env())
    .addOption(service())
    .addOption(new Option('--dry-run', 'check the bounds and print the change, without updating the service'))
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release scale 3 --env dev --service web'))
    .action((count: string, o: CommonFlags & { dryRun?: boolean }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'scale', o), (await import('./commands/scale')).scale(ctx, { ...o, count }))),
    );

  root
    .command('restart')
    .description('replace every task with a new deployment of the running revision, pinned by digest (never a tag resolved again, the `latest` anti-pattern); waits like deploy')
    .addOption(env())
    .addOption(service())
    .addOption(new Option('--dry-run', 'print the deployment it would start, without starting it'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release restart --env dev --service web'))
    .action((o: ShippingFlags) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'restart', o), (await import('./commands/restart')).restart(ctx, { ...o, ...waitFlags(o) }))));

  root
    .command('wait')
    .description('follow the deployment in flight (e.g. one started with --no-wait) to its end, with deploy\'s exit codes')
    .addOption(env())
    .addOption(service())
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', operateHelp('ecs-release deploy --env dev --service web --image <ref> --no-wait && ecs-release wait --env dev --service web'))
    .action((o: Omit<ShippingFlags, 'dryRun' | 'wait'>) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'wait', o), (await import('./commands/wait')).waitCommand(ctx, { ...o, ...waitFlags(o) }))),
    );
}
