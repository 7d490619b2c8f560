import { defineEnvironment, loadEnvironment } from '../../environments';
import type { EnvironmentConfig, EnvironmentInput } from '../../environments/schema';
import { ReleaseError } from '../../src/release/errors';
import { groupExitCode } from '../../src/release/group';
import { refuseForKind, releaseGroups, resolveGroup, resolveService, selectServices } from '../../src/release/services';

/** dev as shipped: web, worker and nightly (scheduled), all in release group `app`; prod's web is blue/green. */
const dev = loadEnvironment('dev');
const prod = loadEnvironment('prod');
const threeServices = () => dev;

/** dev with its services replaced (validated like any environment file). */
function devWith(services: Record<string, unknown>): EnvironmentConfig {
  return defineEnvironment({ ...(structuredClone(dev) as unknown as EnvironmentInput), services } as EnvironmentInput);
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReleaseError);
    expect((e as ReleaseError).exitCode).toBe(2);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a refusal');
}

describe('service resolution (--service)', () => {
  it('GIVEN an environment with one service WHEN no --service is given THEN that service is chosen', () => {
    const { releaseGroup: _group, ...worker } = dev.services.worker;
    const env = devWith({ api: { ...worker, containerName: 'main' } });
    expect(resolveService(env, undefined)).toMatchObject({ name: 'api', kind: 'worker', containerName: 'main' });
  });

  it('GIVEN several services WHEN no --service is given THEN one line names the field and lists every service with its kind', () => {
    const message = refused(() => resolveService(threeServices(), undefined));
    expect(message).toBe('--service: received nothing; allowed: one of the services of environment "dev": web (web), worker (worker), nightly (scheduled) (it has 3; name one, or a release group with --group)');
  });

  it('GIVEN several services WHEN --service names an unknown one THEN it is refused listing the services', () => {
    expect(refused(() => resolveService(threeServices(), 'wrker'))).toMatch(/^--service: received "wrker"; allowed: one of the services of environment "dev": web \(web\), worker \(worker\)/);
  });

  it('GIVEN several services WHEN --service names one THEN its kind, container and strategy come from configuration', () => {
    const env = threeServices();
    expect(resolveService(env, 'worker')).toMatchObject({ name: 'worker', kind: 'worker', strategy: 'rolling', containerName: 'app', releaseGroup: 'app' });
    expect(resolveService(env, 'nightly')).toMatchObject({ kind: 'scheduled', strategy: 'scheduled', schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'UTC', enabled: true } });
    expect(resolveService(env, 'web')).toMatchObject({ kind: 'web', strategy: 'rolling', containerName: 'app' });
    expect(resolveService(prod, 'web')).toMatchObject({ kind: 'web', strategy: 'blue-green' });
  });
});

describe('release groups (--group)', () => {
  it('GIVEN services sharing releaseGroup app WHEN --group app THEN every member is selected in configuration order', () => {
    expect(resolveGroup(threeServices(), 'app').map((s) => s.name)).toEqual(['web', 'worker', 'nightly']);
    expect([...releaseGroups(threeServices()).keys()]).toEqual(['app']);
  });

  it('GIVEN an unknown group WHEN --group names it THEN it is refused listing the groups and their members', () => {
    expect(refused(() => resolveGroup(threeServices(), 'ap'))).toBe('--group: received "ap"; allowed: a release group of environment "dev": app (web, worker, nightly)');
  });

  it('GIVEN an environment without groups WHEN --group is given THEN the refusal says none is declared', () => {
    const { releaseGroup: _group, ...worker } = dev.services.worker;
    expect(refused(() => resolveGroup(devWith({ api: worker }), 'app'))).toMatch(/declares none \(services\.<name>\.releaseGroup\)$/);
  });

  it('GIVEN --service and --group together WHEN selecting THEN it is refused (which one was meant is a guess)', () => {
    expect(refused(() => selectServices(threeServices(), { service: 'web', group: 'app' }))).toMatch(/^--group: received "app"; allowed: either --service or --group, not both/);
  });

  it('GIVEN --service WHEN selecting THEN exactly that service is selected', () => {
    expect(selectServices(threeServices(), { service: 'nightly' }).map((s) => s.name)).toEqual(['nightly']);
  });
});

describe('commands refused for a kind', () => {
  const env = threeServices();
  it.each(['scale', 'restart', 'wait', 'exec', 'tasks'])('GIVEN a scheduled service WHEN %s THEN it is refused in one line', (command) => {
    expect(refused(() => refuseForKind(command, resolveService(env, 'nightly')))).toMatch(/^--service: received "nightly"; allowed: a web or worker service for `/);
  });

  it('GIVEN a rolling web or worker service WHEN approve THEN it is refused; a blue/green one is accepted', () => {
    expect(refused(() => refuseForKind('approve', resolveService(env, 'web')))).toMatch(/allowed: a blue\/green web service .*"web" is a web service that deploys rolling/);
    expect(refused(() => refuseForKind('approve', resolveService(env, 'worker')))).toMatch(/"worker" is a worker service that deploys rolling/);
    expect(() => refuseForKind('approve', resolveService(prod, 'web'))).not.toThrow();
  });

  it('GIVEN a worker WHEN scale, restart or wait THEN nothing is refused (no load balancer needed)', () => {
    for (const command of ['scale', 'restart', 'wait', 'deploy', 'rollback', 'status']) expect(() => refuseForKind(command, resolveService(env, 'worker'))).not.toThrow();
  });
});

describe('the exit code of a group command', () => {
  it('GIVEN every member succeeded WHEN combining THEN 0; GIVEN one failed, one timed out and one holds THEN the failure wins', () => {
    expect(groupExitCode([0, 0, 0])).toBe(0);
    expect(groupExitCode([0, 5, 4, 1])).toBe(1);
    expect(groupExitCode([0, 5, 4])).toBe(4);
    expect(groupExitCode([0, 5])).toBe(5);
    expect(groupExitCode([130, 4])).toBe(130);
  });
});
