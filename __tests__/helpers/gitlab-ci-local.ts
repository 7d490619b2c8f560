import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNode22 } from '../../scripts/lib/node-runtime';
import { repoRoot } from '../../scripts/lib/paths';

/** Pinned: reruns run the same gitlab-ci-local. It declares Node >= 22 (the project's Node 22, scripts/lib/node-runtime.ts). */
export const GITLAB_CI_LOCAL_VERSION = '4.75.1';

export interface GitlabCiLocal {
  readonly node: string;
  readonly script: string;
}

/**
 * gitlab-ci-local from the npm registry into `.work/gitlab-ci-local/` (installed once, like `.work/node22`), run by
 * the project's Node 22. Shell-executor jobs copy the project with rsync and need a git remote named `origin`.
 */
export function ensureGitlabCiLocal(): GitlabCiLocal {
  const { node } = ensureNode22();
  if (spawnSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).status !== 0) {
    throw new Error('rsync not found on PATH (gitlab-ci-local copies the project with it): install it with `apt-get install -y rsync`');
  }
  const prefix = join(repoRoot(), '.work', 'gitlab-ci-local');
  const script = join(prefix, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
  if (!existsSync(script)) {
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `gitlab-ci-local@${GITLAB_CI_LOCAL_VERSION}`], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(script)) {
      throw new Error(`installing gitlab-ci-local@${GITLAB_CI_LOCAL_VERSION} with npm failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-2).join(' | ')}`);
    }
  }
  return { node, script };
}

/** Runs gitlab-ci-local in `cwd` (asynchronously: jobs may call servers living in this process). */
export function runGitlabCiLocal(gcl: GitlabCiLocal, cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(gcl.node, [gcl.script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
