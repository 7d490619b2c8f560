import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../../environments';
import type { EnvironmentConfig } from '../../../environments/schema';
import { ENVIRONMENTS } from '../../../main';
import { applyIntoEmulator, synthForEmulator } from './apply';
import { createStateBucket, deployRoleArn, pushImage, startOriginalTaskSet, withEmulatorCertificate } from './aws';
import { writeShims } from './print';
import { emulatorEnv, isAlive, readState, startServer, stopSandbox, writeState, type SandboxImage, type SandboxState } from './server';

/** Tags of the images every sandbox holds, in every environment's registry (distinct layers, so distinct digests). */
export const SANDBOX_TAGS: readonly string[] = ['1a2b3c4', '5d6e7f8', '9a0b1c2'];

export interface StartResult {
  readonly state: SandboxState;
  /** True when a running, fully started sandbox was found and reused. */
  readonly reused: boolean;
}

/**
 * Starts the sandbox in `dir`, or reuses the one running there: moto on 127.0.0.1, every environment of main.ts
 * applied into it with its state in its own S3 backend (served by moto), a few images pushed into every registry.
 * A failure ends what was started and removes `dir` (no half sandbox left behind).
 */
export async function startSandbox(dir: string, progress: (line: string) => void = () => undefined): Promise<StartResult> {
  const existing = readState(dir);
  if (existing?.ready && (await isAlive(existing))) return { state: existing, reused: true };
  if (existing) {
    progress('a previous sandbox did not finish starting or has ended: cleaning it up');
    await stopSandbox(dir);
  }
  const envs = ENVIRONMENTS.map((name) => loadEnvironment(name));
  const region = envs[0].region;
  progress('starting moto_server on 127.0.0.1');
  const server = await startServer(dir);
  const base = { ...server, region, startedAt: new Date().toISOString(), environments: [], images: [] };
  writeState(dir, { ...base, ready: false });
  try {
    const applied = await applyAll(dir, server.endpoint, region, envs, progress);
    progress(`pushing ${SANDBOX_TAGS.length} images into each registry`);
    const images: SandboxImage[] = [];
    for (const env of applied) {
      for (const tag of SANDBOX_TAGS) images.push({ env: env.name, tag, ...(await pushImage(server.endpoint, env, tag)) });
    }
    writeShims(dir);
    const state: SandboxState = { ...base, ready: true, environments: applied.map((e) => ({ name: e.name, deployRoleArn: deployRoleArn(e) })), images };
    writeState(dir, state);
    return { state, reused: false };
  } catch (e) {
    await stopSandbox(dir);
    throw e;
  }
}

async function applyAll(dir: string, endpoint: string, region: string, envs: EnvironmentConfig[], progress: (line: string) => void): Promise<EnvironmentConfig[]> {
  const awsEnv = emulatorEnv(endpoint, region);
  const outdir = join(dir, 'stacks');
  mkdirSync(outdir, { recursive: true });
  const ready: { env: EnvironmentConfig; stackDir: string }[] = [];
  for (const configured of envs) {
    await createStateBucket(endpoint, configured);
    const env = await withEmulatorCertificate(endpoint, configured);
    ready.push({ env, stackDir: synthForEmulator(env, join(outdir, env.name), { kind: 's3' }, { quiet: true }) });
  }
  progress(`applying ${envs.map((e) => e.name).join(' and ')} into the emulator (terraform apply, a few minutes)`);
  // Every apply ends before a failure is reported: the caller then stops the emulator, which must not happen under an
  // apply still running (its retries against a stopped server would bury the first failure in noise).
  const applies = await Promise.allSettled(ready.map(({ env, stackDir }) => applyIntoEmulator(stackDir, env, awsEnv)));
  const failed = applies.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failed) throw failed.reason;
  for (const { env } of ready) await startOriginalTaskSet(endpoint, env);
  return ready.map((r) => r.env);
}
