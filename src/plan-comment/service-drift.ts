import { changedLeaves, topAttribute } from './attributes';
import type { EcsNote, ReleaseOwnership } from './ecs';
import { md, trusted, type Md } from './markdown';
import { isObject, type TerraformPlan } from './plan';

/**
 * What the deploy identity can change on the service that IAM cannot stop (UpdateService takes desired count, network
 * placement, load balancers and the circuit breaker along with the revision; docs/guardrails.md, residual risks), as
 * the plan's refresh shows it: the service's attributes before (last applied) and after refresh, in `resource_drift`.
 * Each difference becomes a warning in the comment, so a reviewer sees it whether or not Terraform puts it back
 * (`desired_count` under auto scaling is ignored by Terraform; the rest this plan restores). A new revision of the
 * same family is what every deploy does: a note, not a warning.
 *
 * The running revision's own content (roles, secrets, command) is not in a plan; when the service runs a revision other
 * than Terraform's, the note names `ecs-release status`, which compares it field by field and flags those.
 *
 * Every value from the plan goes through the `md` builder (masked code spans), like every other note.
 */
const REVISION = /:task-definition\/([A-Za-z0-9_-]{1,255}):(\d+)$/;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const revisionOf = (arn: unknown) => (typeof arn === 'string' ? REVISION.exec(arn) : null);
const blocks = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []);
const loadBalancerTargets = (v: unknown) => blocks(v).map((b) => `${String(b.container_name)}:${String(b.container_port)}`).sort();

export function serviceDriftNotes(plan: TerraformPlan, env: string, own?: ReleaseOwnership): EcsNote[] {
  const notes: EcsNote[] = [];
  const services = own?.services ?? [];
  for (const rc of plan.resource_drift ?? []) {
    if (rc.type !== 'aws_ecs_service' || !isObject(rc.change.before) || !isObject(rc.change.after)) continue;
    const before = rc.change.before;
    const after = rc.change.after;
    // With several services `ecs-release status` needs --service (it refuses to guess): the configured service whose
    // ECS service this is, by name; a placeholder when the plan's service is none of the configuration's.
    const configured = services.find((s) => s.ecsService !== undefined && s.ecsService === (after.name ?? before.name));
    const flag = services.length > 1 ? ` --service ${configured ? configured.name : '<name>'}` : '';
    const status = md`${`ecs-release status --env ${env}${flag}`}`;
    // The same normalisation as the drift section (null versus empty is no change), on whole attributes.
    const changed = new Set(changedLeaves(rc.change).map((l) => topAttribute(l.path)));
    const a = md`${rc.address}`;
    const add = (text: Md, level: EcsNote['level'] = 'warning') => notes.push({ level, address: rc.address, text });
    const was = revisionOf(before.task_definition);
    const now = revisionOf(after.task_definition);
    if (now && was && now[1] !== was[1]) {
      add(md`${a} now runs a revision of another task-definition family (${now[1]}, Terraform's is ${was[1]}): its roles and secrets are that family's. Check it with ${status}.`);
    } else if (changed.has('task_definition')) {
      add(md`${a} runs ${now ? md`revision ${`${now[1]}:${now[2]}`}` : trusted('a revision')} registered outside Terraform: a plan cannot show its roles, secrets or command; ${status} compares them with Terraform's revision and flags any difference.`, 'note');
    }
    if (Number(after.desired_count) === 0 && Number(before.desired_count) > 0) {
      add(md`${a} was scaled to 0 tasks outside Terraform (desired count ${Number(before.desired_count)} before): the service serves nothing.`);
    }
    if (changed.has('network_configuration')) {
      add(md`${a}: its network placement (subnets, security groups or public IP) was changed outside Terraform; this plan puts Terraform's back.`);
    }
    if (changed.has('deployment_circuit_breaker')) {
      add(md`${a}: its deployment circuit breaker was changed outside Terraform (failed deployments may no longer roll back); this plan puts Terraform's back.`);
    }
    if (changed.has('load_balancer') && !same(loadBalancerTargets(before.load_balancer), loadBalancerTargets(after.load_balancer))) {
      add(md`${a}: the containers its load balancer sends traffic to were changed outside Terraform.`);
    }
  }
  return notes;
}
