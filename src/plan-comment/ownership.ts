import { environmentNames, loadEnvironment, resourceNames } from '../../environments';
import type { ReleaseOwnership } from './ecs';
import { PlanInputError } from './plan';

/** What the release CLI owns in an environment, from the same configuration the stacks are built from. */
export function ownershipFor(env: string): ReleaseOwnership {
  const known = environmentNames();
  if (!known.includes(env)) throw new PlanInputError('--env', JSON.stringify(env), `one of ${known.join(', ')} (a file in environments/)`);
  const config = loadEnvironment(env);
  const names = resourceNames(config);
  const blueGreen = config.service.deployment.strategy === 'blue-green'
    ? { application: names.codedeployApplication, deploymentGroup: names.codedeployGroup, targetGroups: [names.targetGroup, names.greenTargetGroup] }
    : undefined;
  return { environment: env, releaseParameters: [names.releaseParameter], descriptorParameters: [names.descriptorParameter], ...(blueGreen ? { blueGreen } : {}) };
}
