import { Testing } from 'cdktf';
import type { EnvironmentConfig } from '../../environments/schema';
import { synthesizedResources, type TerraformConfig } from '../../rules/lib/synthesized';
import type { PolicyTarget, StackFacts, SynthesizedResource } from '../../rules/lib/types';
import { EnvironmentStack, TARGET_CONTEXT_KEY } from '../../stacks/environment-stack';

/** The facts the policy rules see for an environment's stack, as synthesized now. */
export function factsOf(env: EnvironmentConfig, target: PolicyTarget = 'aws'): StackFacts {
  const app = Testing.app({ context: { [TARGET_CONTEXT_KEY]: target } });
  const stack = new EnvironmentStack(app, env);
  return { stack: env.name, production: env.production, target, resources: synthesizedResources(stack.toTerraform() as TerraformConfig, env.name) };
}

/** The one resource of `type` whose construct path ends with `pathSuffix`. */
export function one(facts: StackFacts, type: string, pathSuffix = ''): SynthesizedResource {
  const found = facts.resources.filter((r) => r.type === type && r.path.endsWith(pathSuffix));
  if (found.length !== 1) throw new Error(`expected one ${type} at */${pathSuffix}, found ${found.length}`);
  return found[0];
}

/** A copy of `facts` where `resource`'s attributes were changed by `edit` (which mutates a deep copy). */
export function edited(facts: StackFacts, resource: SynthesizedResource, edit: (attributes: Record<string, any>) => void): { facts: StackFacts; resource: SynthesizedResource } {
  const attributes = structuredClone(resource.attributes) as Record<string, any>;
  edit(attributes);
  const changed = { ...resource, attributes };
  return { facts: { ...facts, resources: facts.resources.map((r) => (r === resource ? changed : r)) }, resource: changed };
}

/** A copy of `facts` with extra resources. */
export function plus(facts: StackFacts, ...extra: SynthesizedResource[]): StackFacts {
  return { ...facts, resources: [...facts.resources, ...extra] };
}

/** A copy of `facts` with other stack-level facts. */
export function withFacts(facts: StackFacts, patch: Partial<Pick<StackFacts, 'production' | 'target'>>): StackFacts {
  return { ...facts, ...patch };
}

/** Edits an IAM policy document held as a JSON string attribute. */
export function editPolicy(attribute: string, edit: (doc: { Statement: Record<string, any>[] }) => void): (a: Record<string, any>) => void {
  return (a) => {
    const doc = JSON.parse(a[attribute]);
    edit(doc);
    a[attribute] = JSON.stringify(doc);
  };
}

/** Edits the container definitions (a JSON string after decoding) of a task definition. */
export function editContainers(edit: (containers: Record<string, any>[]) => void): (a: Record<string, any>) => void {
  return (a) => {
    const defs = JSON.parse(a.container_definitions);
    edit(defs);
    a.container_definitions = JSON.stringify(defs);
  };
}
