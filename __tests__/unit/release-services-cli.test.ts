import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Deployment,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEnvironment } from '../../environments';
import type { EnvironmentInput } from '../../environments/schema';
import { serviceResourceNames } from '../../src/release/services';
import { ACCOUNT, DIGEST, REPO, cli, descriptor, dev, mockAws, revision, writeCalls } from '../helpers/release-mocks';

/**
 * dev's three services as ECS and SSM would show them: `web` (rolling, behind the load balancer), `worker` (rolling,
 * no load balancer) and `nightly` (scheduled: no ECS service, its schedule runs the family's latest revision), all in
 * release group `app`. Each runs revision 7 of its own family; Terraform's revision is 5.
 */
const mocks = mockAws();
afterAll(() => mocks.restore());

type Name = 'web' | 'worker' | 'nightly';
const SERVICES: Name[] = ['web', 'worker', 'nightly'];
const KIND: Record<Name, 'web' | 'worker' | 'scheduled'> = { web: 'web', worker: 'worker', nightly: 'scheduled' };
const n = (s: Name) => serviceResourceNames(dev, { name: s });
const ARN = (s: Name, rev: number) => `arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/${n(s).family}:${rev}`;
const TERRAFORM = 5;
const RUNNING = 7;
const NEW = 8;
const TAG = 'abc1234';
const runningImage = `${REPO}@${DIGEST(2)}`;
const newImage = `${REPO}@${DIGEST(3)}`;
const OLD_SIDECAR = `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST(5)}`;
const NEW_SIDECAR = `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST(6)}`;
const OWNED = [{ key: 'ecs-coexist:owner', value: 'ecs-release' }];
const DEPLOYED = [...OWNED, { key: 'ecs-release:deployed-at', value: '2026-01-01T00:00:00.000Z' }];
const TF_TAGS = [{ key: 'ecs-coexist:owner', value: 'terraform' }];

/** A revision of service `s`: its own family, its app container, and (when given) a log-router sidecar. */
function td(s: Name, rev: number, image: string, sidecarImage?: string): TaskDefinition {
  const base = revision(rev, image);
  const app = { ...base.containerDefinitions![0], name: n(s).container, ...(KIND[s] === 'web' ? {} : { portMappings: [] }) };
  const sidecars = sidecarImage ? [{ name: 'log-router', image: sidecarImage, essential: false, firelensConfiguration: { type: 'fluentbit' as const } }] : [];
  return { ...base, taskDefinitionArn: ARN(s, rev), family: n(s).family, containerDefinitions: [app, ...sidecars] };
}

function descriptorOf(s: Name) {
  return {
    ...descriptor,
    service: n(s).service,
    container: n(s).container,
    family: n(s).family,
    taskDefinitionArn: ARN(s, TERRAFORM),
    releaseParameter: n(s).releaseParameter,
    kind: KIND[s],
    releaseGroup: 'app',
    sidecars: [],
    ...(s === 'nightly' ? { schedule: { name: n(s).scheduleName, groupName: 'webapp-dev' } } : {}),
  };
}

function dep(s: Name, id: string, rev: number, state: Deployment['rolloutState'], status = 'PRIMARY', extra: Partial<Deployment> = {}): Deployment {
  return { id, status, taskDefinition: ARN(s, rev), rolloutState: state, desiredCount: 1, runningCount: state === 'COMPLETED' ? 1 : 0, pendingCount: 0, failedTasks: 0, createdAt: new Date('2026-01-02T00:00:00Z'), ...extra };
}

function svc(s: Name, rev: number, deployments: Deployment[]): Service {
  return {
    serviceName: n(s).service,
    status: 'ACTIVE',
    taskDefinition: ARN(s, rev),
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-tasks'], assignPublicIp: 'DISABLED' } },
    deployments,
    events: [],
  };
}

interface World {
  /** Revisions by ARN (Terraform's, the running one, older ones). */
  revisions: Map<string, { taskDefinition: TaskDefinition; tags: { key: string; value: string }[] }>;
  /** What DescribeServices answers per service, in order (the last one repeats). */
  polls: Partial<Record<Name, Service[]>>;
  /** The family's latest ACTIVE revision (what a schedule runs). */
  latest: Partial<Record<Name, number>>;
}

/** GIVEN dev as described above; `change` adjusts the world before the mocks answer from it. */
function given(change: (w: World) => void = () => undefined): World {
  mocks.reset();
  const w: World = { revisions: new Map(), polls: {}, latest: { nightly: RUNNING } };
  for (const s of SERVICES) {
    w.revisions.set(ARN(s, TERRAFORM), { taskDefinition: td(s, TERRAFORM, runningImage), tags: TF_TAGS });
    w.revisions.set(ARN(s, RUNNING), { taskDefinition: td(s, RUNNING, runningImage), tags: DEPLOYED });
    if (s !== 'nightly') w.polls[s] = [svc(s, RUNNING, [dep(s, `ecs-svc/${s}-old`, RUNNING, 'COMPLETED')]), svc(s, NEW, [dep(s, `ecs-svc/${s}-new`, NEW, 'COMPLETED')])];
  }
  change(w);
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/ecs-release-dev` });
  mocks.ssm.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
    const s = SERVICES.find((x) => n(x).descriptorParameter === input.Name || n(x).releaseParameter === input.Name);
    if (!s) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    return { Parameter: { Value: input.Name === n(s).descriptorParameter ? JSON.stringify(descriptorOf(s)) : runningImage } };
  });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: [TAG] }] });
  mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => {
    const ref = input.taskDefinition;
    const family = SERVICES.find((s) => n(s).family === ref);
    const arn = family ? ARN(family, w.latest[family] ?? RUNNING) : ref.startsWith('arn:') ? ref : `arn:aws:ecs:${dev.region}:${ACCOUNT}:task-definition/${ref}`;
    const found = w.revisions.get(arn);
    if (!found) throw Object.assign(new Error(`no ${ref}`), { name: 'ClientException' });
    return found;
  });
  mocks.ecs.on(RegisterTaskDefinitionCommand).callsFake(async (input: RegisterTaskDefinitionCommandInput) => {
    const s = SERVICES.find((x) => n(x).family === input.family)!;
    const rev = Math.max(NEW, (w.latest[s] ?? RUNNING) + 1);
    w.latest[s] = rev;
    return { taskDefinition: { taskDefinitionArn: ARN(s, rev) } };
  });
  const seen: Partial<Record<Name, number>> = {};
  mocks.ecs.on(DescribeServicesCommand).callsFake(async (input: { services: string[] }) => {
    const s = input.services[0] as Name;
    const list = w.polls[s] ?? [];
    const i = Math.min(seen[s] ?? 0, list.length - 1);
    seen[s] = (seen[s] ?? 0) + 1;
    return list.length === 0 ? { services: [], failures: [{ reason: 'MISSING' }] } : { services: [list[i]] };
  });
  mocks.ecs.on(UpdateServiceCommand).callsFake(async (input: { service: Name }) => {
    const s = input.service;
    return { service: svc(s, NEW, [dep(s, `ecs-svc/${s}-new`, NEW, 'IN_PROGRESS'), dep(s, `ecs-svc/${s}-old`, RUNNING, 'COMPLETED', 'ACTIVE')]) };
  });
  mocks.ecs.on(TagResourceCommand).resolves({});
  return w;
}

const calls = (command: { name: string }) => mocks.ecs.calls().filter((c) => (c.args[0] as { constructor: { name: string } }).constructor.name === command.name).map((c) => (c.args[0] as { input: Record<string, any> }).input);
const pointerWrites = () => mocks.ssm.commandCalls(PutParameterCommand).map((c) => [c.args[0].input.Name, c.args[0].input.Value]);

describe('deploy --group: one image to every service of a release group', () => {
  test('GIVEN web, worker and nightly in group app WHEN deploy --group app THEN the services are updated, the scheduled one gets its revision, every pointer is written and --json reports each', async () => {
    given();
    const r = await cli(['deploy', '--env', 'dev', '--group', 'app', '--image', `${REPO}:${TAG}`, '--commit', TAG, '--json']);
    expect(r.code).toBe(0);
    // Three revisions, each from its own Terraform revision with only the app image changed
    expect(calls(RegisterTaskDefinitionCommand).map((i) => [i.family, i.containerDefinitions[0].image])).toEqual(SERVICES.map((s) => [n(s).family, newImage]));
    // Only the long-running services are updated: a scheduled service has no ECS service
    expect(calls(UpdateServiceCommand).map((i) => [i.service, i.taskDefinition])).toEqual([
      ['web', ARN('web', NEW)],
      ['worker', ARN('worker', NEW)],
    ]);
    expect(pointerWrites().sort()).toEqual(SERVICES.map((s) => [n(s).releaseParameter, newImage]).sort());
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'deploy', group: 'app', outcome: 'completed', exitCode: 0 });
    expect(doc.services.map((d: Record<string, unknown>) => [d.service, d.kind, d.outcome, d.image])).toEqual([
      ['web', 'web', 'completed', newImage],
      ['worker', 'worker', 'completed', newImage],
      ['nightly', 'scheduled', 'registered', newImage],
    ]);
    // The members ship at once: each of their lines names the service
    expect(r.stderr).toContain('worker: registered webapp-dev-worker:8');
    expect(r.stderr).toContain('nightly: webapp-dev-nightly:8 registered: the next run of webapp-dev-nightly (cron(0 3 * * ? *)) starts');
  });

  test('GIVEN the worker\'s new tasks fail WHEN deploy --group app THEN exit 1, and the one line says the worker rolled back while web completed and nightly is registered', async () => {
    given((w) => {
      w.polls.worker = [
        svc('worker', RUNNING, [dep('worker', 'ecs-svc/worker-old', RUNNING, 'COMPLETED')]),
        svc('worker', RUNNING, [dep('worker', 'ecs-svc/worker-rb', RUNNING, 'IN_PROGRESS'), dep('worker', 'ecs-svc/worker-new', NEW, 'FAILED', 'ACTIVE', { rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' })]),
      ];
    });
    const r = await cli(['deploy', '--env', 'dev', '--group', 'app', '--image', `${REPO}:${TAG}`, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.outcome).toBe('partial');
    expect(doc.services.map((d: Record<string, unknown>) => [d.service, d.outcome])).toEqual([
      ['web', 'completed'],
      ['worker', 'rolled-back'],
      ['nightly', 'registered'],
    ]);
    const summary = r.stderr.split('\n').find((l) => l.includes('did not succeed'));
    expect(summary).toMatch(/^ecs-release: deploy to group app: 1 of 3 service\(s\) did not succeed; web: completed \(webapp-dev-web:8\); worker: rolled-back \(webapp-dev-worker:8\): .+; nightly: registered \(webapp-dev-nightly:8\)$/);
    // The worker's pointer goes back to the image it runs again; the others keep the new one
    expect(pointerWrites()).toContainEqual([n('worker').releaseParameter, runningImage]);
  });

  test('GIVEN a deployment of the worker still rolling out WHEN deploy --group app THEN refused before any write to any service', async () => {
    given((w) => {
      w.polls.worker = [svc('worker', RUNNING, [dep('worker', 'ecs-svc/w2', RUNNING, 'IN_PROGRESS')])];
    });
    const r = await cli(['deploy', '--env', 'dev', '--group', 'app', '--image', `${REPO}:${TAG}`]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^ecs-release: deployment in progress: ecs-svc\/w2 \(IN_PROGRESS, webapp-dev-worker:7/);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('status --group and promote --group --from-status: the handoff between two accounts\' jobs', () => {
  test('GIVEN group app WHEN status --group app --json THEN one status document per member, read-only', async () => {
    given();
    const r = await cli(['status', '--env', 'dev', '--group', 'app', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'status', environment: 'dev', group: 'app' });
    expect(doc.services.map((d: Record<string, unknown>) => [d.service, d.kind, d.runningRevision, d.digest])).toEqual([
      ['webapp-dev/web', 'web', ARN('web', RUNNING), DIGEST(2)],
      ['webapp-dev/worker', 'worker', ARN('worker', RUNNING), DIGEST(2)],
      ['nightly', 'scheduled', ARN('nightly', RUNNING), DIGEST(2)],
    ]);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN a group status file without one member WHEN promote --group app --from-status THEN refused naming the member, nothing written', async () => {
    given();
    const status = JSON.parse((await cli(['status', '--env', 'dev', '--group', 'app', '--json'])).stdout);
    const dir = mkdtempSync(join(tmpdir(), 'status-'));
    const file = join(dir, 'dev-status.json');
    writeFileSync(file, JSON.stringify({ ...status, services: status.services.filter((d: { kind: string }) => d.kind !== 'worker') }));
    mocks.reset();
    const r = await cli(['promote', '--from', 'dev', '--to', 'prod', '--group', 'app', '--from-status', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`ecs-release: --from-status: received "${file}: webapp-dev/web, nightly"; allowed: a status of service worker of dev (\`ecs-release status --env dev --service worker --json\`, or --group)`);
    // Decided from the file and configuration: not even STS was called
    expect(mocks.sts.calls()).toHaveLength(0);
    expect(writeCalls(mocks)).toEqual([]);
  });
  test('GIVEN an unreadable status file WHEN promote --service worker --from-status THEN the advice names the status command that writes it, --service included', async () => {
    given();
    const file = join(mkdtempSync(join(tmpdir(), 'status-')), 'missing.json');
    const r = await cli(['promote', '--from', 'dev', '--to', 'prod', '--service', 'worker', '--from-status', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toContain('a readable JSON file written by `ecs-release status --env dev --service worker --json`');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN a file that is no status document WHEN promote --group app --from-status THEN the advice names status --group app', async () => {
    given();
    const file = join(mkdtempSync(join(tmpdir(), 'status-')), 'other.json');
    writeFileSync(file, JSON.stringify({ command: 'deploy' }));
    const r = await cli(['promote', '--from', 'dev', '--to', 'prod', '--group', 'app', '--from-status', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toContain('the JSON of `ecs-release status --env dev --group app --json`');
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('an environment with one service needs no --service', () => {
  test('GIVEN dev configured with web alone WHEN deploy without --service THEN web is deployed', async () => {
    given();
    const oneService = defineEnvironment({ ...(structuredClone(dev) as unknown as EnvironmentInput), services: { web: dev.services.web } } as EnvironmentInput);
    const r = await cli(['deploy', '--env', 'dev', '--image', `${REPO}:${TAG}`], { loadEnvironment: () => oneService });
    expect(r.code).toBe(0);
    expect(calls(UpdateServiceCommand).map((i) => [i.service, i.taskDefinition])).toEqual([['web', ARN('web', NEW)]]);
    // and the messages suggest commands without --service, which run as printed there
    expect(r.stdout + r.stderr).not.toContain('--service');
  });
});

describe('releases change only the application container', () => {
  /** Terraform's revision declares the new sidecar image (a configuration change); the running one still has the old. */
  const sidecarChanged = (w: World) => {
    w.revisions.set(ARN('web', TERRAFORM), { taskDefinition: td('web', TERRAFORM, `${REPO}@${DIGEST(1)}`, NEW_SIDECAR), tags: TF_TAGS });
    w.revisions.set(ARN('web', RUNNING), { taskDefinition: td('web', RUNNING, runningImage, OLD_SIDECAR), tags: DEPLOYED });
    w.revisions.set(ARN('web', 4), { taskDefinition: td('web', 4, `${REPO}@${DIGEST(4)}`, OLD_SIDECAR), tags: DEPLOYED });
    w.polls.web = [svc('web', RUNNING, [dep('web', 'ecs-svc/web-old', RUNNING, 'COMPLETED')]), svc('web', NEW, [dep('web', 'ecs-svc/web-new', NEW, 'COMPLETED')])];
  };
  const registered = () => calls(RegisterTaskDefinitionCommand).map((i) => Object.fromEntries((i.containerDefinitions as { name: string; image: string }[]).map((c) => [c.name, c.image])));

  test('GIVEN a sidecar image changed in configuration WHEN deploy THEN the new revision has the released app image and Terraform\'s sidecar, never the running one\'s', async () => {
    given(sidecarChanged);
    const r = await cli(['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:${TAG}`]);
    expect(r.code).toBe(0);
    expect(registered()).toEqual([{ app: newImage, 'log-router': NEW_SIDECAR }]);
  });

  test('GIVEN a sidecar image changed in configuration WHEN rollout THEN the sidecar change reaches the service with the app\'s deployed image kept', async () => {
    given(sidecarChanged);
    const r = await cli(['rollout', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    // Terraform's revision carries an older app image (its pointer at apply time): the running app image is kept
    expect(registered()).toEqual([{ app: runningImage, 'log-router': NEW_SIDECAR }]);
  });

  test('GIVEN the previous revision has an older sidecar WHEN rollback THEN it registers Terraform\'s revision with the previous app image instead of shipping the old sidecar', async () => {
    given((w) => {
      sidecarChanged(w);
      mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [ARN('web', RUNNING), ARN('web', TERRAFORM), ARN('web', 4)] });
    });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [ARN('web', RUNNING), ARN('web', TERRAFORM), ARN('web', 4)] });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    expect(registered()).toEqual([{ app: `${REPO}@${DIGEST(4)}`, 'log-router': NEW_SIDECAR }]);
    expect(calls(UpdateServiceCommand).map((i) => i.taskDefinition)).toEqual([ARN('web', NEW)]);
    expect(calls(UpdateServiceCommand).map((i) => i.taskDefinition)).not.toContain(ARN('web', 4));
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'rollback', rolledBackTo: ARN('web', 4), sidecarDifferences: [{ container: 'log-router', shipped: OLD_SIDECAR, configured: NEW_SIDECAR }] });
    expect(r.stdout + r.stderr).toContain('registering Terraform\'s revision with the earlier application image instead');
  });

  test('GIVEN the previous revision has the sidecars Terraform declares WHEN rollback THEN it is shipped as it is (no new revision)', async () => {
    given((w) => {
      w.revisions.set(ARN('web', 4), { taskDefinition: td('web', 4, `${REPO}@${DIGEST(4)}`), tags: DEPLOYED });
    });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [ARN('web', RUNNING), ARN('web', TERRAFORM), ARN('web', 4)] });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(calls(RegisterTaskDefinitionCommand)).toEqual([]);
    expect(calls(UpdateServiceCommand).map((i) => i.taskDefinition)).toEqual([ARN('web', 4)]);
  });
});

describe('rollout --all: the apply workflow ships Terraform\'s settings to every service', () => {
  test('GIVEN only the worker\'s Terraform revision changed WHEN rollout --all THEN the worker alone gets a revision with its running image; web and nightly write nothing', async () => {
    given((w) => {
      w.revisions.set(ARN('worker', TERRAFORM), { taskDefinition: { ...td('worker', TERRAFORM, `${REPO}@${DIGEST(1)}`), memory: '1024' }, tags: TF_TAGS });
      // web and nightly already run Terraform's settings
      w.revisions.set(ARN('web', RUNNING), { taskDefinition: td('web', RUNNING, runningImage), tags: DEPLOYED });
    });
    const r = await cli(['rollout', '--env', 'dev', '--all', '--json']);
    expect(r.code).toBe(0);
    expect(calls(RegisterTaskDefinitionCommand).map((i) => [i.family, i.memory, i.containerDefinitions[0].image])).toEqual([[n('worker').family, '1024', runningImage]]);
    expect(calls(UpdateServiceCommand).map((i) => i.service)).toEqual(['worker']);
    expect(JSON.parse(r.stdout).services.map((d: Record<string, unknown>) => [d.service, d.outcome])).toEqual([
      ['web', 'unchanged'],
      ['worker', 'completed'],
      ['nightly', 'unchanged'],
    ]);
  });

  test('GIVEN --all with --service WHEN rollout THEN refused in one line before any call', async () => {
    given();
    const r = await cli(['rollout', '--env', 'dev', '--all', '--service', 'web']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --all: received true; allowed: alone: not with --service (--all is every service)');
    expect(mocks.sts.calls()).toHaveLength(0);
  });
});

describe('kinds: a worker without load balancer, a scheduled job without ECS service', () => {
  test('GIVEN the worker WHEN deploy --service worker THEN it rolls like web, with no load-balancer mapping sent', async () => {
    given();
    const r = await cli(['deploy', '--env', 'dev', '--service', 'worker', '--image', `${REPO}:${TAG}`]);
    expect(r.code).toBe(0);
    expect(calls(UpdateServiceCommand)).toEqual([{ cluster: 'webapp-dev', service: 'worker', taskDefinition: ARN('worker', NEW), forceNewDeployment: true }]);
  });

  test('GIVEN web\'s descriptor names its load-balancer mapping WHEN deploy --service web THEN UpdateService sends it with the revision (a port change moves with the revision listening on it)', async () => {
    given();
    const loadBalancer = { targetGroupArn: `arn:aws:elasticloadbalancing:${dev.region}:${ACCOUNT}:targetgroup/webapp-dev-web/0123`, containerName: 'app', containerPort: 9090 };
    mocks.ssm.on(GetParameterCommand, { Name: n('web').descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify({ ...descriptorOf('web'), loadBalancer }) } });
    const r = await cli(['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:${TAG}`]);
    expect(r.code).toBe(0);
    expect(calls(UpdateServiceCommand)).toEqual([{ cluster: 'webapp-dev', service: 'web', taskDefinition: ARN('web', NEW), forceNewDeployment: true, loadBalancers: [loadBalancer] }]);
  });

  test('GIVEN nightly WHEN deploy --service nightly THEN its revision is registered, tagged deployed and the pointer written; no ECS service is described or updated', async () => {
    given();
    const r = await cli(['deploy', '--env', 'dev', '--service', 'nightly', '--image', `${REPO}:${TAG}`, '--json']);
    expect(r.code).toBe(0);
    expect(calls(DescribeServicesCommand)).toEqual([]);
    expect(calls(UpdateServiceCommand)).toEqual([]);
    expect(calls(RegisterTaskDefinitionCommand).map((i) => [i.family, i.containerDefinitions[0].image])).toEqual([[n('nightly').family, newImage]]);
    expect(calls(TagResourceCommand).map((i) => [i.resourceArn, i.tags[0].key])).toEqual([[ARN('nightly', NEW), 'ecs-release:deployed-at']]);
    expect(pointerWrites()).toEqual([[n('nightly').releaseParameter, newImage]]);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'scheduled', outcome: 'registered', revision: ARN('nightly', NEW), schedule: { name: n('nightly').scheduleName, expression: 'cron(0 3 * * ? *)' } });
  });

  test('GIVEN nightly WHEN status --service nightly THEN it shows the schedule and the revision its next run starts', async () => {
    given((w) => {
      w.latest.nightly = NEW;
      w.revisions.set(ARN('nightly', NEW), { taskDefinition: td('nightly', NEW, newImage), tags: DEPLOYED });
    });
    const r = await cli(['status', '--env', 'dev', '--service', 'nightly', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ kind: 'scheduled', runningRevision: ARN('nightly', NEW), image: newImage, digest: DIGEST(3), schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'UTC', enabled: true } });
    expect(r.stderr).toContain(`next run:  webapp-dev-nightly:${NEW}  ${newImage}`);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN nightly\'s next-run revision uses its execution role as task role WHEN status --service nightly THEN a warning comes first, the JSON lists it, and the suggested rollout names --service once', async () => {
    // GIVEN the deploy identity registered a nightly revision whose task role is the execution role (IAM cannot refuse it)
    given((w) => {
      const drifted = td('nightly', NEW, newImage);
      w.latest.nightly = NEW;
      w.revisions.set(ARN('nightly', NEW), { taskDefinition: { ...drifted, taskRoleArn: drifted.executionRoleArn }, tags: DEPLOYED });
    });
    // WHEN status reads it
    const r = await cli(['status', '--env', 'dev', '--service', 'nightly', '--json']);
    // THEN the finding is said as a warning (as for a long-running service), and the command it suggests runs as typed
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.identityFindings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'roles', message: expect.stringContaining('uses the execution role as its task role') })]));
    expect(doc.summary).toMatch(/^Warning: changed outside Terraform in ways IAM cannot prevent/);
    expect(doc.summary).toContain('`ecs-release rollout --env dev --service nightly`');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('GIVEN nightly WHEN run --service nightly without a command THEN the revision its schedule runs starts with its own command, in the descriptor\'s network', async () => {
    given((w) => {
      w.latest.nightly = NEW;
      w.revisions.set(ARN('nightly', NEW), { taskDefinition: td('nightly', NEW, newImage), tags: DEPLOYED });
    });
    const taskArn = `arn:aws:ecs:${dev.region}:${ACCOUNT}:task/webapp-dev/abc`;
    mocks.ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn }] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn, lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'nightly', '--no-logs']);
    expect(r.code).toBe(0);
    const input = calls(RunTaskCommand)[0];
    expect(input).toMatchObject({ cluster: 'webapp-dev', taskDefinition: ARN('nightly', NEW), launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-tasks'] } } });
    expect(input.overrides).toBeUndefined();
  });

  test('GIVEN nightly\'s older revisions WHEN revisions prune --keep 1 THEN the latest (what its schedule runs) is never deregistered', async () => {
    given((w) => {
      w.latest.nightly = 9;
      // 9 is the latest but not the most recently deployed one (8 is): only being what the schedule runs keeps it
      const deployedAt: Record<number, string> = { 6: '2026-01-02', 8: '2026-01-03', 9: '2026-01-01' };
      for (const rev of [6, 8, 9]) w.revisions.set(ARN('nightly', rev), { taskDefinition: td('nightly', rev, `${REPO}@${DIGEST(rev)}`), tags: [...OWNED, { key: 'ecs-release:deployed-at', value: `${deployedAt[rev]}T00:00:00.000Z` }] });
    });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [9, 8, 7, 6, 5].map((rev) => ARN('nightly', rev)) });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    mocks.ecs.on(DeregisterTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => ({ taskDefinition: { taskDefinitionArn: input.taskDefinition, status: 'INACTIVE' } }));
    const r = await cli(['revisions', 'prune', '--env', 'dev', '--service', 'nightly', '--keep', '1', '--json']);
    expect(r.code).toBe(0);
    const deregistered = calls(DeregisterTaskDefinitionCommand).map((i) => i.taskDefinition);
    expect(deregistered).not.toContain(ARN('nightly', 9));
    expect(deregistered).not.toContain(ARN('nightly', TERRAFORM));
    expect(deregistered.length).toBeGreaterThan(0);
    expect(JSON.parse(r.stdout).kept.map((k: { revision: string }) => k.revision)).toContain(ARN('nightly', 9));
  });

  test('GIVEN an earlier image of nightly WHEN rollback --service nightly THEN a new revision with that image is registered (its schedule runs the latest)', async () => {
    given((w) => {
      w.revisions.set(ARN('nightly', 4), { taskDefinition: td('nightly', 4, `${REPO}@${DIGEST(4)}`), tags: DEPLOYED });
    });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [ARN('nightly', RUNNING), ARN('nightly', TERRAFORM), ARN('nightly', 4)] });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'nightly']);
    expect(r.code).toBe(0);
    expect(calls(RegisterTaskDefinitionCommand).map((i) => i.containerDefinitions[0].image)).toEqual([`${REPO}@${DIGEST(4)}`]);
    expect(calls(UpdateServiceCommand)).toEqual([]);
  });
});
