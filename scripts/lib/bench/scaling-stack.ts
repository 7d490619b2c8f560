/**
 * Benchmark-only: the dev environment's stack carrying N web services behind its one load balancer, to measure how
 * synthesis time grows with the number of services. Service 1 is the environment's own (priority 100, `/*`); services
 * 2..N get their own names, listener-rule priorities 2..N (evaluated before the catch-all) and paths `/<name>/*`.
 *
 * Run as a process: `node dist/scripts/lib/bench/scaling-stack.js <N> <outdir>` synthesizes and prints
 * `{"services":N,"resources":R,"constructSeconds":…,"synthSeconds":…}` (time spent after module loading).
 */
import { App, TerraformStack } from 'cdktf';
import { loadEnvironment } from '../../../environments';
import { resourceNames } from '../../../environments/names';
import type { EnvironmentConfig } from '../../../environments/schema';
import { WebService } from '../../../modules/web-service';
import { EnvironmentStack } from '../../../stacks/environment-stack';

/** Listener-rule priorities go up to 50,000 but the names and paths below assume two digits. */
export const MAX_SCALING_SERVICES = 99;

export function scalingStack(app: App, env: EnvironmentConfig, services: number): EnvironmentStack {
  if (!Number.isInteger(services) || services < 1 || services > MAX_SCALING_SERVICES) {
    throw new Error(`services: received ${services}; allowed: an integer from 1 to ${MAX_SCALING_SERVICES}`);
  }
  const stack = new EnvironmentStack(app, env);
  for (let i = 2; i <= services; i++) {
    const name = `svc${String(i).padStart(2, '0')}`;
    const config = { ...env.service, name };
    new WebService(stack, `service-${name}`, {
      environment: env.name,
      accountId: env.accountId,
      region: env.region,
      names: resourceNames({ ...env, service: config }),
      config,
      cluster: stack.cluster,
      network: stack.network,
      loadBalancer: stack.loadBalancer,
      registry: stack.registry,
      logRetentionDays: env.logRetentionDays,
      listenerRulePriority: i,
      pathPatterns: [`/${name}/*`],
    });
  }
  return stack;
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
