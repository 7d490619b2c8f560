import { blocks, referencing, resolveReference } from './synthesized';
import type { StackFacts, SynthesizedResource } from './types';

export const LB_TYPES = ['aws_lb', 'aws_alb'] as const;
export const LISTENER_TYPES = ['aws_lb_listener', 'aws_alb_listener'] as const;
export const LISTENER_RULE_TYPES = ['aws_lb_listener_rule', 'aws_alb_listener_rule'] as const;

/** An Application Load Balancer (`load_balancer_type` defaults to application). */
export function isApplicationLoadBalancer(r: SynthesizedResource): boolean {
  return (LB_TYPES as readonly string[]).includes(r.type) && (r.attributes.load_balancer_type ?? 'application') === 'application';
}

export function listenersOf(stack: StackFacts, lb: SynthesizedResource): SynthesizedResource[] {
  return LISTENER_TYPES.flatMap((t) => referencing(stack, t, 'load_balancer_arn', lb));
}

export function rulesOf(stack: StackFacts, listener: SynthesizedResource): SynthesizedResource[] {
  return LISTENER_RULE_TYPES.flatMap((t) => referencing(stack, t, 'listener_arn', listener));
}

/** The listener's load balancer when declared in this stack. */
export function loadBalancerOf(stack: StackFacts, listener: SynthesizedResource): SynthesizedResource | undefined {
  return resolveReference(stack, listener.attributes.load_balancer_arn);
}

/** A listener's protocol as AWS applies it: ALB listeners default to HTTP. */
export function listenerProtocol(listener: SynthesizedResource): string {
  return String(listener.attributes.protocol ?? 'HTTP').toUpperCase();
}

/** Actions that only ever answer with a redirect to HTTPS. */
export function redirectsToHttps(actions: unknown): boolean {
  const list = blocks(actions);
  return list.length > 0 && list.every((a) => a.type === 'redirect' && String(blocks(a.redirect)[0]?.protocol ?? '').toUpperCase() === 'HTTPS');
}

/** Target groups an action list forwards to (a plain forward, or the weighted `forward` block). */
function forwardedTargetGroups(stack: StackFacts, actions: unknown): SynthesizedResource[] {
  const out: SynthesizedResource[] = [];
  for (const a of blocks(actions)) {
    const direct = resolveReference(stack, a.target_group_arn);
    if (direct) out.push(direct);
    for (const f of blocks(a.forward)) for (const tg of blocks(f.target_group)) {
      const weighted = resolveReference(stack, tg.arn);
      if (weighted) out.push(weighted);
    }
  }
  return out;
}

/**
 * The ECS services a listener sends traffic to: those whose `load_balancer` names a target group the listener (its
 * default action or one of its rules) forwards to. Several services share one load balancer; a worker or a scheduled
 * task behind none is not exposed by it.
 */
export function servicesBehind(stack: StackFacts, listener: SynthesizedResource): SynthesizedResource[] {
  const groups = new Set(
    [listener, ...rulesOf(stack, listener)].flatMap((r) => forwardedTargetGroups(stack, r.type.endsWith('_rule') ? r.attributes.action : r.attributes.default_action)).map((g) => g.address),
  );
  return stack.resources.filter((r) => r.type === 'aws_ecs_service' && blocks(r.attributes.load_balancer).some((b) => groups.has(resolveReference(stack, b.target_group_arn)?.address ?? '')));
}
