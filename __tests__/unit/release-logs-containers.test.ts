import { loadEnvironment } from '../../environments';
import { allCalls, cli, dev, mockAws } from '../helpers/release-mocks';
import { variant } from '../helpers/stacks';

/**
 * `ecs-release logs` reads the awslogs streams `<service>/<container>/<task>` (issue 15). With sidecars and FireLens
 * (issue 11) a container may log elsewhere or not exist: the command would read an empty prefix and print nothing, as
 * if the service were silent. Configuration decides both, so they are refused in one line before any AWS call.
 */
const mocks = mockAws();
afterAll(() => mocks.restore());

const DIGEST = `sha256:${'a'.repeat(64)}`;
const routed = variant(dev, {
  services: {
    web: {
      logging: { driver: 'firelens', options: { Name: 'cloudwatch' } },
      dependsOn: [{ container: 'log-router', condition: 'START' }],
      sidecars: { 'log-router': { image: `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST}`, essential: false, firelens: { type: 'fluentbit' } } },
    },
  },
});
const withRouted = { loadEnvironment: (n: string) => (n === 'dev' ? routed : loadEnvironment(n)) };

describe('logs: containers whose lines are not in the service\'s awslogs streams', () => {
  test('GIVEN web logs through FireLens WHEN logs --service web THEN refused in one line naming the router to read instead, no AWS call', async () => {
    mocks.reset();
    const r = await cli(['logs', '--env', 'dev', '--service', 'web'], withRouted);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --container: received "app"; allowed: a container that logs through awslogs: "app" logs through FireLens (services.web.logging.driver), its lines go where the log router sends them; the router\'s own lines: --container log-router');
    expect(allCalls(mocks)).toEqual([]);
  });

  test('GIVEN a container the service does not have WHEN logs --container names it THEN refused in one line listing the service\'s containers, no AWS call', async () => {
    mocks.reset();
    const r = await cli(['logs', '--env', 'dev', '--service', 'web', '--container', 'ap'], withRouted);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --container: received "ap"; allowed: a container of service web: app, log-router');
    expect(allCalls(mocks)).toEqual([]);
  });

  test('GIVEN the router sidecar WHEN logs --container log-router THEN it is accepted (reaches AWS)', async () => {
    mocks.reset();
    const r = await cli(['logs', '--env', 'dev', '--service', 'web', '--container', 'log-router'], withRouted);
    expect(r.stderr).not.toContain('--container: received');
  });
});
