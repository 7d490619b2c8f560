import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Local programs a command hands over to (exec: session-manager-plugin), injected so tests need none installed. */
export interface Programs {
  /** The program's path on PATH, or undefined when it is not installed. */
  which(name: string): string | undefined;
  /** Runs it with the terminal attached; resolves with its exit code. */
  run(path: string, args: readonly string[]): Promise<number>;
}

/**
 * The real programs: a PATH lookup (no shell, so nothing in PATH or the name is interpreted) and a child process
 * that inherits the terminal, as the AWS CLI starts the Session Manager plugin. The CLI waits for it to end and exits
 * with its code.
 */
export const localPrograms: Programs = {
  which(name) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
    return undefined;
  },
  run(path, args) {
    // Ctrl-C in the session belongs to the remote shell (the terminal sends it to the plugin too): while the plugin runs,
    // the CLI's own SIGINT handling (abort, then quit on the second) is set aside, as the AWS CLI does, and restored after.
    const saved = process.rawListeners('SIGINT');
    process.removeAllListeners('SIGINT');
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    const restore = () => {
      process.removeListener('SIGINT', ignore);
      for (const l of saved) process.on('SIGINT', l as (signal: NodeJS.Signals) => void);
    };
    return new Promise<number>((resolve, reject) => {
      const child = spawn(path, [...args], { stdio: 'inherit', shell: false });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    }).finally(restore);
  },
};
