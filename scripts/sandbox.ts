import { isAlive, readState, sandboxDir, stopSandbox } from './lib/sandbox/server';
import { renderSandbox, renderStatus } from './lib/sandbox/print';
import { startSandbox } from './lib/sandbox/start';

/**
 * `npm run sandbox [-- start|status|stop]`: a local AWS emulator with the dev and prod stacks applied and images pushed
 * (docs/sandbox.md). stdout is a shell snippet to export; progress and errors go to stderr, errors as one line.
 * Exit codes: 0 done (status: running), 1 failure, 2 usage, 3 status: not running.
 */
const USAGE = 'usage: npm run sandbox [-- start|status|stop]';

async function main(args: string[]): Promise<number> {
  // The SDK's Node-version notice is not the sandbox's to print (the release CLI silences it the same way).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = sandboxDir();
  const [command = 'start', ...rest] = args;
  if (rest.length > 0 || !['start', 'status', 'stop', 'help', '--help', '-h'].includes(command)) {
    process.stderr.write(`sandbox: command: received ${JSON.stringify(args.join(' '))}; allowed: start, status or stop (${USAGE})\n`);
    return 2;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n  start   start the sandbox, or print the environment of the running one (default)\n  status  say whether one runs\n  stop    end it and remove its state\n`);
    return 0;
  }
  if (command === 'status') {
    const state = readState(dir);
    const alive = state ? await isAlive(state) : false;
    process.stdout.write(`${renderStatus(state, alive, dir)}\n`);
    return state && alive ? 0 : 3;
  }
  if (command === 'stop') {
    const { stopped, pid } = await stopSandbox(dir);
    process.stderr.write(stopped ? `sandbox: stopped moto (pid ${pid}) and removed ${dir}\n` : `sandbox: nothing running; removed ${dir}\n`);
    return 0;
  }
  const started = Date.now();
  const { state, reused } = await startSandbox(dir, (line) => process.stderr.write(`sandbox: ${line}\n`));
  if (!reused) process.stderr.write(`sandbox: ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(renderSandbox(state, dir, reused));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    // One line, no stack trace: a multi-line message (a tool's output tail) is joined into it.
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`sandbox: ${message.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ')}\n`);
    process.exitCode = 1;
  },
);
