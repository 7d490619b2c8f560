import { join } from 'node:path';
import { App } from 'cdktf';
import { loadEnvironment } from './environments';
import { linkImpliedMirror } from './scripts/lib/terraform';
import { EnvironmentStack } from './stacks/environment-stack';

/**
 * The environments this app deploys, one stack each (= one AWS account); the stack id is the environment name:
 * `cdktf plan dev`. A new environment is a file `environments/<name>.ts` plus one line here. Tests and scripts read
 * this list, so it is the one place that says which environments exist.
 */
export const ENVIRONMENTS: readonly string[] = [
  'dev',
  'prod',
];

// Only when run as the app (cdktf, `npm run synth`): importing the list must not synthesize.
if (require.main === module) {
  const app = new App();
  const stacks = ENVIRONMENTS.map((name) => new EnvironmentStack(app, loadEnvironment(name)));
  app.synth();
  // `cdktf diff/plan/deploy` run Terraform in each stack's folder without our wrapper: point it at the provider mirror.
  for (const stack of stacks) linkImpliedMirror(join(app.outdir, 'stacks', stack.node.id));
}
