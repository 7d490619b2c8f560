/**
 * The dev environment's configuration with N services (real configuration, validated by defineEnvironment, built by
 * the real stack): service 1 is dev's own `web` (the catch-all), services 2..N cycle through the three kinds: a web
 * service routed on `/<name>/*`, a worker, a scheduled task, each from the same image. What the benchmark measures is
 * then what a user's growing environment costs, not a bench-only stack.
 *
 * Run as a process: `node dist/scripts/lib/bench/scaling-stack.js <N> <outdir>` synthesizes and prints
 * `{"services":N,"resources":R,"constructSeconds":…,"synthSeconds":…}` (time spent after module loading).
 */
import { App, TerraformStack } from 'cdktf';
import { loadEnvironment } from '../../../environments';
import { defineEnvironment, type EnvironmentConfig, type EnvironmentInput } from '../../../environments/schema';
import { EnvironmentStack } from '../../../stacks/environment-stack';

/** Service names below carry two digits. */
export const MAX_SCALING_SERVICES = 99;
export const SCALING_KINDS = ['web', 'worker', 'scheduled'] as const;

/** `env` with its first web service and N-1 generated services (kinds in turn: web, worker, scheduled). */
export function scalingEnvironment(env: EnvironmentConfig, services: number): EnvironmentConfig {
  if (!Number.isInteger(services) || services < 1 || services > MAX_SCALING_SERVICES) {
    throw new Error(`services: received ${services}; allowed: an integer from 1 to ${MAX_SCALING_SERVICES}`);
  }
  const [firstName, first] = Object.entries(env.services).find(([, s]) => s.kind === 'web')!;
  if (first.kind !== 'web') throw new Error('unreachable');
  const common = { cpu: 256, memoryMiB: 512, bootstrapImage: first.bootstrapImage, environment: { APP_ENV: env.name }, secrets: { ...first.secrets } };
  const out: Record<string, unknown> = { [firstName]: structuredClone(first) };
  for (let i = 2; i <= services; i++) {
    const name = `svc${String(i).padStart(2, '0')}`;
    const kind = SCALING_KINDS[(i - 2) % SCALING_KINDS.length];
    if (kind === 'web') out[name] = { kind, ...common, containerPort: 8080, desiredCount: 1, routing: { paths: [`/${name}/*`] } };
    else if (kind === 'worker') out[name] = { kind, ...common, command: ['node', 'worker.js'], desiredCount: 1 };
    else out[name] = { kind, ...common, command: ['node', 'job.js'], schedule: 'rate(1 hour)' };
  }
  return defineEnvironment({ ...structuredClone(env), services: out } as EnvironmentInput);
}

export function scalingStack(app: App, env: EnvironmentConfig, services: number): EnvironmentStack {
  return new EnvironmentStack(app, scalingEnvironment(env, services));
}

export interface ScalingRun {
  readonly services: number;
  readonly resources: number;
  readonly constructSeconds: number;
  readonly synthSeconds: number;
}

export function synthScaling(services: number, outdir: string): ScalingRun {
  const t0 = process.hrtime.bigint();
  const app = new App({ outdir });
  const stack = scalingStack(app, loadEnvironment('dev'), services);
  const t1 = process.hrtime.bigint();
  app.synth();
  const t2 = process.hrtime.bigint();
  return {
    services,
    resources: countResources(stack),
    constructSeconds: Number(t1 - t0) / 1e9,
    synthSeconds: Number(t2 - t1) / 1e9,
  };
}

function countResources(stack: TerraformStack): number {
  const tf = stack.toTerraform() as { resource?: Record<string, Record<string, unknown>> };
  return Object.values(tf.resource ?? {}).reduce((n, byId) => n + Object.keys(byId).length, 0);
}

if (require.main === module) {
  const [count, outdir] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(synthScaling(Number(count), outdir))}\n`);
}
