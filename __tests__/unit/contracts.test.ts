import { releaseDescriptorSchema } from '../../contracts/descriptor';
import { serviceNames } from '../../environments/names';
import type { EnvironmentConfig } from '../../environments/schema';
import { dev, prod, resource, synth } from '../helpers/stacks';

/**
 * The release descriptor is one contract (contracts/descriptor.ts): what a stack publishes must be what the release
 * CLI accepts. Terraform references (`${aws_….arn}`) resolve at apply; here they are stood in for by values of the
 * environment's account, as the applied parameter carries them.
 */
function publishedDescriptor(env: EnvironmentConfig, service = 'web'): Record<string, unknown> {
  const raw = resource(synth(env).tf, 'aws_ssm_parameter', `services/${service}/descriptor`).insecure_value as string;
  const family = serviceNames(env, service).family;
  const resolved = raw.replace(/\$\{[^}]+\}/g, (ref) =>
    ref.includes('aws_ecs_task_definition') ? `arn:aws:ecs:${env.region}:${env.accountId}:task-definition/${family}:1` : `resolved-at-apply-${ref.length}`,
  );
  return JSON.parse(resolved) as Record<string, unknown>;
}

describe('release descriptor contract', () => {
  test.each([
    ['dev', dev, 'rolling'],
    ['prod', prod, 'blue-green'],
  ] as const)('%s: the descriptor the stack publishes is one the release CLI accepts', (_name, env, strategy) => {
    // GIVEN the descriptor the stack synthesizes / WHEN parsed with the CLI's schema
    const parsed = releaseDescriptorSchema.safeParse(publishedDescriptor(env));
    // THEN it is accepted, and carries the CodeDeploy block exactly when the service deploys blue/green
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data?.strategy).toBe(strategy);
    expect(parsed.data?.codeDeploy !== undefined).toBe(strategy === 'blue-green');
  });

  test.each(['family', 'codeDeploy.containerPort', 'codeDeploy.targetGroups.green'])('a published descriptor without %s is refused, naming it', (path) => {
    // GIVEN prod's descriptor with one field taken out
    const descriptor = publishedDescriptor(prod);
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, descriptor);
    delete parent[keys.at(-1)!];
    // WHEN parsed / THEN the first issue names exactly that field
    const parsed = releaseDescriptorSchema.safeParse(descriptor);
    expect(parsed.error?.issues[0].path.join('.')).toBe(path);
  });
});

describe('release descriptor of every kind of service', () => {
  test.each([
    ['dev', 'worker', { kind: 'worker', releaseGroup: 'app', strategy: 'rolling', sidecars: [] }],
    ['dev', 'nightly', { kind: 'scheduled', releaseGroup: 'app', schedule: { name: 'webapp-dev-nightly', groupName: 'webapp-dev' } }],
    ['prod', 'worker', { kind: 'worker', strategy: 'rolling' }],
    ['dev', 'web', { kind: 'web', loadBalancer: { containerName: 'app', containerPort: 8080, targetGroupArn: expect.any(String) } }],
  ] as const)('%s %s: the published descriptor is accepted and names its kind', (name, service, expected) => {
    const env = name === 'dev' ? dev : prod;
    const parsed = releaseDescriptorSchema.safeParse(publishedDescriptor(env, service));
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toMatchObject({ service, family: `webapp-${env.name}-${service}`, ...expected });
  });

  test('a descriptor published before services had kinds reads as the one web service without sidecars', () => {
    const old = publishedDescriptor(dev);
    delete old.kind;
    delete old.sidecars;
    expect(releaseDescriptorSchema.parse(old)).toMatchObject({ kind: 'web', sidecars: [] });
  });
});
