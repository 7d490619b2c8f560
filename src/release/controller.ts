import type { Service } from '@aws-sdk/client-ecs';
import { refuseWhileCodeDeployInFlight } from './codedeploy';
import { checkDeploymentController, refuseWhileInFlight, type Target } from './target';

/**
 * Refuses when the service's controller disagrees with the descriptor, or another deployment is under way: ECS
 * deployments of a rolling service, CodeDeploy deployments of a blue/green one (whose ECS side shows task sets, not
 * rolling deployments).
 */
export async function refuseWhileBusy(target: Target, svc: Service): Promise<void> {
  checkDeploymentController(target, svc);
  if (target.descriptor.strategy === 'blue-green') {
    await refuseWhileCodeDeployInFlight(target);
    return;
  }
  refuseWhileInFlight(svc);
}
