/**
 * `npm run tools:python`: installs the pinned Python tools of the test tiers (moto, checkov) up front, side by side
 * (each is a download and a pip install into its own virtualenv; pythonTool's lock keeps any later caller waiting for
 * the install in flight). `node dist/scripts/install-python-tools.js <tool>` installs one.
 */
import { spawn } from 'node:child_process';
import { pythonTool, type PythonTool } from './lib/python-tools';

const TOOLS: PythonTool[] = ['moto', 'checkov'];

function installOne(tool: PythonTool): void {
  const started = Date.now();
  const bin = pythonTool(tool);
  process.stdout.write(`${tool}: ${bin} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

async function installAll(): Promise<number> {
  const codes = await Promise.all(
    TOOLS.map(
      (tool) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [__filename, tool], { stdio: 'inherit' });
          child.on('error', () => resolve(1));
          child.on('close', (code) => resolve(code ?? 1));
        }),
    ),
  );
  return codes.some((c) => c !== 0) ? 1 : 0;
}

const wanted = process.argv[2];
if (wanted === undefined) {
  void installAll().then((code) => {
    process.exitCode = code;
  });
} else if ((TOOLS as string[]).includes(wanted)) {
  try {
    installOne(wanted as PythonTool);
  } catch (e) {
    process.stderr.write(`tools:python: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  process.stderr.write(`tools:python: tool: received ${JSON.stringify(wanted)}; allowed: ${TOOLS.join(', ')}\n`);
  process.exitCode = 2;
}
