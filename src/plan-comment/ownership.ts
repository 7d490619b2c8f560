import { environmentNames, loadEnvironment } from '../../environments';
import { allServiceNames } from '../../environments/names';
import type { ReleaseOwnership } from './ecs';
import { PlanInputError } from './plan';

/** What the release CLI owns in an environment, from the same configuration the stacks are built from. */
export function ownershipFor(env: string): ReleaseOwnership {
  const known = environmentNames();
  if (!known.includes(env)) throw new PlanInputError('--env', JSON.stringify(env), `one of ${known.join(', ')} (a file in environments/)`);
  const config = loadEnvironment(env);
  // Every service has its own pointer and descriptor; configuration allows at most one blue/green service.
  const services = allServiceNames(config);
  const bg = Object.entries(config.services).find(([, s]) => s.kind === 'web' && s.deployment.strategy === 'blue-green');
  const names = bg ? services.find((n) => n.service === bg[0]) : undefined;
  const blueGreen = names
    ? { application: names.codedeployApplication, deploymentGroup: names.codedeployGroup, targetGroups: [names.targetGroup, names.greenTargetGroup] }
    : undefined;
  return {
    environment: env,
    releaseParameters: services.map((n) => n.releaseParameter),
    descriptorParameters: services.map((n) => n.descriptorParameter),
    services: services.map((n) => {
      const kind = config.services[n.service].kind;
      return { name: n.service, kind, family: n.family, ...(kind === 'scheduled' ? {} : { ecsService: n.service }), container: n.container, releaseParameter: n.releaseParameter, descriptorParameter: n.descriptorParameter };
    }),
    ...(blueGreen ? { blueGreen } : {}),
  };
}
