/**
 * The dev environment's configuration carrying N services, to measure how synthesis grows with them: real
 * configuration through the real stack (services are data, issue 11), not a bench-only construct tree. The
 * environment's own services come first; web services `svc02`..`svcNN` are copies of its first web service, each
 * routed on its own path `/<name>/*` (listener-rule priorities allocated by the configuration), until N services.
 *
 * Run as a process: `node dist/scripts/lib/bench/scaling-stack.js <N> <outdir>` synthesizes and prints
 * `{"services":N,"resources":R,"constructSeconds":…,"synthSeconds":…}` (time spent after module loading).
 */
import { App, type TerraformStack } from 'cdktf';
import { defineEnvironment, loadEnvironment } from '../../../environments';
import type { EnvironmentConfig, EnvironmentInput } from '../../../environments/schema';
import { EnvironmentStack } from '../../../stacks/environment-stack';

/** Listener-rule priorities go up to 50,000 but the names and paths below assume two digits. */
export const MAX_SCALING_SERVICES = 99;

/** `env` with `services` services in all (its own first), validated like any environment file. */
export function scalingEnvironment(env: EnvironmentConfig, services: number): EnvironmentConfig {
  if (!Number.isInteger(services) || services < 1 || services > MAX_SCALING_SERVICES) {
    throw new Error(`services: received ${services}; allowed: an integer from 1 to ${MAX_SCALING_SERVICES}`);
  }
  const own = Object.entries(env.services);
  const web = own.find(([, s]) => s.kind === 'web');
  if (!web) throw new Error(`services: environment ${env.name} has no web service to copy`);
  const input = structuredClone(env) as unknown as EnvironmentInput & { services: Record<string, unknown> };
  const kept = Object.fromEntries(own.slice(0, services));
  const added: Record<string, unknown> = {};
  for (let i = own.length + 1; i <= services; i++) {
    const name = `svc${String(i).padStart(2, '0')}`;
    const copy = structuredClone(web[1]) as Record<string, unknown>;
    // Rolling and routed by path: beside a blue/green service only a routed rolling one is allowed.
    if (copy.kind === 'web') {
      copy.deployment = { ...(copy.deployment as Record<string, unknown>), strategy: 'rolling' };
      for (const key of ['trafficShifting', 'approvalWaitMinutes', 'terminationWaitMinutes']) delete (copy.deployment as Record<string, unknown>)[key];
      copy.routing = { hosts: [], paths: [`/${name}/*`] };
    }
    delete copy.releaseGroup;
    added[name] = copy;
  }
  return defineEnvironment({ ...input, services: { ...kept, ...added } } as EnvironmentInput);
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
