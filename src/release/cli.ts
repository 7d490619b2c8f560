#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { createContext, parseDuration, type CommandResult, type Context, type ContextOverrides, type WaitFlags } from './context';
import { EXIT, ReleaseError, usageError } from './errors';

const EXIT_CODES_HELP = `
Exit codes:
  0    done (deployment completed, dry run printed, status read)
  1    deployment failed: rolled back by the circuit breaker, FAILED, or replaced; or an AWS error
  2    bad input: unknown option, malformed image, unknown tag, \`latest\`, unknown container or revision
  3    refused: wrong account or no credentials, deployment in progress, service or descriptor missing or stale
  4    timed out waiting (the deployment or task goes on in ECS)
  5    blue/green: the deployment holds before the traffic shift (test it, then approve or roll back)
  130  interrupted (SIGINT) while waiting (the deployment or task goes on in ECS)
  run: the one-off container's own exit code once the task ran (--json tells them apart)
`;

interface CommonFlags {
  env: string;
  roleArn?: string;
  json?: boolean;
}

interface ShippingFlags extends CommonFlags {
  timeout: string;
  pollInterval: string;
  dryRun?: boolean;
  /** false with --no-wait */
  wait?: boolean;
}

function waitFlags(flags: { timeout: string; pollInterval: string; wait?: boolean }): WaitFlags {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs < 1000) throw usageError('--timeout', flags.timeout, 'a duration of at least 1s, such as 90s, 15m or 1h');
  const pollMs = parseDuration(flags.pollInterval);
  if (pollMs === undefined || pollMs < 1000) throw usageError('--poll-interval', flags.pollInterval, 'a duration of at least 1s, such as 5s');
  return { timeoutMs, pollMs, noWait: flags.wait === false };
}

/** Builds the commander program; `invoke` runs the chosen command once parsing succeeded. */
function program(ctx: Context, invoke: (json: boolean, fn: () => Promise<CommandResult>) => void): Command {
  const root = new Command('ecs-release')
    .description('Ship container images to the ECS services of this repository by registering task-definition revisions.\nTerraform owns the infrastructure; ecs-release owns which image runs.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s), outputError: () => undefined })
    .showHelpAfterError(false)
    .addHelpText('after', EXIT_CODES_HELP);

  const env = () => new Option('--env <name>', 'environment (a file in environments/)').makeOptionMandatory();
  const roleArn = () => new Option('--role-arn <arn>', 'assume this role before acting (default: the ambient credentials)');
  const json = () => new Option('--json', 'print one JSON document on stdout (human output goes to stderr)');
  const timeout = (d: string) => new Option('--timeout <duration>', 'how long to wait (e.g. 90s, 15m, 1h)').default(d);
  const poll = () => new Option('--poll-interval <duration>', 'first polling interval; grows by half per poll up to 30s').default('5s');
  const dryRun = (what: string) => new Option('--dry-run', `print the field-level diff of ${what} and write nothing`);
  const noWait = () => new Option('--no-wait', 'start the deployment and return (outcome "started"); follow it with ecs-release status');

  root
    .command('deploy')
    .description('register a revision of the Terraform-tracked task definition with a new image (by digest), update the service and wait for that deployment')
    .addOption(env())
    .requiredOption('--image <ref>', 'image in the environment\'s ECR repository: <repository-uri>:<tag> or <repository-uri>@sha256:<digest>')
    .option('--container <name>', 'container whose image changes (default: the service\'s container)')
    .option('--commit <id>', 'source commit, tagged on the revision')
    .option('--allow-mutable-tag', 'accept a moving tag such as latest (the revision still pins its digest)')
    .addOption(dryRun('the revision it would register against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release deploy --env dev --image 111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp:3f2a9c1 --commit 3f2a9c1\n' + EXIT_CODES_HELP)
    .action((o: ShippingFlags & { image: string; container?: string; commit?: string; allowMutableTag?: boolean }) =>
      invoke(!!o.json, async () => (await import('./commands/deploy')).deploy(ctx, { ...o, ...waitFlags(o) })),
    );

  root
    .command('rollout')
    .description('after an apply: ship the Terraform-tracked settings with the image the service runs now (writes nothing when already in sync)')
    .addOption(env())
    .option('--container <name>', 'container whose running image is kept (default: the service\'s container)')
    .addOption(dryRun('the revision it would register against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: ShippingFlags & { container?: string }) => invoke(!!o.json, async () => (await import('./commands/rollout')).rollout(ctx, { ...o, ...waitFlags(o) })));

  root
    .command('rollback')
    .description('ship an earlier revision as it is: the newest one whose rollout completed, or the one named by --to')
    .addOption(env())
    .option('--to <revision>', 'revision number, family:revision or task-definition ARN')
    .addOption(dryRun('the revision it would ship against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: ShippingFlags & { to?: string }) => invoke(!!o.json, async () => (await import('./commands/rollback')).rollback(ctx, { ...o, ...waitFlags(o) })));

  root
    .command('status')
    .description('running revision and image digest, deployments in flight, and whether the running revision still carries the IaC settings')
    .addOption(env())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: CommonFlags) => invoke(!!o.json, async () => (await import('./commands/status')).status(ctx, o)));

  root
    .command('approve')
    .description('blue/green: let a deployment that holds before the traffic shift continue, and wait until production traffic is on the new tasks')
    .addOption(env())
    .addOption(timeout('60m'))
    .addOption(poll())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: Omit<ShippingFlags, 'dryRun'>) => invoke(!!o.json, async () => (await import('./commands/approve')).approve(ctx, { ...o, ...waitFlags(o) })));

  root
    .command('promote')
    .description('deploy to --to exactly the image digest that runs in --from (dev -> prod)')
    .requiredOption('--from <name>', 'environment whose running digest is promoted')
    .option('--from-status <file>', 'the source\'s `ecs-release status --json` document (from a pipeline job holding the source\'s credentials) instead of reading the source account')
    .requiredOption('--to <name>', 'environment that receives it')
    .option('--from-role-arn <arn>', 'role to assume in the --from account')
    .option('--to-role-arn <arn>', 'role to assume in the --to account')
    .addOption(dryRun('the revision it would register in --to'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release promote --from dev --to prod --from-role-arn arn:aws:iam::111111111111:role/webapp-dev-ci-deploy \\\n    --to-role-arn arn:aws:iam::222222222222:role/webapp-prod-ci-deploy\n' + EXIT_CODES_HELP)
    .action((o: Omit<ShippingFlags, 'env' | 'roleArn'> & { from: string; to: string; fromStatus?: string; fromRoleArn?: string; toRoleArn?: string }) =>
      invoke(!!o.json, async () => (await import('./commands/promote')).promote(ctx, { ...o, ...waitFlags(o) })),
    );

  root
    .command('run')
    .description('run a one-off task (e.g. a migration) from the service\'s current revision in its subnets and security groups; exit with the container\'s exit code')
    .addOption(env())
    // Optional for commander so that a missing command gets the same one-line `received/allowed` error as every
    // other bad input (run() refuses an empty command before any AWS call).
    .argument('[command...]', 'the command, after --')
    .option('--container <name>', 'container whose command is overridden (default: the service\'s container)')
    .addOption(timeout('60m'))
    .addOption(poll())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release run --env dev -- ./manage.py migrate --noinput\n' + EXIT_CODES_HELP)
    .action((command: string[] | undefined, o: Omit<ShippingFlags, 'dryRun'> & { container?: string }) =>
      invoke(!!o.json, async () => (await import('./commands/run')).run(ctx, { ...o, command: command ?? [], ...waitFlags(o) })),
    );

  return root;
}

/**
 * Runs one `ecs-release` invocation and returns its exit code (never calls process.exit, so tests run it in-process
 * with injected clients). Errors end as one line on stderr: `ecs-release: <what>: received <value>; allowed: <what>`.
 */
export async function runCli(argv: string[], overrides: ContextOverrides = {}): Promise<number> {
  const ctx = createContext(overrides);
  let pending: { json: boolean; fn: () => Promise<CommandResult> } | undefined;
  const cli = program(ctx, (json, fn) => {
    pending = { json, fn };
  });
  try {
    await cli.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.OK;
      // Help shown because no command was given.
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      ctx.stderr.write(`ecs-release: ${e.message.replace(/^error: /, '').split('\n')[0]} (see ecs-release --help)\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
  if (!pending) {
    ctx.stderr.write('ecs-release: a command is required: deploy, rollout, rollback, status, approve, promote or run (see ecs-release --help)\n');
    return EXIT.USAGE;
  }
  const metrics = () => {
    const cpu = process.cpuUsage();
    return { apiCalls: ctx.counter.summary(), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  };
  try {
    const result = await pending.fn();
    if (pending.json) ctx.stdout.write(`${JSON.stringify({ ...result.document, metrics: metrics() }, null, 2)}\n`);
    return result.exitCode;
  } catch (e) {
    const known = e instanceof ReleaseError;
    const exitCode = known ? (e as ReleaseError).exitCode : EXIT.FAILED;
    const err = e as Error & { $metadata?: unknown };
    const message = known ? err.message : `${err.$metadata ? 'AWS error: ' : ''}${err.name}: ${String(err.message).split('\n')[0]}`;
    ctx.stderr.write(`ecs-release: ${message}\n`);
    if (pending.json) {
      const outcome = exitCode === EXIT.USAGE ? 'usage' : exitCode === EXIT.REFUSED ? 'refused' : exitCode === EXIT.INTERRUPTED ? 'interrupted' : 'error';
      ctx.stdout.write(`${JSON.stringify({ outcome, exitCode, message, metrics: metrics() }, null, 2)}\n`);
    }
    return exitCode;
  }
}

/**
 * The `ecs-release` binary: SIGINT stops the wait (the deployment goes on in ECS); a second SIGINT quits at once.
 * `overrides` exist for the process-level tests (a child process with mocked clients).
 */
export function main(argv: string[] = process.argv.slice(2), overrides: ContextOverrides = {}): void {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    process.stderr.write('ecs-release: interrupt received: no more waiting (press Ctrl-C again to quit at once)\n');
    process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
  });
  runCli(argv, { ...overrides, signal: controller.signal }).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (e: unknown) => {
      process.stderr.write(`ecs-release: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(EXIT.FAILED);
    },
  );
}

if (require.main === module) main();
