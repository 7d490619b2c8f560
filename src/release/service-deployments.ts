import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand, type ServiceDeployment } from '@aws-sdk/client-ecs';
import type { Context } from './context';
import type { Target } from './target';

/**
 * Whether the endpoint answers ListServiceDeployments, decided once per run (per Context): AWS always does; the
 * emulator of the e2e tier does not (gap `service-deployments`, __tests__/e2e/moto-gaps.ts).
 */
const unsupported = new WeakSet<Context>();

/**
 * An endpoint that lacks the operation, as opposed to a denial or a throttle: AWS's UnknownOperationException or a
 * 501; moto answers an unimplemented action with an HTML 500 page, which the SDK reports as a SyntaxError (the same
 * test as codedeploy.ts's lifecycleEventsUnavailable).
 */
function notImplemented(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  const code = err.$metadata?.httpStatusCode ?? 0;
  return err.name === 'UnknownOperationException' || code === 501 || (err.name === 'SyntaxError' && code >= 500);
}

/**
 * ECS's own record of how the deployment that started at `since` (epoch ms) ended: its typed status
 * (SUCCESSFUL, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED, STOPPED, ...) with statusReason and rollback, instead of reading
 * service-event prose. `undefined` when the endpoint lacks the operation or has no such deployment; the caller then
 * falls back to the events.
 */
export async function serviceDeploymentSince(ctx: Context, target: Target, since: number): Promise<ServiceDeployment | undefined> {
  if (unsupported.has(ctx)) return undefined;
  const { cluster, service } = target.descriptor;
  let briefs;
  try {
    const listed = await target.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster, service, createdAt: { after: new Date(since - 1000) } }));
    briefs = listed?.serviceDeployments ?? [];
  } catch (e) {
    if (!notImplemented(e)) throw e;
    unsupported.add(ctx);
    return undefined;
  }
  // Ours is the one created when our deployment was (ECS creates both together; a second of slack for the clocks of
  // two records); later ones are whoever replaced it, and a rollback keeps ours, with a ROLLBACK_* status.
  const distance = (b: (typeof briefs)[number]) => Math.abs((b.createdAt?.getTime() ?? 0) - since);
  const ours = briefs.filter((b) => b.serviceDeploymentArn && distance(b) <= 1000).sort((a, b) => distance(a) - distance(b))[0];
  if (!ours?.serviceDeploymentArn) return undefined;
  const described = await target.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [ours.serviceDeploymentArn] }));
  return described?.serviceDeployments?.[0] ?? { serviceDeploymentArn: ours.serviceDeploymentArn, status: ours.status, statusReason: ours.statusReason };
}
