import type { Action, ResourceChange, TerraformPlan } from '../../src/plan-comment/plan';

/**
 * Hand-made plans in the JSON format `terraform show -json` writes, for the unit tier (no Terraform). The shapes are
 * copied from real plans of the terraform tier; anything about how Terraform fills them is tested there.
 */
export function change(address: string, actions: Action[], before: unknown, after: unknown, extra: Omit<Partial<ResourceChange>, 'change'> & { change?: Partial<ResourceChange['change']> } = {}): ResourceChange {
  const [type, name] = address.replace(/^data\./, '').split('.');
  const { change: changeExtra, ...rest } = extra;
  return {
    address,
    mode: address.startsWith('data.') ? 'data' : 'managed',
    type,
    name: name.replace(/\[.*$/, ''),
    provider_name: 'registry.terraform.io/hashicorp/aws',
    ...rest,
    change: { actions, before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {}, ...changeExtra },
  };
}

export function plan(resourceChanges: ResourceChange[], extra: Partial<TerraformPlan> = {}): TerraformPlan {
  return { format_version: '1.2', terraform_version: '1.11.4', planned_values: { root_module: {} }, resource_changes: resourceChanges, ...extra };
}

/** `n` creates of SSM parameters, each with a few attributes, like a large real plan. */
export function manyCreates(n: number): TerraformPlan {
  return plan(Array.from({ length: n }, (_, i) => change(`aws_ssm_parameter.p[${i}]`, ['create'], null, {
    name: `/webapp/dev/generated/parameter-${i}`,
    type: 'String',
    insecure_value: `value-${i}`,
    description: `generated parameter number ${i} for the size test`,
    tags: { Index: String(i) },
  }, { change: { after_unknown: { arn: true, id: true, version: true, tags_all: true } } })));
}
