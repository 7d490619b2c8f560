import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Phase {
  readonly commands?: string[];
  readonly finally?: string[];
}
export interface Buildspec {
  readonly version: number | string;
  readonly env?: { readonly shell?: string; readonly variables?: Record<string, string>; readonly 'exported-variables'?: string[] };
  readonly phases: Partial<Record<'install' | 'pre_build' | 'build' | 'post_build', Phase>>;
}

export function readBuildspec(file: string): Buildspec {
  return parse(readFileSync(file, 'utf8')) as Buildspec;
}

export interface BuildspecRun {
  /** 0 when every phase succeeded, else the exit code of the first failed command. */
  readonly code: number;
  readonly failedPhase?: string;
  readonly output: string;
  /** `env.exported-variables` as they were when the build ended. */
  readonly exported: Record<string, string>;
}

const ORDER = ['install', 'pre_build', 'build', 'post_build'] as const;

/**
 * Runs a buildspec 0.2's commands the way CodeBuild does, in bash, in `cwd`: one shell state through a phase's
 * commands (variables and `set` options carry over; exported variables also carry into later phases), a phase stops at its first failing command and then runs its
 * `finally`, a failed install or pre_build skips the rest, a failed build still runs post_build (with
 * CODEBUILD_BUILD_SUCCEEDING=0). Project variables (`env`) override the buildspec's `env.variables`. What CodeBuild
 * itself provides is not emulated: `runtime-versions` is not installed (the test's PATH provides node).
 */
export async function runBuildspec(spec: Buildspec, cwd: string, env: Record<string, string>): Promise<BuildspecRun> {
  const work = mkdtempSync(join(tmpdir(), 'buildspec-'));
  try {
    const state = join(work, 'state.sh');
    const exportedFile = join(work, 'exported');
    const exportedNames = spec.env?.['exported-variables'] ?? [];
    let output = '';
    let code = 0;
    let failedPhase: string | undefined;
    const baseEnv = { ...Object.fromEntries(Object.entries(spec.env?.variables ?? {}).map(([k, v]) => [k, String(v)])), ...env, CODEBUILD_SRC_DIR: cwd };
    for (const name of ORDER) {
      const phase = spec.phases[name];
      if (!phase) continue;
      if (failedPhase && name !== 'post_build') break;
      const files = (list: string[] | undefined, kind: string) =>
        (list ?? []).map((command, i) => {
          const f = join(work, `${name}-${kind}-${i}.sh`);
          writeFileSync(f, command);
          return f;
        });
      const script = [
        `trap '{ export -p > ${JSON.stringify(state)}; for __v in ${exportedNames.join(' ')}; do printf "%s=%s\\n" "$__v" "\${!__v:-}"; done > ${JSON.stringify(exportedFile)}; } 2>/dev/null' EXIT`,
        `[ -f ${JSON.stringify(state)} ] && . ${JSON.stringify(state)}`,
        `export CODEBUILD_BUILD_SUCCEEDING=${failedPhase ? 0 : 1}`,
        '__rc=0',
        ...files(phase.commands, 'commands').map((f) => `if [ $__rc -eq 0 ]; then . ${JSON.stringify(f)}; __rc=$?; fi`),
        ...files(phase.finally, 'finally').map((f) => `. ${JSON.stringify(f)} || { [ $__rc -eq 0 ] && __rc=$?; }`),
        'exit $__rc',
      ].join('\n');
      const rc = await new Promise<number>((resolve) => {
        const child = spawn('bash', ['-c', script], { cwd, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (c) => resolve(c ?? 1));
      });
      output += `[phase ${name}: exit ${rc}]\n`;
      if (rc !== 0 && !failedPhase) {
        failedPhase = name;
        code = rc;
      }
    }
    const exported = existsSync(exportedFile)
      ? Object.fromEntries(readFileSync(exportedFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      : {};
    return { code, failedPhase, output, exported };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
