import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/** Python tools the test tiers need, each in its own virtualenv (their pins conflict), pinned in tools/. */
export type PythonTool = 'moto' | 'checkov';

const EXECUTABLE: Record<PythonTool, string> = { moto: 'moto_server', checkov: 'checkov' };

/**
 * Path of the tool's executable, installing its pinned requirements into `.venv/<tool>` first when they changed.
 * Safe to call from parallel test workers (a lock directory serialises the install). Throws one line naming what is
 * missing when Python or the registry is unavailable: the tier then fails loudly instead of being skipped.
 */
export function pythonTool(tool: PythonTool): string {
  const root = repoRoot();
  const requirements = join(root, 'tools', `requirements-${tool}.txt`);
  const venv = join(root, '.venv', tool);
  const bin = join(venv, 'bin', EXECUTABLE[tool]);
  const stamp = join(venv, '.requirements.sha256');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const ready = () => existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;
  if (ready()) return bin;

  const lock = `${venv}.lock`;
  mkdirSync(join(root, '.venv'), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return bin;
      if (Date.now() > deadline) throw new Error(`${tool}: timed out waiting for ${lock} (remove it if no install is running)`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    if (ready()) return bin;
    const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
    if (!python) throw new Error(`${tool}: python3 not found on PATH: install Python >= 3.9 with venv and pip`);
    rmSync(venv, { recursive: true, force: true });
    run(python, ['-m', 'venv', venv], `${tool}: could not create a virtualenv (install the python3-venv package)`);
    run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements], `${tool}: pip install -r ${requirements} failed (is PyPI reachable?)`);
    if (!existsSync(bin)) throw new Error(`${tool}: ${bin} missing after install`);
    writeFileSync(stamp, wanted);
    return bin;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], failure: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${failure}: ${tail || r.error?.message}`);
  }
}
