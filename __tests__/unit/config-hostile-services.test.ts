import { ConfigError, defineEnvironment, type EnvironmentConfig } from '../../environments/schema';
import { dev, variant } from '../helpers/stacks';

/**
 * Issue 13's configuration guarantees on the fields issue 11 added. config-hostile.test.ts puts its corpus into every
 * leaf of the shipped environments, which declare no sidecars, log routing, routing rules, queue scaling or
 * deployedBy: those leaves exist only in an environment that sets them, built here.
 */

const DIGEST = `sha256:${'a'.repeat(64)}`;
const rich: EnvironmentConfig = variant(dev, {
  ci: { appRepositories: ['example-org/webapp'] },
  services: {
    web: {
      logging: { driver: 'firelens', options: { Name: 'cloudwatch', region: 'eu-west-1' } },
      dependsOn: [{ container: 'log-router', condition: 'START' }],
      routing: { hosts: ['api.example.com'], paths: ['/api/*'] },
      deployedBy: ['example-org/webapp'],
      sidecars: {
        'log-router': { image: `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST}`, essential: false, firelens: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } } },
        agent: { image: `public.ecr.aws/datadog/agent@${DIGEST}`, command: ['agent', 'run'], environment: { DD_SITE: 'datadoghq.eu' }, secrets: { DD_API_KEY: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/dev/dd-api-key' }, portMappings: [{ containerPort: 8126 }], healthCheck: { command: ['CMD-SHELL', 'agent health'] } },
      },
    },
    worker: { autoScaling: { minCapacity: 1, maxCapacity: 3, targetCpuPercent: 70, queue: { queueName: 'jobs', targetMessagesPerTask: 10 } } },
    nightly: { timezone: 'Europe/Paris' },
  },
});

/** Paths to every string leaf under the fields issue 11 added. */
function stringLeaves(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
}
const NEW_FIELDS = /^services\.\w+\.(sidecars|logging|routing|autoScaling\.queue|deployedBy|dependsOn|schedule|timezone|releaseGroup|command)\b/;
const leaves = stringLeaves(rich).filter((p) => NEW_FIELDS.test(p.join('.')));

function withValue(path: string[], value: string): unknown {
  const copy = structuredClone(rich) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

function refusal(input: unknown): string {
  try {
    defineEnvironment(input as EnvironmentConfig);
    return 'accepted';
  } catch (e) {
    if (e instanceof ConfigError && !e.message.includes('\n')) return e.message;
    throw e;
  }
}

describe('hostile strings in the services fields (sidecars, log routing, routing, queue, schedule, release group)', () => {
  test('the rich environment is valid and has the leaves (the tests below cannot pass empty)', () => {
    expect(leaves.map((p) => p.join('.'))).toEqual(expect.arrayContaining([
      'services.web.sidecars.agent.command.0', 'services.web.sidecars.agent.environment.DD_SITE', 'services.web.sidecars.agent.healthCheck.command.1',
      'services.web.sidecars.log-router.firelens.options.enable-ecs-log-metadata', 'services.web.logging.options.Name', 'services.web.routing.paths.0',
      'services.web.routing.hosts.0', 'services.worker.autoScaling.queue.queueName', 'services.nightly.schedule', 'services.nightly.timezone', 'services.web.releaseGroup',
    ]));
  });

  test.each(['${file("/etc/hostname")}', '%{ if true }x%{ endif }', '$${x}', '#{TfToken[TOKEN.1]}'])('a template or token sequence %s in any of them is refused in one line naming the field', (value) => {
    // GIVEN each string leaf of the new fields / WHEN it holds the sequence / THEN one ConfigError line names that field
    const outcomes = leaves.map((p) => [p.join('.'), refusal(withValue(p, `a${value}b`))]);
    expect(outcomes.filter(([field, message]) => !message.includes(`${field}: received `))).toEqual([]);
  });

  test.each(['a"b', 'a\\b', 'a\nb'])('a value %j that would end the HCL string inside jsonencode is refused in the container definitions\' strings', (value) => {
    const inside = leaves.filter((p) => /\.(command|environment|options)\./.test(p.join('.')));
    expect(inside.length).toBeGreaterThanOrEqual(6);
    const outcomes = inside.map((p) => [p.join('.'), refusal(withValue(p, value))]);
    expect(outcomes.filter(([field, message]) => !message.includes(`${field}: received `))).toEqual([]);
  });

  test.each([
    ['registry.repositoryName', 'x'.repeat(257), 'ECR names have at most 256 characters'],
  ])('%s of an impossible length is refused in one line', (field, value) => {
    // GIVEN a value AWS would refuse at apply time / WHEN defined / THEN refused now, naming the field
    expect(refusal(withValue(field.split('.'), value))).toMatch(new RegExp(`^invalid environment "dev": ${field.replace('.', '\\.')}: received "x{5}`));
  });
});
