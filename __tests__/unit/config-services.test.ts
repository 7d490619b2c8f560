import { ConfigError, defineEnvironment } from '../../environments/schema';
import { serviceNames, resourceNames } from '../../environments/names';
import { BAND_SIZE, listenerRulePriorities, listenerRulePriority, PRIORITY_BANDS, specificity } from '../../environments/schema/routing';
import { dev, prod, variant } from '../helpers/stacks';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const ROUTER = { image: `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST}`, essential: false, firelens: { type: 'fluentbit' } };
const api = (routing: Record<string, unknown>) => ({ kind: 'web', cpu: 256, memoryMiB: 512, containerPort: 8080, bootstrapImage: 'public.ecr.aws/nginx/nginx:1.27-alpine', desiredCount: 1, routing });

/** Each case: a patch on a valid environment and what the one-line error must name. */
const BAD_SERVICES: { title: string; base?: 'dev' | 'prod'; patch: Record<string, unknown>; field: string; received: string; allowed: string }[] = [
  { title: 'a service name with capitals', patch: { services: { Api: api({ paths: ['/api/*'] }) } }, field: 'services.Api', received: '"Api"', allowed: 'lowercase letters' },
  { title: 'an unknown kind', patch: { services: { job: { kind: 'cron' } } }, field: 'services.job.kind', received: '"cron"', allowed: "'web' | 'worker' | 'scheduled'" },
  { title: 'a port on a worker', patch: { services: { worker: { containerPort: 8080 } } }, field: 'services.worker.containerPort', received: '8080', allowed: 'documented fields' },
  { title: 'a desired count on a scheduled task', patch: { services: { nightly: { desiredCount: 1 } } }, field: 'services.nightly.desiredCount', received: '1', allowed: 'documented fields' },
  { title: 'a schedule that is no expression', patch: { services: { nightly: { schedule: 'every night' } } }, field: 'services.nightly.schedule', received: '"every night"', allowed: 'cron(...), rate(N unit)' },
  { title: 'a cron expression with a line break inside (EventBridge refuses it only at apply)', patch: { services: { nightly: { schedule: 'cron(0 3 * * ? *\n)' } } }, field: 'services.nightly.schedule', received: '"cron(0 3 * * ? *\\n)"', allowed: 'cron(...), rate(N unit)' },
  { title: 'a time zone longer than any IANA name', patch: { services: { nightly: { timezone: `Europe/${'a'.repeat(80)}` } } }, field: 'services.nightly.timezone', received: '"Europe/aaaa', allowed: 'an IANA time zone' },
  { title: 'a worker memory AWS rejects for its CPU', patch: { services: { worker: { memoryMiB: 4096 } } }, field: 'services.worker.memoryMiB', received: '4096', allowed: 'for cpu 256' },
  { title: 'a sidecar image not pinned by digest', patch: { services: { web: { sidecars: { agent: { image: 'public.ecr.aws/datadog/agent:7' } } } } }, field: 'services.web.sidecars.agent.image', received: 'agent:7', allowed: 'pinned by digest' },
  { title: 'a sidecar named like the application container', patch: { services: { web: { sidecars: { app: { image: ROUTER.image } } } } }, field: 'services.web.sidecars.app', received: '"app"', allowed: "other than the application container's" },
  { title: 'a dependency on a container the task lacks', patch: { services: { web: { dependsOn: [{ container: 'envoy', condition: 'START' }] } } }, field: 'services.web.dependsOn.0.container', received: '"envoy"', allowed: 'another container of this task' },
  {
    title: 'a start-order cycle',
    patch: { services: { web: { dependsOn: [{ container: 'agent', condition: 'START' }], sidecars: { agent: { image: ROUTER.image, dependsOn: [{ container: 'app', condition: 'START' }] } } } } },
    field: 'services.web.dependsOn', received: '["agent","app","agent"]', allowed: 'without a cycle',
  },
  { title: 'HEALTHY on a container without a health check', patch: { services: { web: { dependsOn: [{ container: 'agent', condition: 'HEALTHY' }], sidecars: { agent: { image: ROUTER.image } } } } }, field: 'services.web.dependsOn.0.condition', received: '"HEALTHY"', allowed: 'has no healthCheck' },
  { title: 'firelens logging without a log router', patch: { services: { web: { logging: { driver: 'firelens', options: { Name: 'cloudwatch' } } } } }, field: 'services.web.logging.driver', received: '"firelens"', allowed: 'one sidecar declaring firelens' },
  { title: 'two log routers in one task', patch: { services: { web: { sidecars: { a: ROUTER, b: ROUTER } } } }, field: 'services.web.sidecars.b.firelens', received: 'fluentbit', allowed: 'a is already' },
  { title: 'a release group with two images', patch: { services: { worker: { bootstrapImage: 'public.ecr.aws/nginx/nginx:1.28-alpine' } } }, field: 'services.worker.bootstrapImage', received: '1.28', allowed: 'release group "app" shares one image' },
  { title: 'a deploying repository not in ci.appRepositories', patch: { services: { worker: { deployedBy: ['example-org/other'] } } }, field: 'services.worker.deployedBy.0', received: '"example-org/other"', allowed: 'one of ci.appRepositories (example-org/webapp)' },
  { title: 'two web services on the same host and path', patch: { services: { api: api({}) } }, field: 'services.api.routing', received: '{"hosts":[],"paths":[]}', allowed: 'not already routed to services.web (* /*)' },
  { title: 'a second blue/green web service', base: 'prod', patch: { services: { api: { ...api({}), deployment: { strategy: 'blue-green' } } } }, field: 'services.api.deployment.strategy', received: '"blue-green"', allowed: 'services.web is already blue/green' },
  { title: 'routing on the blue/green service', base: 'prod', patch: { services: { web: { routing: { paths: ['/app/*'] } } } }, field: 'services.web.routing', received: '/app/*', allowed: 'unset for a blue/green service' },
  { title: 'a rolling catch-all beside the blue/green service', base: 'prod', patch: { services: { api: { ...api({}), desiredCount: 1 } } }, field: 'services.api.routing', received: '{"hosts":[],"paths":[]}', allowed: 'shadow services.web' },
  { title: 'two services on one listener priority', patch: { services: { api: api({ paths: ['/api/*'], priority: 7 }), web: { routing: { priority: 7 } } } }, field: 'services.api.routing.priority', received: '7', allowed: "other than services.web's (7)" },
  {
    title: 'two services whose target groups are equal once cut to 32 characters',
    patch: { project: 'webapp-with-a-long-name', services: { 'frontend-public-a': api({ paths: ['/a/*'] }), 'frontend-public-b': api({ paths: ['/b/*'] }) } },
    field: 'services.frontend-public-b', received: '"frontend-public-b"', allowed: 'its target group and services.frontend-public-a\'s target group would both be "webapp-with-a-long-name-dev-fr"',
  },
  { title: 'a sidecar secret of another account', patch: { services: { web: { sidecars: { agent: { image: ROUTER.image, secrets: { KEY: 'arn:aws:ssm:eu-west-1:999999999999:parameter/k' } } } } } }, field: 'services.web.sidecars.agent.secrets.KEY', received: '999999999999', allowed: 'a secret of account 111111111111' },
  { title: 'a sidecar reserving the whole task CPU', patch: { services: { web: { sidecars: { agent: { image: ROUTER.image, cpu: 256 } } } } }, field: 'services.web.sidecars', received: '256', allowed: "less CPU than the task's 256 units" },
  { title: 'a worker in prod dropping below capacity', base: 'prod', patch: { services: { worker: { deployment: { minimumHealthyPercent: 50 } } } }, field: 'services.worker.deployment.minimumHealthyPercent', received: '50', allowed: '100 in production' },
  { title: 'a scheduled task with version consistency off in prod', base: 'prod', patch: { services: { nightly: { versionConsistency: 'disabled' } } }, field: 'services.nightly.versionConsistency', received: '"disabled"', allowed: "'enabled' in production" },
  { title: 'a worker command with a quote (inside the container definitions expression)', patch: { services: { worker: { command: ['node', 'a"b'] } } }, field: 'services.worker.command.1', received: 'a\\"b', allowed: 'without double quotes' },
];

describe('services in configuration', () => {
  test('dev and prod declare a web service, a worker from the same image and a nightly scheduled task', () => {
    // GIVEN the shipped environments / WHEN loaded / THEN each has the three kinds in one release group
    for (const env of [dev, prod]) {
      expect(Object.fromEntries(Object.entries(env.services).map(([n, s]) => [n, s.kind]))).toEqual({ web: 'web', worker: 'worker', nightly: 'scheduled' });
      expect(new Set(Object.values(env.services).map((s) => s.releaseGroup))).toEqual(new Set(['app']));
      expect(new Set(Object.values(env.services).map((s) => s.bootstrapImage)).size).toBe(1);
    }
  });

  test.each(BAD_SERVICES)('refuses $title in one line', (c) => {
    const base = c.base === 'prod' ? prod : dev;
    let error: unknown;
    try {
      variant(base, c.patch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`invalid environment "${base.name}": ${c.field}: received `);
    expect(message.split('; allowed: ')[0]).toContain(c.received);
    expect(message.split('; allowed: ')[1]).toContain(c.allowed);
  });

  test('an environment without services is refused in one line', () => {
    // GIVEN dev with an empty services map / WHEN validated / THEN the one line names services
    expect(() => defineEnvironment({ ...structuredClone(dev), services: {} })).toThrow('invalid environment "dev": services: received {}; allowed: at least one service');
  });

  test('a sidecar pinned by digest, a firelens log router and start order are accepted with their defaults', () => {
    // GIVEN web with a non-essential log router it waits for / WHEN validated / THEN defaults fill the sidecar
    const env = variant(dev, { services: { web: { logging: { driver: 'firelens', options: { Name: 'cloudwatch' } }, dependsOn: [{ container: 'log-router', condition: 'START' }], sidecars: { 'log-router': ROUTER } } } });
    const sidecar = env.services.web.sidecars['log-router'];
    expect(sidecar).toEqual({ ...ROUTER, cpu: 0, environment: {}, secrets: {}, portMappings: [], dependsOn: [], readonlyRootFilesystem: true });
  });

  test("today's web service keeps every physical name (state continuity)", () => {
    // GIVEN the names the single-service layout used / WHEN the services map names web / THEN they are unchanged
    const n = serviceNames(prod, 'web');
    expect(n).toMatchObject({
      service: 'web', family: 'webapp-prod-web', container: 'app', logGroup: '/ecs/webapp-prod/web',
      releaseParameter: '/webapp/prod/web/release-image', descriptorParameter: '/webapp/prod/web/descriptor',
      executionRole: 'webapp-prod-web-execution', taskRole: 'webapp-prod-web-task', targetGroup: 'webapp-prod-web', greenTargetGroup: 'webapp-prod-web-g',
      codedeployApplication: 'webapp-prod-web', codedeployGroup: 'webapp-prod-web', codedeployRole: 'webapp-prod-web-codedeploy', alarmPrefix: 'webapp-prod-web',
    });
    expect(resourceNames(prod)).toMatchObject({ cluster: 'webapp-prod', loadBalancer: 'webapp-prod', deployRole: 'webapp-prod-ci-deploy' });
    expect(() => serviceNames(prod, 'nope')).toThrow('allowed: one of web, worker, nightly');
  });
});

describe('listener-rule priorities', () => {
  const routes = {
    web: { hosts: [], paths: [] },
    api: { hosts: [], paths: ['/api/*'] },
    admin: { hosts: ['admin.example.com'], paths: [] },
    'admin-api': { hosts: ['admin.example.com'], paths: ['/api/*'] },
  };

  test('more specific routing is evaluated first: host+path < host < path < catch-all', () => {
    const p = listenerRulePriorities(routes);
    expect(p['admin-api']).toBeLessThan(p.admin);
    expect(p.admin).toBeLessThan(p.api);
    expect(p.api).toBeLessThan(p.web);
    for (const [name, r] of Object.entries(routes)) {
      const band = PRIORITY_BANDS[specificity(r)];
      expect(p[name]).toBeGreaterThanOrEqual(band);
      expect(p[name]).toBeLessThan(band + BAND_SIZE);
      expect(p[name]).toBeLessThanOrEqual(50000);
    }
  });

  test('adding or removing a service moves no other service\'s priority; routing.priority overrides', () => {
    const before = listenerRulePriorities(routes);
    const { api: _removed, ...fewer } = routes;
    const after = listenerRulePriorities({ ...fewer, reports: { hosts: [], paths: ['/reports/*'] } });
    for (const name of Object.keys(fewer)) expect(after[name]).toBe(before[name]);
    expect(listenerRulePriority('web', { hosts: [], paths: [], priority: 42 })).toBe(42);
  });

  test('the stack configuration refuses nothing for distinct routes and allocates distinct priorities', () => {
    const env = variant(dev, { services: { api: api({ paths: ['/api/*'] }), admin: api({ hosts: ['admin.example.com'] }) } });
    expect(Object.keys(env.services)).toEqual(['web', 'worker', 'nightly', 'api', 'admin']);
  });
});
