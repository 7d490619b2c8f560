import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { legacyPath } from '../../modules/app-service';
import { logicalId } from '../../stacks/logical-id';
import { dev, prod, synth, type TerraformJson } from '../helpers/stacks';

/** Addresses and physical names of the single-service layout (commit bafc7d2), per environment. */
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'single-service-layout.json'), 'utf8')) as Record<string, Record<string, string | null>> & { containerSpec: Record<string, unknown> };
const before = { dev: fixture.dev, prod: fixture.prod };

const physicalName = (r: Record<string, unknown>) => r.name ?? r.family ?? r.bucket ?? r.alarm_name ?? r.deployment_group_name ?? r.deployment_config_name ?? r.app_name ?? null;

describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('%s: every resource of the single-service layout keeps its state', (name, env) => {
  const tf = synth(env, 'offline').tf as TerraformJson & { moved?: { from: string; to: string }[] };
  const moved = new Map((tf.moved ?? []).map((m) => [m.from, m.to]));
  const at = (address: string) => {
    const [type, id] = address.split('.');
    return tf.resource[type]?.[id];
  };

  test('each old address is still declared, or moved to a resource of the same type with the same physical name', () => {
    // GIVEN the addresses the previous layout left in state / WHEN the services layout is synthesized
    const lost: string[] = [];
    const renamed: string[] = [];
    for (const [address, oldName] of Object.entries(before[name])) {
      const target = at(address) ? address : moved.get(address);
      const r = target ? at(target) : undefined;
      if (!target || !r || target.split('.')[0] !== address.split('.')[0]) {
        lost.push(address);
        continue;
      }
      const newName = physicalName(r);
      if (oldName !== null && newName !== oldName) renamed.push(`${address}: ${oldName} -> ${String(newName)}`);
    }
    // THEN Terraform finds every one of them (no destroy), under the same physical name (no replace by name)
    expect(lost).toEqual([]);
    expect(renamed).toEqual([]);
  });

  test('the running service, its target group, task-definition family, log group and the registry are among them', () => {
    const names = Object.values(before[name]);
    for (const n of ['web', 'webapp-' + name + '-web', '/ecs/webapp-' + name + '/web', 'webapp']) expect(names).toContain(n);
    expect(moved.size).toBeGreaterThanOrEqual(15);
  });

  test('the web task definition is not replaced: the container spec that triggers its replacement is unchanged', () => {
    // References compared by what they resolve to (the state holds values): the log group's name, in both layouts.
    const oldGroups = before[name];
    const resolved = (value: unknown, names: (type: string, id: string) => string | null | undefined) =>
      JSON.parse(JSON.stringify(value).replace(/\$\{(aws_cloudwatch_log_group)\.([\w-]+)\.name\}/g, (_m, type: string, id: string) => String(names(type, id))));
    const spec = Object.entries(tf.resource.terraform_data).find(([id]) => id.startsWith('services_web_task-definition_container-spec_'))![1];
    const now = resolved(spec.input, (type, id) => physicalName(tf.resource[type][id]) as string);
    expect(now).toEqual(resolved(fixture.containerSpec[name], (type, id) => oldGroups[`${type}.${id}`]));
    expect(JSON.stringify(now)).toContain(`"awslogs-group":"/ecs/webapp-${name}/web"`);
    // The sidecars' trigger is new and empty: Terraform creates it, which replaces nothing.
    expect(Object.keys(tf.resource.terraform_data).filter((id) => id.startsWith('services_web_')).map((id) => id.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual(['services_web_task-definition_container-spec', 'services_web_task-definition_sidecar-spec']);
  });

  test('every moved block starts at an address of the previous layout and ends at a declared resource', () => {
    for (const [from, to] of moved) {
      expect(before[name]).toHaveProperty([from]);
      expect(at(to)).toBeDefined();
    }
  });
});

describe('the logical ids the moved blocks name', () => {
  test('logicalId() is what cdktf allocates for a construct path', () => {
    // GIVEN resources at nested, single and hyphenated paths / WHEN synthesized / THEN cdktf's ids equal ours
    const json = JSON.parse(
      Testing.synthScope((s) => {
        new SsmParameter(s, 'top', { name: 'a', type: 'String', insecureValue: 'x' });
        new SsmParameter(new Construct(new Construct(s, 'service'), 'execution-role'), 'policy', { name: 'b', type: 'String', insecureValue: 'x' });
        new SsmParameter(new Construct(s, 'services'), 'services-web', { name: 'c', type: 'String', insecureValue: 'x' });
      }),
    ) as { resource: { aws_ssm_parameter: Record<string, { name: string }> } };
    const ids = Object.fromEntries(Object.entries(json.resource.aws_ssm_parameter).map(([id, r]) => [r.name, id]));
    expect(ids).toEqual({ a: logicalId(['top']), b: logicalId(['service', 'execution-role', 'policy']), c: logicalId(['services', 'services-web']) });
  });

  test('legacyPath maps the first web service\'s parts back to the single module, and nothing else', () => {
    expect(legacyPath(['services', 'web', 'task-definition', 'task'], 'web')).toEqual(['service', 'task']);
    expect(legacyPath(['services', 'web', 'routing', 'tg'], 'web')).toEqual(['service', 'tg']);
    expect(legacyPath(['services', 'web', 'blue-green', 'green-tg'], 'web')).toEqual(['service', 'blue-green', 'green-tg']);
    expect(legacyPath(['services', 'worker', 'service'], 'web')).toBeUndefined();
    expect(legacyPath(['load-balancer', 'out-web'], 'web')).toBeUndefined();
    expect(legacyPath(['services', 'web', 'task-definition', 'sidecar-spec'], 'web')).toBeUndefined();
  });
});
