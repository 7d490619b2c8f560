import { App } from 'cdktf';
import { loadEnvironment } from './environments';
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
  for (const name of ENVIRONMENTS) new EnvironmentStack(app, loadEnvironment(name));
  app.synth();
}
