import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';
import type { SandboxState } from '../../scripts/lib/sandbox/server';
import { scratchDir } from '../../scripts/lib/synth';
import { requireBuild, requireTerraform } from '../helpers/terraform';

/**
 * `npm run sandbox` as a user runs it: the compiled start in a child process, then the commands it prints, each in a
 * shell that has nothing but the printed snippet (and PATH), then `stop`. The sandbox lives in a scratch folder
 * (ECS_COEXIST_SANDBOX_DIR), never in the developer's .work/sandbox.
 */
describe('npm run sandbox: one command to a usable emulator, the printed environment drives ecs-release, stop removes it', () => {
  const scratch = scratchDir('e2e-sandbox');
  const dir = join(scratch.dir, 'sandbox');
  const script = join(repoRoot(), 'dist', 'scripts', 'sandbox.js');
  const env = { ...process.env, ECS_COEXIST_SANDBOX_DIR: dir };
  let started: { code: number; stdout: string; stderr: string };
  let state: SandboxState | undefined;

  /** The compiled sandbox script, asynchronously (its terraform children run while Jest waits). */
  function sandbox(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [script, ...args], { env, cwd: repoRoot() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** One printed example (`#   ecs-release <verb> ...`), run by /bin/sh after the printed snippet and nothing else. */
  function runPrinted(verb: string, extra = ''): { code: number; stdout: string; stderr: string } {
    const line = started.stdout.split('\n').find((l) => l.startsWith(`#   ecs-release ${verb} `));
    if (!line) throw new Error(`no printed example for ecs-release ${verb} in:\n${started.stdout}`);
    const r = spawnSync('/bin/sh', ['-c', `${started.stdout}\n${line.replace(/^#\s+/, '')} ${extra}`], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    requireTerraform();
    requireBuild();
    started = await sandbox([]);
    state = existsSync(join(dir, 'sandbox.json')) ? (JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as SandboxState) : undefined;
  }, 900_000);

  afterAll(async () => {
    // Whatever a failed assertion left running: stop ends only the pid the sandbox recorded.
    if (existsSync(dir)) await sandbox(['stop']);
    scratch.remove();
  });

  test('start exits 0, prints the environment to export, and records a ready sandbox with images of distinct digests', () => {
    expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, stderr: '' });
    // Progress and nothing else on stderr: every line is the script's own
    expect(started.stderr.trim().split('\n').filter((l) => !l.startsWith('sandbox: '))).toEqual([]);
    expect(started.stdout).toMatch(new RegExp(`^export AWS_ENDPOINT_URL='http://127\\.0\\.0\\.1:${state!.port}'$`, 'm'));
    expect(started.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='testing'$/m);
    expect(started.stdout).toMatch(/^export AWS_REGION='eu-west-1'$/m);
    expect(state).toMatchObject({ ready: true, environments: [{ name: 'dev' }, { name: 'prod' }] });
    const digests = state!.images.map((i) => `${i.env} ${i.digest}`);
    expect(new Set(digests).size).toBe(state!.images.length);
    expect(state!.images.filter((i) => i.env === 'dev').length).toBeGreaterThanOrEqual(3);
  });

  test('the printed status example reports dev running the revision Terraform created', () => {
    const r = runPrinted('status');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^environment dev: account 111111111111, eu-west-1, service webapp-dev\/web$/m);
    expect(r.stdout).toMatch(/^running:\s+webapp-dev-web:1\s/m);
  });

  test('the printed deploy example ships the pushed image by digest, and status then shows that digest running', () => {
    const r = runPrinted('deploy', '--json');
    // (stderr carries the deploy's progress; an error would be a line of its own starting "ecs-release: ")
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => l.startsWith('ecs-release: ')) }).toEqual({ code: 0, errors: [] });
    const image = state!.images.find((i) => i.env === 'dev')!;
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'deploy', exitCode: 0 });
    const after = runPrinted('status', '--json');
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ image: `${image.uri}@${image.digest}`, pointerMatchesRunning: true });
  });

  test('a second start reuses the running sandbox (same emulator, same environment)', async () => {
    const again = await sandbox([]);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toMatch(new RegExp(`already running: moto on http://127\\.0\\.0\\.1:${state!.port} \\(pid ${state!.pid}\\)`));
    expect(again.stdout.split('\n').slice(1)).toEqual(started.stdout.split('\n').slice(1));
  }, 180_000);

  test('stop ends the emulator and removes the state; status then says not running (exit 3)', async () => {
    const stopped = await sandbox(['stop']);
    expect(stopped.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(() => process.kill(state!.pid, 0)).toThrow();
    const status = await sandbox(['status']);
    expect({ code: status.code, stdout: status.stdout.trim() }).toEqual({ code: 3, stdout: expect.stringMatching(/^sandbox: not running/) });
  }, 180_000);
});

describe('npm run sandbox refuses what it does not know', () => {
  test('an unknown command: one line naming it and the allowed ones, exit 2, nothing started', () => {
    // GIVEN an empty sandbox folder / WHEN asked for a command that does not exist
    const scratch = scratchDir('e2e-sandbox-usage');
    const dir = join(scratch.dir, 'sandbox');
    try {
      const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'scripts', 'sandbox.js'), 'restart'], { env: { ...process.env, ECS_COEXIST_SANDBOX_DIR: dir }, encoding: 'utf8' });
      // THEN one line, the documented exit code, and no sandbox folder
      expect({ code: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({
        code: 2,
        stderr: 'sandbox: command: received "restart"; allowed: start, status or stop (usage: npm run sandbox [-- start|status|stop])\n',
        stdout: '',
      });
      expect(existsSync(dir)).toBe(false);
    } finally {
      scratch.remove();
    }
  });
});
