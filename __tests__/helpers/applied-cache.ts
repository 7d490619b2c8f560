import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Moto } from '../../scripts/lib/moto';

/**
 * One apply per distinct stack per test run. Several e2e files start from the same applied stack (dev as shipped, in a
 * fresh moto) and then each does its own thing to it; applying it costs Terraform and the AWS provider tens of CPU
 * seconds and a minute of a busy machine each time. The first file to need a stack applies it for real and leaves
 * behind what the apply made: the accounts moto holds for it (scripts/lib/moto_server_launcher.py) and the stack folder
 * (configuration, providers, lock file, state). The others load both into their own fresh moto and folder.
 *
 * What makes this safe: the key is the synthesized configuration byte for byte plus moto's own switches, so only an
 * identical stack in an identically started moto is shared; the snapshot is taken right after the apply, before the
 * file that applied does anything else; and every file's first plan still runs against what was loaded, so a snapshot
 * that lost anything shows up as a planned change. Outside Jest (no ECS_COEXIST_APPLIED_CACHE) every call applies.
 */
export const APPLIED_CACHE_ENV = 'ECS_COEXIST_APPLIED_CACHE';

export async function applyOnce(moto: Moto, dir: string, accounts: readonly string[], apply: () => Promise<void>): Promise<'applied' | 'loaded'> {
  const root = process.env[APPLIED_CACHE_ENV];
  if (!root) {
    await apply();
    return 'applied';
  }
  const entry = join(root, appliedCacheKey(dir, moto, accounts));
  return withLock(`${entry}.lock`, async () => {
    if (existsSync(join(entry, 'ready'))) {
      await moto.loadAccounts(join(entry, 'moto.pickle'));
      cpSync(join(entry, 'stack'), dir, { recursive: true, verbatimSymlinks: true });
      return 'loaded';
    }
    await apply();
    rmSync(entry, { recursive: true, force: true });
    mkdirSync(entry, { recursive: true });
    await moto.saveAccounts(join(entry, 'moto.pickle'), accounts);
    cpSync(dir, join(entry, 'stack'), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(entry, 'ready'), '');
    return 'applied';
  });
}

/** What identifies an applied stack: its synthesized configuration byte for byte, moto's switches, the accounts kept. */
export function appliedCacheKey(dir: string, moto: Pick<Moto, 'serverEnv'>, accounts: readonly string[]): string {
  const serverEnv = Object.entries(moto.serverEnv).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(readFileSync(join(dir, 'cdk.tf.json'))).update(JSON.stringify({ serverEnv, accounts })).digest('hex').slice(0, 24);
}

/**
 * Runs `fn` holding a lock shared by the run's workers (a folder: mkdir is atomic). A lock whose holder has died (a
 * worker killed mid-apply) is taken over; a failed apply releases it, and the next file applies itself.
 */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!holderAlive(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Just made, its pid not written yet; or its holder died in between (then the folder stays old).
    return Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs < 30_000;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
