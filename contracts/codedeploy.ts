/**
 * What CodeDeploy rewrites on a blue/green listener: the forward target of its default action. The stack ignores
 * these paths (modules/load-balancer.ts) and the plan comment warns when a plan would set them (src/plan-comment), so
 * both read this one list.
 */
export const CODEDEPLOY_LISTENER_PATHS = ['default_action[0].target_group_arn', 'default_action[0].forward'] as const;

/** True for a listener path CodeDeploy rewrites (or one below it). */
export function isCodeDeployListenerPath(path: string): boolean {
  return CODEDEPLOY_LISTENER_PATHS.some((p) => path === p || path.startsWith(`${p}[`) || path.startsWith(`${p}.`));
}
