import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../paths';
import { scratchDir } from '../synth';

/**
 * Seconds from `npm run sandbox` (the compiled start, in its own process as a user runs it after the build) to a
 * usable sandbox: moto started, every environment applied, images pushed, environment printed. Measured in a scratch
 * sandbox folder (ECS_COEXIST_SANDBOX_DIR), so a developer's running sandbox is neither reused nor stopped; the
 * sandbox is stopped and its folder removed afterwards. dist/ must be built (`npm run bench` builds first).
 */
export async function measureSandboxStart(): Promise<{ seconds: number }> {
  const scratch = scratchDir('bench-sandbox');
  const env = { ...process.env, ECS_COEXIST_SANDBOX_DIR: join(scratch.dir, 'sandbox') };
  const script = join(repoRoot(), 'dist', 'scripts', 'sandbox.js');
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [script, ...args], { env, cwd: repoRoot(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    });
  try {
    const started = process.hrtime.bigint();
    const r = await run([]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.code !== 0) throw new Error(`npm run sandbox exited ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    return { seconds: Math.round(seconds * 10) / 10 };
  } finally {
    await run(['stop']);
    scratch.remove();
  }
}
