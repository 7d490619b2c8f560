#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { createContext, parseDuration, type CommandResult, type Context, type ContextOverrides, type WaitFlags } from './context';
import { EXIT, ReleaseError, usageError, visible } from './errors';
import { describeAwsError } from './aws-errors';
import { registerOperateCommands } from './cli-operate';
import { MAX_POLL_MS, MAX_TIMEOUT_MS, refuseRepeatedOptions, type CommonFlags, type ShippingFlags } from './flags';

const EXIT_CODES_HELP = `
Exit codes:
  0    done (deployment completed, dry run printed, status read)
  1    deployment failed: rolled back by the circuit breaker, FAILED, or replaced; or an AWS error;
       verify: a check failed; diff --exit-code: a setting differs; revisions prune: a deregistration failed
  2    bad input: unknown option, malformed image, unknown tag, \`latest\`, unknown container or revision
  3    refused: wrong account or no credentials, deployment in progress, service or descriptor missing or stale
  4    timed out waiting (the deployment or task goes on in ECS)
  5    blue/green: the deployment holds before the traffic shift (test it, then approve or roll back)
  130  interrupted (SIGINT): the read in flight is aborted, waiting stops (a started deployment or task goes on in ECS)
  run: the one-off container's own exit code once the task ran (--json tells them apart)
  --group / --all: 0 when every service succeeded, else the most severe service's code (1, 130, 4, 3, 2, then 5)

Environment:
  ECS_RELEASE_REQUEST_TIMEOUT  per-attempt AWS request timeout, 100ms..300s (default 30s; 3 attempts per call)
`;


function waitFlags(flags: { timeout: string; pollInterval: string; wait?: boolean }): WaitFlags {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs < 1000 || timeoutMs > MAX_TIMEOUT_MS) throw usageError('--timeout', flags.timeout, 'a duration from 1s to 24h, such as 90s, 15m or 1h');
  const pollMs = parseDuration(flags.pollInterval);
  if (pollMs === undefined || pollMs < 1000 || pollMs > MAX_POLL_MS) throw usageError('--poll-interval', flags.pollInterval, 'a duration from 1s to 5m, such as 5s');
  if (pollMs > timeoutMs) throw usageError('--poll-interval', flags.pollInterval, `at most --timeout (${flags.timeout})`);
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
  const service = () => new Option('--service <name>', 'the service (a key of services in environments/<env>.ts); optional when the environment has one');
  const group = () => new Option('--group <name>', 'a release group: one image to every service of it (services.<name>.releaseGroup); instead of --service');
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
    .addOption(service())
    .addOption(group())
    .requiredOption('--image <ref>', 'image in the environment\'s ECR repository, or in the service\'s imageSource registry: <repository-uri>:<tag> or <repository-uri>@sha256:<digest>')
    .option('--commit <id>', 'source commit, tagged on the revision')
    .option('--allow-mutable-tag', 'accept a moving tag such as latest (the revision still pins its digest)')
    .option('--registry-credentials <source>', 'a service pulling from a private registry: resolve with its pull secret ("secret", the default when it has one) or the local Docker credential store ("docker", the default without one)')
    .addOption(dryRun('the revision it would register against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release deploy --env dev --service web --image 111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp:3f2a9c1 --commit 3f2a9c1\n  ecs-release deploy --env dev --group app --image 111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp:3f2a9c1\n' + EXIT_CODES_HELP)
    .action((o: ShippingFlags & { image: string; group?: string; commit?: string; allowMutableTag?: boolean; registryCredentials?: string }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'deploy', o), (await import('./commands/deploy')).deploy(ctx, { ...o, ...waitFlags(o) }))),
    );

  root
    .command('rollout')
    .description('after an apply: ship the Terraform-tracked settings with the image the service runs now (writes nothing when already in sync)')
    .addOption(env())
    .addOption(service())
    .addOption(group())
    .addOption(new Option('--all', 'every service of the environment (the apply workflow); each one writes nothing when already in sync'))
    .addOption(dryRun('the revision it would register against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: ShippingFlags & { group?: string; all?: boolean }) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'rollout', o), (await import('./commands/rollout')).rollout(ctx, { ...o, ...waitFlags(o) }))));

  root
    .command('rollback')
    .description('ship an earlier revision as it is: the newest one whose rollout completed, or the one named by --to')
    .addOption(env())
    .addOption(service())
    .addOption(group())
    .option('--to <revision>', 'revision number, family:revision or task-definition ARN')
    .option('--allow-bootstrap', 'accept a revision that runs the bootstrap image (a placeholder, not the application)')
    .addOption(dryRun('the revision it would ship against the running one'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: ShippingFlags & { group?: string; to?: string; allowBootstrap?: boolean }) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'rollback', o), (await import('./commands/rollback')).rollback(ctx, { ...o, ...waitFlags(o) }))));

  root
    .command('status')
    .description('running revision and image digest, deployments in flight, and whether the running revision still carries the IaC settings')
    .addOption(env())
    .addOption(service())
    .addOption(group())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: CommonFlags & { group?: string }) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'status', o), (await import('./commands/status')).status(ctx, o))));

  root
    .command('approve')
    .description('blue/green: let a deployment that holds before the traffic shift continue, and wait until production traffic is on the new tasks')
    .addOption(env())
    .addOption(service())
    .addOption(timeout('60m'))
    .addOption(poll())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: Omit<ShippingFlags, 'dryRun'>) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'approve', o), (await import('./commands/approve')).approve(ctx, { ...o, ...waitFlags(o) }))));

  root
    .command('promote')
    .description('deploy to --to exactly the image digest that runs in --from (dev -> prod)')
    .option('--from <name>', 'environment whose running digest is promoted (default: the one before --to in the promotion chain)')
    .option('--from-status <file>', 'the source\'s `ecs-release status --json` document (from a pipeline job holding the source\'s credentials) instead of reading the source account')
    .requiredOption('--to <name>', 'environment that receives it')
    .addOption(service())
    .addOption(group())
    .option('--from-role-arn <arn>', 'role to assume in the --from account')
    .option('--to-role-arn <arn>', 'role to assume in the --to account')
    .option('--registry-credentials <source>', 'a service pulling from a private registry: resolve with its pull secret ("secret", the default when it has one) or the local Docker credential store ("docker", the default without one)')
    .addOption(dryRun('the revision it would register in --to'))
    .addOption(timeout('30m'))
    .addOption(poll())
    .addOption(noWait())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release promote --from dev --to prod --group app --from-role-arn arn:aws:iam::111111111111:role/webapp-dev-ci-deploy \\\n    --to-role-arn arn:aws:iam::222222222222:role/webapp-prod-ci-deploy\n' + EXIT_CODES_HELP)
    .action((o: Omit<ShippingFlags, 'env' | 'roleArn'> & { from?: string; to: string; group?: string; fromStatus?: string; fromRoleArn?: string; toRoleArn?: string; registryCredentials?: string }) =>
      invoke(!!o.json, async () => {
        const flags = { ...o, from: (await import('./chain')).promotionSource(ctx, o.to, o.from) };
        (await import('./preflight')).preflight(ctx, 'promote', flags);
        return (await import('./commands/promote')).promote(ctx, { ...flags, ...waitFlags(o) });
      }),
    );

  root
    .command('run')
    .description('run a one-off task (e.g. a migration) from the service\'s current revision in its subnets and security groups; exit with the container\'s exit code')
    .addOption(env())
    .addOption(service())
    // Optional for commander so that a missing command gets the same one-line `received/allowed` error as every
    // other bad input (run() refuses an empty command before any AWS call).
    .argument('[command...]', 'the command, after --')
    .option('--container <name>', 'container whose command is overridden (default: the service\'s container)')
    .option('--detach', 'return the task id once the task started, without waiting (follow it with ecs-release logs --task)')
    .option('--no-logs', 'do not stream the task\'s log events while waiting')
    .addOption(timeout('60m'))
    .addOption(poll())
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release run --env dev --service web -- ./manage.py migrate --noinput\n  ecs-release run --env dev --service web --detach -- ./manage.py rebuild_index\n' + EXIT_CODES_HELP)
    .action((command: string[] | undefined, o: Omit<ShippingFlags, 'dryRun'> & { container?: string; detach?: boolean; logs?: boolean }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'run', { ...o, command: command ?? [] }), (await import('./commands/run')).run(ctx, { ...o, command: command ?? [], ...waitFlags(o) }))),
    );

  // Issue 15, inspect and adopt: revisions (list, prune), diff, verify, init.
  const revisionsCmd = root
    .command('revisions')
    .description('the family\'s revisions: list them (default) or prune old ones')
    .addHelpText('after', '\nExamples:\n  ecs-release revisions --env dev --service web\n  ecs-release revisions prune --env dev --service web --keep 10 --dry-run\n' + EXIT_CODES_HELP);
  revisionsCmd
    // The default subcommand: `ecs-release revisions --env dev --service web` lists.
    .command('list', { isDefault: true })
    .description('list the family\'s revisions: who registered each (terraform or ecs-release), image digest, when deployed, what uses it')
    .addOption(env())
    .addOption(service())
    .option('--limit <n>', 'how many of the newest revisions to show (1-500)', '25')
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: CommonFlags & { limit: string }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'revisions', o), (await import('./commands/revisions')).revisions(ctx, o))),
    );
  revisionsCmd
    .command('prune')
    .description('deregister ecs-release\'s old revisions: never one in use (service, deployment, task, Terraform\'s) nor one of the --keep most recently deployed (rollback candidates)')
    .addOption(env())
    .addOption(service())
    .requiredOption('--keep <n>', 'rollback candidates kept: the N most recently deployed revisions (1-100)')
    .addOption(new Option('--dry-run', 'list what would be deregistered and why the rest stays; write nothing'))
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: CommonFlags & { keep: string; dryRun?: boolean }) =>
      invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'revisions prune', o), (await import('./commands/revisions')).prune(ctx, o))),
    );

  root
    .command('diff')
    .description('what the running revision differs from Terraform\'s revision (the applied configuration), field by field; the image is listed apart')
    .addOption(env())
    .addOption(service())
    .option('--exit-code', 'exit 1 when a setting differs (the image excepted), like git diff --exit-code')
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((o: CommonFlags & { exitCode?: boolean }) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'diff', o), (await import('./commands/diff')).diff(ctx, o))));

  root
    .command('verify')
    .description('before a deploy: the image exists, the roles exist and trust ECS tasks, the secrets exist and the execution role may read them, the log group exists; one line per check')
    .addOption(env())
    .addOption(service())
    .option('--image <ref>', 'the image to check (default: the one the service runs)')
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release verify --env dev --service web --image 111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp:3f2a9c1\n' + EXIT_CODES_HELP)
    .action((o: CommonFlags & { image?: string }) => invoke(!!o.json, async () => ((await import('./preflight')).preflight(ctx, 'verify', o), (await import('./commands/verify')).verify(ctx, o))));

  root
    .command('init')
    .description('adopt a running ECS service: print an environment file (environments/<name>.ts) and the Terraform import blocks for the resources the stack would manage; reads only')
    .requiredOption('--cluster <name>', 'the ECS cluster of the service')
    .requiredOption('--service <name>', 'the ECS service to adopt')
    .requiredOption('--region <region>', 'its AWS region, such as eu-west-1')
    .addOption(roleArn())
    .addOption(json())
    .addHelpText('after', '\nExample:\n  ecs-release init --cluster legacy-prod --service api --region eu-west-1 > adopt.txt\n' + EXIT_CODES_HELP)
    .action((o: { cluster: string; service: string; region: string; roleArn?: string; json?: boolean }) => invoke(!!o.json, async () => (await import('./commands/init')).init(ctx, o)));

  // ---- operate: exec, logs, tasks, scale, restart, wait (issue 15; src/release/cli-operate.ts) ----
  registerOperateCommands(root, { ctx, invoke, env, service, roleArn, json, timeout, poll, noWait, waitFlags, exitCodesHelp: EXIT_CODES_HELP });
  // ---- end operate ----

  return root;
}

/**
 * Runs one `ecs-release` invocation and returns its exit code (never calls process.exit, so tests run it in-process
 * with injected clients). Errors end as one line on stderr: `ecs-release: <what>: received <value>; allowed: <what>`.
 */
export async function runCli(argv: string[], overrides: ContextOverrides = {}): Promise<number> {
  const ctx = createContext(overrides);
  try {
    refuseRepeatedOptions(argv);
  } catch (e) {
    ctx.stderr.write(`ecs-release: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
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
    const interrupted = !known && ctx.signal.aborted;
    const exitCode = known ? (e as ReleaseError).exitCode : interrupted ? EXIT.INTERRUPTED : EXIT.FAILED;
    const lastCall = ctx.counter.calls[ctx.counter.calls.length - 1];
    const message = known
      ? (e as Error).message
      : interrupted
        ? `interrupted (SIGINT): the read in flight${lastCall ? ` (${lastCall.service}:${lastCall.operation})` : ''} was aborted and nothing further was sent; anything already started goes on in AWS (see ecs-release status)`
        : describeAwsError(e, lastCall);
    ctx.stderr.write(`ecs-release: ${visible(message)}\n`);
    if (pending.json) {
      const outcome = exitCode === EXIT.USAGE ? 'usage' : exitCode === EXIT.REFUSED ? 'refused' : exitCode === EXIT.INTERRUPTED ? 'interrupted' : 'error';
      ctx.stdout.write(`${JSON.stringify({ outcome, exitCode, message, metrics: metrics() }, null, 2)}\n`);
    }
    return exitCode;
  }
}

/**
 * Node versions ecs-release supports: 20 and 22 or later (package.json engines). The AWS SDK prints an 8-line
 * NodeVersionSupportWarning on Node 20 (its releases after January 2027 require Node 22); on a version this project
 * supports and tests, that warning is noise on every run, so the CLI turns it off unless the user set the variable.
 * Moving the SDK past January 2027 means raising engines to >=22 (docs/release-cli.md, "Node.js versions").
 */
export const SUPPORTED_NODE_MAJORS = [20, 22, 24] as const;

function quietSupportedNodeWarning(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 20 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
}

/**
 * The `ecs-release` binary: SIGINT stops the wait (the deployment goes on in ECS); a second SIGINT quits at once.
 * `overrides` exist for the process-level tests (a child process with mocked clients).
 */
export function main(argv: string[] = process.argv.slice(2), overrides: ContextOverrides = {}): void {
  quietSupportedNodeWarning();
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    process.stderr.write('ecs-release: interrupt received: aborting the call in flight, no more waiting (press Ctrl-C again to quit at once)\n');
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
