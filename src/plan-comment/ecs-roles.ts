import { CODEDEPLOY_LISTENER_PATHS, isCodeDeployListenerPath } from '../../contracts/codedeploy';
import type { CodeDeployDescriptor } from '../../contracts/descriptor';
import { DESCRIPTOR_PARAMETER_SUFFIX, RELEASE_PARAMETER_SUFFIX } from '../../contracts/parameters';
import { changedLeaves, formatPath, topAttribute } from './attributes';
import { isObject, type TerraformPlan } from './plan';
import type { Entry } from './summary';

export { CODEDEPLOY_LISTENER_PATHS, isCodeDeployListenerPath };

/**
 * What the release CLI owns in an environment, so the comment can say when a plan touches it. Names come from the
 * environment configuration (`resourceNames(env)`); parameters named like the project's release pointer and
 * descriptor (`…/release-image`, `…/descriptor`) are recognised even without it.
 */
export interface ReleaseOwnership {
  readonly environment: string;
  readonly releaseParameters: readonly string[];
  readonly descriptorParameters: readonly string[];
  /** Set when the environment deploys blue/green through CodeDeploy (`deployment.strategy: blue-green`). */
  readonly blueGreen?: BlueGreenOwnership;
  /** The environment's services (configuration order): what a note names when a change belongs to one of them. */
  readonly services?: readonly ServiceOwnership[];
}

/** One configured service's names, as the plan shows them. */
export interface ServiceOwnership {
  readonly name: string;
  readonly kind: 'web' | 'worker' | 'scheduled';
  readonly family: string;
  /** The ECS service's name (none for a scheduled service). */
  readonly ecsService?: string;
  readonly container: string;
  readonly releaseParameter: string;
  readonly descriptorParameter: string;
}

/** The service a task definition, ECS service or parameter of the plan belongs to, by its name in the plan. */
export function serviceOf(e: Entry, own: ReleaseOwnership): ServiceOwnership | undefined {
  const services = own.services ?? [];
  switch (e.rc.type) {
    case 'aws_ecs_task_definition':
      return services.find((s) => s.family === attr(e, 'family'));
    case 'aws_ecs_service':
      return services.find((s) => s.ecsService !== undefined && s.ecsService === attr(e, 'name'));
    case 'aws_ssm_parameter':
      return services.find((s) => s.releaseParameter === attr(e, 'name') || s.descriptorParameter === attr(e, 'name'));
    default:
      return undefined;
  }
}

/** Names of what CodeDeploy works on in a blue/green environment (from `resourceNames(env)`). */
export interface BlueGreenOwnership extends Readonly<Pick<CodeDeployDescriptor, 'application' | 'deploymentGroup'>> {
  /** The two target groups CodeDeploy alternates between, blue first. */
  readonly targetGroups: readonly string[];
}

/**
 * What the plan itself says about CodeDeploy: the listeners and target groups its deployment groups name (Terraform
 * lists every resource in `resource_changes`, unchanged ones as no-op, so they are known whenever the group exists).
 */
export interface CodeDeployFacts {
  readonly listenerArns: ReadonlySet<string>;
  readonly targetGroupNames: ReadonlySet<string>;
}

export const NO_FACTS: CodeDeployFacts = { listenerArns: new Set(), targetGroupNames: new Set() };

export function codeDeployFacts(plan: TerraformPlan): CodeDeployFacts {
  const listenerArns = new Set<string>();
  const targetGroupNames = new Set<string>();
  const blocks = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []);
  for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])]) {
    if (rc.type !== 'aws_codedeploy_deployment_group') continue;
    for (const side of [rc.change.before, rc.change.after]) {
      if (!isObject(side)) continue;
      for (const pair of blocks(side.load_balancer_info).flatMap((i) => blocks(i.target_group_pair_info))) {
        for (const route of [...blocks(pair.prod_traffic_route), ...blocks(pair.test_traffic_route)]) {
          for (const arn of Array.isArray(route.listener_arns) ? route.listener_arns : []) if (typeof arn === 'string') listenerArns.add(arn);
        }
        for (const tg of blocks(pair.target_group)) if (typeof tg.name === 'string') targetGroupNames.add(tg.name);
      }
    }
  }
  return { listenerArns, targetGroupNames };
}

export type Role =
  | 'task-definition'
  | 'service'
  | 'release-pointer'
  | 'descriptor'
  | 'codedeploy-listener'
  | 'codedeploy-target-group'
  | 'codedeploy-group'
  | 'codedeploy-app'
  | 'codedeploy-config'
  | undefined;

export function roleOf(e: Entry, own: ReleaseOwnership, facts: CodeDeployFacts): Role {
  const { type } = e.rc;
  if (type === 'aws_ecs_task_definition') return 'task-definition';
  if (type === 'aws_ecs_service') return 'service';
  if (type === 'aws_codedeploy_deployment_group') return 'codedeploy-group';
  if (type === 'aws_codedeploy_app') return 'codedeploy-app';
  if (type === 'aws_codedeploy_deployment_config') return 'codedeploy-config';
  if (type === 'aws_lb_listener' || type === 'aws_alb_listener') {
    const arns = [e.rc.change.before, e.rc.change.after].map((v) => (isObject(v) ? v.arn : undefined));
    if (arns.some((arn) => typeof arn === 'string' && facts.listenerArns.has(arn))) return 'codedeploy-listener';
    // On a create the ARNs are unknown: in a blue/green environment the listeners that forward by default action are
    // the two CodeDeploy shifts (the others redirect or answer 404 unless a rule matches).
    if (own.blueGreen && defaultActionType(e) === 'forward') return 'codedeploy-listener';
    return undefined;
  }
  if (type === 'aws_lb_target_group' || type === 'aws_alb_target_group') {
    const name = attr(e, 'name');
    if (typeof name === 'string' && (facts.targetGroupNames.has(name) || own.blueGreen?.targetGroups.includes(name))) return 'codedeploy-target-group';
    return undefined;
  }
  if (type === 'aws_ssm_parameter') {
    const name = attr(e, 'name');
    if (typeof name !== 'string') return undefined;
    if (own.releaseParameters.includes(name) || name.endsWith(RELEASE_PARAMETER_SUFFIX)) return 'release-pointer';
    if (own.descriptorParameters.includes(name) || name.endsWith(DESCRIPTOR_PARAMETER_SUFFIX)) return 'descriptor';
  }
  return undefined;
}

export function attr(e: Entry, key: string): unknown {
  const after = e.rc.change.after;
  const before = e.rc.change.before;
  if (isObject(after) && after[key] !== undefined && after[key] !== null) return after[key];
  return isObject(before) ? before[key] : undefined;
}

/** The attribute as it is now (what a replacement or deletion loses); the planned value on a create. */
export function beforeAttr(e: Entry, key: string): unknown {
  const before = e.rc.change.before;
  return isObject(before) && before[key] !== undefined && before[key] !== null ? before[key] : attr(e, key);
}

export function changedAttributes(e: Entry): Set<string> {
  return new Set(changedLeaves(e.rc.change).map((l) => topAttribute(l.path)));
}

function defaultActionType(e: Entry): unknown {
  const actions = attr(e, 'default_action');
  const first = Array.isArray(actions) ? actions[0] : undefined;
  return isObject(first) ? first.type : undefined;
}

/** The changed leaf paths of a change, split into those CodeDeploy owns on a listener and the others. */
export function listenerPaths(e: Entry): { owned: string[]; other: string[] } {
  const paths = [...new Set(changedLeaves(e.rc.change).map((l) => formatPath(l.path)))];
  return { owned: paths.filter(isCodeDeployListenerPath), other: paths.filter((p) => !isCodeDeployListenerPath(p)) };
}
