import { join } from 'node:path';
import { App } from 'cdktf';
import { ConfigError, ENVIRONMENTS, loadEnvironment } from './environments';
import { checkPromotionChain } from './environments/schema/chain';
import { linkImpliedMirror } from './scripts/lib/terraform';
import { EnvironmentStack } from './stacks/environment-stack';

/**
 * The environments this app deploys, one stack each (= one AWS account); the stack id is the environment name:
 * `cdktf plan dev`. The list itself is configuration (environments/index.ts), so the release CLI, the plan comment and
 * the scripts read the same one; re-exported here for the tools that start from the app. Its order is the promotion
 * chain (environments/schema/chain.ts): an image is deployed to the first environment and promoted from each one to the next.
 */
export { ENVIRONMENTS };

/** The message of a synthesis failure: one line for configuration errors, the policy report as it is written. */
export function synthFailure(e: unknown): string {
  if (e instanceof ConfigError) return e.message;
  const message = e instanceof Error ? e.message : String(e);
  // Cross-environment refusals (stacks/environment-stack.ts) are configuration errors thrown as plain Errors.
  return message.startsWith('invalid environment') ? message.split('\n')[0] : message;
}

// Only when run as the app (cdktf, `npm run synth`): importing the list must not synthesize.
if (require.main === module) {
  try {
    // Every environment is validated before any stack is built: a refusal names the file, not a half-built app.
    const envs = ENVIRONMENTS.map((name) => loadEnvironment(name));
    // The list is also the promotion chain: what a copied environment file gets wrong is refused here, in one line.
    checkPromotionChain(envs);
    const app = new App();
    const stacks = envs.map((env) => new EnvironmentStack(app, env));
    app.synth();
    // `cdktf diff/plan/deploy` run Terraform in each stack's folder without our wrapper: point it at the provider mirror.
    for (const stack of stacks) linkImpliedMirror(join(app.outdir, 'stacks', stack.node.id));
  } catch (e) {
    // Refused configuration (and any other failure) ends as its message on stderr and exit 1, never a stack trace:
    // the message is what the user must fix; the stack only points into this repository's code.
    process.stderr.write(`synth: ${synthFailure(e)}\n`);
    process.exitCode = 1;
  }
}
