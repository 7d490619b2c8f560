import { environmentNames, loadEnvironment, resourceNames } from '../../environments';
import type { ReleaseOwnership } from './ecs';
import { PlanInputError } from './plan';

/** What the release CLI owns in an environment, from the same configuration the stacks are built from. */
export function ownershipFor(env: string): ReleaseOwnership {
  const known = environmentNames();
  if (!known.includes(env)) throw new PlanInputError('--env', JSON.stringify(env), `one of ${known.join(', ')} (a file in environments/)`);
  const names = resourceNames(loadEnvironment(env));
  return { environment: env, releaseParameters: [names.releaseParameter], descriptorParameters: [names.descriptorParameter] };
}
