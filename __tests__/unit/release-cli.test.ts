import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DescribeImagesCommand, ImageNotFoundException } from '@aws-sdk/client-ecr';
import {
  DeregisterTaskDefinitionCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Service,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  ACCOUNT,
  DIGEST,
  REPO,
  RUNNING_REVISION,
  TD,
  TERRAFORM_REVISION,
  allCalls,
  cli,
  deployment,
  descriptor,
  mockAws,
  names,
  revision,
  service,
  writeCalls,
} from '../helpers/release-mocks';
import { requireBuild } from '../helpers/terraform';
import { repoRoot } from '../../scripts/lib/paths';

const mocks = mockAws();
afterAll(() => mocks.restore());

const TAG = 'abc1234';
const NEW = 8;
const newImage = `${REPO}@${DIGEST(3)}`;
const runningImage = `${REPO}@${DIGEST(2)}`;
const before = service(RUNNING_REVISION, [deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED')]);
const started = service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS'), deployment('ecs-svc/old', RUNNING_REVISION, 'COMPLETED', 'ACTIVE')]);

/** GIVEN dev's descriptor, Terraform's revision 5, a running revision 7 and image abc1234 in ECR. */
function givenDev(polls: Service[] = [service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])]): void {
  mocks.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/webapp-dev-ci-deploy/ecs-release-dev` });
  mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify(descriptor) } });
  mocks.ssm.on(GetParameterCommand, { Name: names.releaseParameter }).resolves({ Parameter: { Value: runningImage } });
  mocks.ssm.on(PutParameterCommand).resolves({ Version: 2 });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({
    taskDefinition: revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(2)}`),
    tags: [
      { key: 'Project', value: 'webapp' },
      { key: 'ecs-coexist:owner', value: 'terraform' },
    ],
  });
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, runningImage), tags: [] });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: [TAG] }] });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD(NEW) } });
  mocks.ecs.on(UpdateServiceCommand).resolves({ service: started });
  mocks.ecs.on(TagResourceCommand).resolves({});
  let chain = mocks.ecs.on(DescribeServicesCommand).resolvesOnce({ services: [before] });
  for (const p of polls.slice(0, -1)) chain = chain.resolvesOnce({ services: [p] });
  chain.resolves({ services: [polls[polls.length - 1]] });
}

const deployArgs = (...extra: string[]) => ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:${TAG}`, ...extra];

describe('ecs-release deploy (client mocks)', () => {
  test('deploy registers Terraform\'s revision with only the image changed, pinned by digest, keeping unknown fields', async () => {
    // GIVEN a healthy dev service
    givenDev([service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS', 'PRIMARY', { runningCount: 1, pendingCount: 1 })]), service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])]);
    // WHEN deploying a commit tag
    const r = await cli(deployArgs('--commit', TAG));
    // THEN the deployment completes
    expect(r.stderr).toContain('deployment ecs-svc/new COMPLETED');
    expect(r.code).toBe(0);
    const input = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as Record<string, any>;
    const expected = revision(TERRAFORM_REVISION, newImage) as Record<string, any>;
    for (const key of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy']) delete expected[key];
    expect({ ...input, tags: undefined }).toEqual({ ...JSON.parse(JSON.stringify(expected)), tags: undefined });
    expect(input.futureTaskSetting).toBe('kept');
    expect(input.containerDefinitions[0]).toMatchObject({ image: newImage, versionConsistency: 'enabled', futureContainerSetting: { mode: 'strict' } });
    expect(input.tags).toEqual([
      { key: 'Project', value: 'webapp' },
      { key: 'ecs-coexist:owner', value: 'ecs-release' },
      { key: 'ecs-release:base-revision', value: String(TERRAFORM_REVISION) },
      { key: 'ecs-release:image-digest', value: DIGEST(3) },
      { key: 'ecs-release:commit', value: TAG },
    ]);
    // AND the release pointer names the image before the service moves, and the service gets exactly that revision
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: names.releaseParameter, Value: newImage, Overwrite: true }]);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)[0].args[0].input).toEqual({ cluster: names.cluster, service: names.service, taskDefinition: TD(NEW), forceNewDeployment: true });
    expect(mocks.ecs.commandCalls(TagResourceCommand)[0].args[0].input).toMatchObject({ resourceArn: TD(NEW), tags: [{ key: 'ecs-release:deployed-at' }] });
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0);
  });

  test('deploy makes at most 15 API calls besides polling and reports its counter under --json', async () => {
    givenDev([service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS')]), service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS')]), service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])]);
    const r = await cli(deployArgs('--json'));
    expect(r.code).toBe(0);
    const calls = allCalls(mocks);
    const polls = mocks.ecs.commandCalls(DescribeServicesCommand).length - 1;
    expect(polls).toBe(3);
    expect(calls.length - polls).toBeLessThanOrEqual(15);
    expect(calls.length - polls).toBe(10);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'deploy', outcome: 'completed', exitCode: 0, digest: DIGEST(3), revision: TD(NEW), deploymentId: 'ecs-svc/new' });
    expect(doc.changes).toEqual([{ field: `containerDefinitions[${names.container}].image`, before: JSON.stringify(runningImage), after: JSON.stringify(newImage) }]);
  });

  test('deploy polls with back-off: 5 s, then half again each time, capped at 30 s', async () => {
    const inProgress = service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS')]);
    givenDev([...Array(7).fill(inProgress), service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])]);
    const r = await cli(deployArgs());
    expect(r.code).toBe(0);
    expect(r.sleeps).toEqual([5000, 7500, 11250, 16875, 25313, 30000, 30000, 30000]);
  });

  test('deploy fails with exit 1 and the service events when the circuit breaker rolls it back', async () => {
    // GIVEN new tasks keep failing: ECS marks the deployment FAILED and starts a rollback to revision 7
    const events = [
      { id: 'e0', at: '2026-01-01T23:00:00Z', message: '(service web) has reached a steady state.' },
      { id: 'e1', at: '2026-01-02T00:01:00Z', message: '(service web) has started 2 tasks: (task 1) (task 2).' },
      { id: 'e2', at: '2026-01-02T00:03:00Z', message: '(service web) deployment ecs-svc/new deployment failed: tasks failed to start.' },
      { id: 'e3', at: '2026-01-02T00:03:01Z', message: '(service web) rolling back to deployment ecs-svc/rb.' },
    ];
    const failing = service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS', 'PRIMARY', { failedTasks: 2 })], events.slice(0, 2));
    const rolledBack = service(
      RUNNING_REVISION,
      [
        deployment('ecs-svc/rb', RUNNING_REVISION, 'IN_PROGRESS'),
        deployment('ecs-svc/new', NEW, 'FAILED', 'ACTIVE', { rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', failedTasks: 4 }),
      ],
      events,
    );
    givenDev([failing, rolledBack]);
    // WHEN deploying
    const r = await cli(deployArgs());
    // THEN exit 1, one line saying why, then the events since the deployment started (not older ones)
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    const reason = lines.find((l) => l.startsWith('ecs-release: '));
    expect(reason).toBe(`ecs-release: deployment ecs-svc/new failed and was rolled back to ${names.family}:${RUNNING_REVISION} (ECS deployment circuit breaker: tasks failed to start.)`);
    expect(r.stderr).toContain('tasks failed to start');
    expect(r.stderr).toContain('rolling back to deployment ecs-svc/rb');
    expect(r.stderr).not.toContain('has reached a steady state');
    // AND the release pointer goes back to the image that runs again; the failed revision is not marked deployed
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([newImage, runningImage]);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('deploy fails with exit 1 when its deployment vanished behind a rollback it did not see', async () => {
    const gone = service(RUNNING_REVISION, [deployment('ecs-svc/rb', RUNNING_REVISION, 'COMPLETED')], [
      { id: 'e1', at: '2026-01-02T00:05:00Z', message: '(service web) deployment ecs-svc/new deployment failed: tasks failed to start. Rolling back.' },
    ]);
    givenDev([gone]);
    const r = await cli(deployArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ecs-release: deployment ecs-svc/new was rolled back: the service runs ${names.family}:${RUNNING_REVISION} again`);
  });

  describe('a deployment that left the service decides its outcome by ECS\'s typed service-deployment status, not event text', () => {
    const SD_ARN = `arn:aws:ecs:${descriptor.region}:${ACCOUNT}:service-deployment/${names.cluster}/${names.service}/new`;
    /** GIVEN the deployment vanished, the service runs `runs`, events that say nothing of a rollback, and ECS's record. */
    function givenVanished(runs: number, typed: ServiceDeployment): void {
      givenDev([service(runs, [deployment('ecs-svc/x', runs, 'COMPLETED')], [{ id: 'e1', at: '2026-01-02T00:05:00Z', message: '(service web) has reached a steady state.' }])]);
      const createdAt = new Date('2026-01-02T00:00:00Z');
      mocks.ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: SD_ARN, createdAt, status: typed.status }] });
      mocks.ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [SD_ARN] }).resolves({ serviceDeployments: [{ serviceDeploymentArn: SD_ARN, createdAt, ...typed }] });
    }

    test.each([
      ['SUCCESSFUL', NEW, {}, 0, 'completed', `deployment ecs-svc/new completed: the service runs ${names.family}:${NEW}`],
      ['ROLLBACK_SUCCESSFUL', RUNNING_REVISION, { rollback: { reason: 'circuit breaker: tasks failed to start' } }, 1, 'rolled-back', `deployment ecs-svc/new was rolled back: the service runs ${names.family}:${RUNNING_REVISION} again (circuit breaker: tasks failed to start)`],
      ['ROLLBACK_FAILED', NEW, { statusReason: 'rollback tasks failed to start' }, 1, 'failed', `deployment ecs-svc/new failed and its rollback failed too: the service runs ${names.family}:${NEW} (rollback tasks failed to start)`],
      ['STOPPED', RUNNING_REVISION, { statusReason: 'stopped by a newer deployment' }, 1, 'failed', `deployment ecs-svc/new was stopped: the service runs ${names.family}:${RUNNING_REVISION} (stopped by a newer deployment)`],
    ] as const)('status %s gives its outcome', async (status, runs, extra, code, outcome, message) => {
      givenVanished(runs, { status, ...extra });
      // WHEN deploying (the service deployment is described with the deploy role's permission, checked by cli())
      const r = await cli(deployArgs('--json'));
      // THEN the outcome is the typed status's, although no event mentions a rollback
      expect(r.code).toBe(code);
      expect(JSON.parse(r.stdout)).toMatchObject({ outcome, message });
      expect(mocks.ecs.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toMatchObject({ cluster: names.cluster, service: names.service });
    });

    test('the service deployment created with ours decides, not a later one that replaced it', async () => {
      // GIVEN ours rolled back, and someone's deployment five minutes later succeeded (listed first)
      givenVanished(RUNNING_REVISION, { status: 'ROLLBACK_SUCCESSFUL' });
      const later = `${SD_ARN}-later`;
      mocks.ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          { serviceDeploymentArn: later, createdAt: new Date('2026-01-02T00:05:00Z'), status: 'SUCCESSFUL' },
          { serviceDeploymentArn: SD_ARN, createdAt: new Date('2026-01-02T00:00:00Z'), status: 'ROLLBACK_SUCCESSFUL' },
        ],
      });
      const r = await cli(deployArgs('--json'));
      expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'rolled-back' });
      expect(mocks.ecs.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input.serviceDeploymentArns)).toEqual([[SD_ARN]]);
    });

    test('an endpoint without ListServiceDeployments (moto\'s HTML 500) is asked once per run, then the events decide (gap service-deployments)', async () => {
      givenDev([service(RUNNING_REVISION, [deployment('ecs-svc/rb', RUNNING_REVISION, 'COMPLETED')], [{ id: 'e1', at: '2026-01-02T00:05:00Z', message: 'Rolling back.' }])]);
      mocks.ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('Unexpected token <'), { name: 'SyntaxError', $metadata: { httpStatusCode: 500 } }));
      const r = await cli(deployArgs());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`deployment ecs-svc/new was rolled back: the service runs ${names.family}:${RUNNING_REVISION} again`);
      expect(mocks.ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
    });
  });

  test('deploy exits 1 on a FAILED rollout without rollback and leaves the pointer on the new image', async () => {
    givenDev([service(NEW, [deployment('ecs-svc/new', NEW, 'FAILED', 'PRIMARY', { rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' })])]);
    const r = await cli(deployArgs('--json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ecs-release: deployment ecs-svc/new failed (ECS deployment circuit breaker: tasks failed to start.)');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', exitCode: 1, releasePointer: newImage });
    // AND nothing was written after the signal: one revision, one pointer write, one service update
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  test('deploy exits 4 when the timeout passes; the deployment goes on', async () => {
    givenDev([service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS', 'PRIMARY', { runningCount: 1, pendingCount: 1 })])]);
    const r = await cli(deployArgs('--timeout', '60s'));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('ecs-release: timed out after 60s waiting for deployment ecs-svc/new (IN_PROGRESS, running 1/2); it goes on in ECS');
    expect(r.sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('deploy exits 130 when interrupted while waiting; nothing is undone', async () => {
    givenDev([service(NEW, [deployment('ecs-svc/new', NEW, 'IN_PROGRESS')])]);
    const interrupt = new AbortController();
    const r = await cli(deployArgs('--json'), { signal: interrupt.signal, onSleep: (n) => n === 2 && interrupt.abort() });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('ecs-release: interrupted while waiting for deployment ecs-svc/new (IN_PROGRESS, running 0/2); it goes on in ECS (follow it with: ecs-release status --env dev --service web; undo it with: ecs-release rollback --env dev --service web)');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
  });

  test('deploy --allow-mutable-tag accepts a moving tag and still registers the image by its digest', async () => {
    // GIVEN `latest` names the image with digest 3 in ECR
    givenDev();
    mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(3), imageTags: ['latest', TAG] }] });
    // WHEN deploying `latest` with the flag that allows a moving tag
    const r = await cli(['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:latest`, '--allow-mutable-tag', '--json']);
    // THEN the tag is resolved once in ECR and the revision pins the digest, so a later move of `latest` changes nothing
    expect(r.code).toBe(0);
    expect(mocks.ecr.commandCalls(DescribeImagesCommand)[0].args[0].input).toMatchObject({ repositoryName: names.repository, imageIds: [{ imageTag: 'latest' }] });
    const input = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as Record<string, any>;
    expect(input.containerDefinitions[0].image).toBe(newImage);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'completed', image: newImage, digest: DIGEST(3) });
  });

  test('deploy restores the release pointer when UpdateService fails, so no apply builds on an image that never ran', async () => {
    // GIVEN ECS refuses the service update (after the revision is registered and the pointer written)
    givenDev();
    mocks.ecs.on(UpdateServiceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    // WHEN deploying
    const r = await cli(deployArgs());
    // THEN exit 1 with AWS's error, and the pointer names the running image again
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ecs-release: AWS error: ThrottlingException: Rate exceeded');
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([newImage, runningImage]);
    expect(r.stdout).toContain(`the deployment did not start: release pointer restored to ${runningImage}`);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('deploy --dry-run prints the field-level diff and writes nothing', async () => {
    givenDev();
    const r = await cli(deployArgs('--dry-run'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`- containerDefinitions[${names.container}].image = "${runningImage}"`);
    expect(r.stdout).toContain(`+ containerDefinitions[${names.container}].image = "${newImage}"`);
    expect(r.stdout).toContain('dry run: nothing registered, nothing updated');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('deploy carries an IaC change made since the last deploy (it always builds on Terraform\'s revision)', async () => {
    givenDev();
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({
      taskDefinition: revision(TERRAFORM_REVISION, runningImage, { memory: '1024', env: { APP_ENV: 'dev', LOG_LEVEL: 'debug', FEATURE: 'on' } }),
      tags: [],
    });
    const r = await cli(deployArgs('--dry-run', '--json'));
    const fields = (JSON.parse(r.stdout).changes as { field: string }[]).map((c) => c.field);
    expect(fields).toEqual([`containerDefinitions[${names.container}].environment[FEATURE].name`, `containerDefinitions[${names.container}].environment[FEATURE].value`, `containerDefinitions[${names.container}].image`, 'memory']);
  });
});

describe('ecs-release refusals (client mocks): one line, non-zero, no write', () => {
  const refusals: [string, () => void, string[], number, RegExp][] = [
    ['latest without the flag', () => givenDev(), ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:latest`], 2, /^ecs-release: --image: received ".*:latest"; allowed: an immutable reference/],
    ['a major-version tag', () => givenDev(), ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:v2`], 2, /allowed: an immutable reference/],
    ['an image of another repository', () => givenDev(), ['deploy', '--env', 'dev', '--service', 'web', '--image', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/other:${TAG}`], 2, /allowed: an image of 111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/webapp/],
    ['an unknown tag', () => { givenDev(); mocks.ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} })); }, deployArgs(), 2, /allowed: an image that exists in .* \(push it first\)/],
    // deploy changes only the application container: there is no --container to aim it at a sidecar (issue 11).
    ['a --container (removed: a release never changes a sidecar)', () => givenDev(), deployArgs('--container', 'sidecar'), 2, /^ecs-release: unknown option '--container' \(see ecs-release --help\)$/],
    ['the wrong account', () => { givenDev(); mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/x/y' }); }, deployArgs(), 3, /^ecs-release: account: received "222222222222"; allowed: 111111111111/],
    ['a deployment in progress', () => { givenDev(); mocks.ecs.on(DescribeServicesCommand).resolves({ services: [started] }); }, deployArgs(), 3, /^ecs-release: deployment in progress: ecs-svc\/new \(IN_PROGRESS, webapp-dev-web:8, running 0\/2\)/],
    ['a missing service', () => { givenDev(); mocks.ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] }); }, deployArgs(), 3, /^ecs-release: service: received "webapp-dev\/web"; allowed: an ACTIVE ECS service \(found MISSING/],
    ['a blue/green descriptor without its CodeDeploy settings', () => { givenDev(); mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ ...before, deploymentController: { type: 'CODE_DEPLOY' } }] }); mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify({ ...descriptor, strategy: 'blue-green' }) } }); }, deployArgs(), 3, /^ecs-release: descriptor\.codeDeploy: received nothing; allowed: the CodeDeploy settings a blue-green stack publishes/],
    ['a blue/green descriptor whose CodeDeploy settings break the contract', () => { givenDev(); mocks.ssm.on(GetParameterCommand, { Name: names.descriptorParameter }).resolves({ Parameter: { Value: JSON.stringify({ ...descriptor, strategy: 'blue-green', codeDeploy: { application: 'webapp-dev-web', containerPort: '80' } }) } }); }, deployArgs(), 3, /^ecs-release: descriptor\.codeDeploy: received "malformed"; allowed: the CodeDeploy settings a blue-green stack publishes \(apply the "dev" stack\)$/],
    ['a rolling descriptor for a service CodeDeploy controls (stale descriptor)', () => { givenDev(); mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ ...before, deploymentController: { type: 'CODE_DEPLOY' } }] }); }, deployArgs(), 3, /^ecs-release: service\.deploymentController\.type: received "CODE_DEPLOY"; allowed: "ECS", what the descriptor's strategy "rolling" means \(stale descriptor: apply the "dev" stack, then retry\)$/],
    ['rollback of a service whose controller disagrees with the descriptor', () => { givenDev(); mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ ...before, deploymentController: { type: 'EXTERNAL' } }] }); }, ['rollback', '--env', 'dev', '--service', 'web'], 3, /^ecs-release: service\.deploymentController\.type: received "EXTERNAL"; allowed: "ECS"/],
    ['a malformed --timeout', () => givenDev(), deployArgs('--timeout', 'soon'), 2, /^ecs-release: --timeout: received "soon"; allowed: a duration/],
    ['an unknown environment', () => givenDev(), ['deploy', '--env', 'staging', '--image', `${REPO}:${TAG}`], 2, /^ecs-release: --env: invalid environment "staging": environment: received "staging"; allowed: one of dev, prod/],
    ['an unknown option', () => givenDev(), [...deployArgs(), '--force'], 2, /^ecs-release: unknown option '--force'/],
    ['a malformed image reference', () => givenDev(), ['deploy', '--env', 'dev', '--service', 'web', '--image', 'webapp latest'], 2, /^ecs-release: --image: received "webapp latest"; allowed: /],
    ['a digest that does not exist', () => { givenDev(); mocks.ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} })); }, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}@${DIGEST(9)}`], 2, /allowed: an image that exists in .* \(push it first\)/],
    ['a missing --image', () => givenDev(), ['deploy', '--env', 'dev', '--service', 'web'], 2, /^ecs-release: required option '--image <ref>' not specified/],
    ['missing credentials', () => { givenDev(); mocks.sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })); }, deployArgs(), 3, /^ecs-release: credentials: received "CredentialsProviderError"; allowed: AWS credentials of account 111111111111/],
    ['a malformed --poll-interval', () => givenDev(), deployArgs('--poll-interval', 'often'), 2, /^ecs-release: --poll-interval: received "often"; allowed: /],
    ['an unknown command', () => givenDev(), ['ship', '--env', 'dev', '--service', 'web'], 2, /^ecs-release: unknown command 'ship'/],
    ['promote to the same environment (conflicting --from and --to)', () => givenDev(), ['promote', '--from', 'dev', '--service', 'web', '--to', 'dev'], 2, /^ecs-release: --to: received "dev"; allowed: an environment other than --from \(dev\)/],
    ['rollback to a malformed revision', () => givenDev(), ['rollback', '--env', 'dev', '--service', 'web', '--to', 'yesterday'], 2, /^ecs-release: --to: received "yesterday"; allowed: /],
    ['run without a command', () => givenDev(), ['run', '--env', 'dev', '--service', 'web'], 2, /^ecs-release: command: received \[\]; allowed: a command after --, such as: -- \.\/manage\.py migrate$/],
  ];
  afterAll(() => process.stdout.write(`bad inputs, surface "release CLI": ${refusals.length} distinct invocations refused (one line each, no AWS write)\n`));
  test.each(refusals)('deploy refuses %s', async (_name, given, args, code, message) => {
    given();
    const r = await cli(args);
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('bad input is refused before any AWS call', async () => {
    givenDev();
    const r = await cli(['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:latest`]);
    expect(r.code).toBe(2);
    expect(allCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release rollback, rollout, status, promote (client mocks)', () => {
  test('rollback without --to ships the newest older revision whose rollout completed', async () => {
    givenDev([service(6, [deployment('ecs-svc/new', 6, 'COMPLETED')])]);
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD(8), TD(7), TD(6), TD(5), TD(4)] });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${names.family}:6` }).resolves({
      taskDefinition: revision(6, `${REPO}@${DIGEST(6)}`),
      tags: [{ key: 'ecs-coexist:owner', value: 'ecs-release' }, { key: 'ecs-release:deployed-at', value: '2026-01-01T00:00:00Z' }],
    });
    mocks.ecs.on(UpdateServiceCommand).resolves({ service: service(6, [deployment('ecs-svc/new', 6, 'IN_PROGRESS')]) });
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)[0].args[0].input).toMatchObject({ taskDefinition: TD(6) });
    expect(mocks.ssm.commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({ Value: `${REPO}@${DIGEST(6)}` });
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    // AND the revision, ecs-release's own, is marked deployed again
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ resourceArn: TD(6), tags: [{ key: 'ecs-release:deployed-at', value: expect.stringMatching(/^2026-01-02T/) }] }]);
  });

  test('rollback --to Terraform\'s revision ships it but never tags it (a tag there would be drift in terraform plan)', async () => {
    // GIVEN Terraform's revision 5 (owner tag terraform) as the rollback target
    givenDev([service(TERRAFORM_REVISION, [deployment('ecs-svc/new', TERRAFORM_REVISION, 'COMPLETED')])]);
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${names.family}:${TERRAFORM_REVISION}` }).resolves({
      taskDefinition: revision(TERRAFORM_REVISION, runningImage),
      tags: [{ key: 'ecs-coexist:owner', value: 'terraform' }],
    });
    mocks.ecs.on(UpdateServiceCommand).resolves({ service: service(TERRAFORM_REVISION, [deployment('ecs-svc/new', TERRAFORM_REVISION, 'IN_PROGRESS')]) });
    // WHEN rolling back to it
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--to', String(TERRAFORM_REVISION)]);
    // THEN it completes, and says why the revision stays untagged
    expect(r.code).toBe(0);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(r.stdout).toContain(`${names.family}:${TERRAFORM_REVISION} was not registered by ecs-release: not tagged ecs-release:deployed-at (rollback reaches it with --to)`);
  });

  test('rollback refuses a revision of another family', async () => {
    givenDev();
    const r = await cli(['rollback', '--env', 'dev', '--service', 'web', '--to', 'other-family:3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ecs-release: --to: received "other-family:3"; allowed: a revision of family webapp-dev-web/);
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollout writes nothing when the running revision already carries Terraform\'s settings', async () => {
    givenDev();
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(TERRAFORM_REVISION, [deployment('ecs-svc/old', TERRAFORM_REVISION, 'COMPLETED')])] });
    const r = await cli(['rollout', '--env', 'dev', '--service', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to roll out');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('rollout ships Terraform\'s new settings with the image the service runs, and marks the revision deployed', async () => {
    // GIVEN an apply changed memory in Terraform's revision 5; the service runs revision 7 with the running image
    givenDev();
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({ taskDefinition: revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(1)}`, { memory: '1024' }), tags: [] });
    // WHEN rolling out
    const r = await cli(['rollout', '--env', 'dev', '--service', 'web', '--json']);
    // THEN revision 8 carries memory 1024 and the running image, and its completed rollout is tagged
    expect(r.code).toBe(0);
    const input = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as Record<string, any>;
    expect(input).toMatchObject({ memory: '1024', containerDefinitions: [{ image: runningImage }] });
    expect(JSON.parse(r.stdout).changes.map((c: { field: string }) => c.field)).toEqual(['memory']);
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input.resourceArn)).toEqual([TD(NEW)]);
  });

  test('status names IaC drift in plain words, field by field', async () => {
    givenDev();
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(TERRAFORM_REVISION) }).resolves({
      taskDefinition: revision(TERRAFORM_REVISION, `${REPO}@${DIGEST(1)}`, { memory: '1024' }),
      tags: [],
    });
    const r = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ iacInSync: false, image: runningImage, digest: DIGEST(2), pointerMatchesRunning: true, deploymentsInFlight: [] });
    expect(doc.summary).toContain('memory: Terraform declares "1024", the running revision has "512"');
    expect(doc.summary).toContain('ecs-release rollout --env dev');
    expect(writeCalls(mocks)).toEqual([]);
  });

  test('status marks a completed ecs-release revision nobody marked (a --no-wait deploy), and nothing else', async () => {
    // GIVEN revision 8, registered by ecs-release and shipped with --no-wait: its rollout has completed since
    givenDev();
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service(NEW, [deployment('ecs-svc/new', NEW, 'COMPLETED')])] });
    const owned = [{ key: 'ecs-coexist:owner', value: 'ecs-release' }];
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(NEW) }).resolves({ taskDefinition: revision(NEW, newImage), tags: owned });
    // WHEN status runs
    const r = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
    // THEN it tags that revision deployed-at, once
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ markedDeployed: true, deploymentController: 'ECS' });
    expect(mocks.ecs.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ resourceArn: TD(NEW), tags: [{ key: 'ecs-release:deployed-at', value: '2026-01-02T00:00:00.000Z' }] }]);

    // AND a revision already marked, or one still rolling out, is left alone
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(NEW) }).resolves({ taskDefinition: revision(NEW, newImage), tags: [...owned, { key: 'ecs-release:deployed-at', value: 'x' }] });
    const marked = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
    expect(JSON.parse(marked.stdout).markedDeployed).toBe(false);
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(NEW) }).resolves({ taskDefinition: revision(NEW, newImage), tags: owned });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [started] });
    const rolling = await cli(['status', '--env', 'dev', '--service', 'web', '--json']);
    expect(JSON.parse(rolling.stdout).markedDeployed).toBe(false);
    expect(mocks.ecs.commandCalls(TagResourceCommand)).toHaveLength(1);
  });

  test('promote refuses when the source runs a tag, not a digest', async () => {
    givenDev();
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(RUNNING_REVISION) }).resolves({ taskDefinition: revision(RUNNING_REVISION, 'public.ecr.aws/nginx/nginx:1.27-alpine'), tags: [] });
    const r = await cli(['promote', '--from', 'dev', '--service', 'web', '--to', 'prod']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ecs-release: --from: received "dev: public\.ecr\.aws\/nginx\/nginx:1\.27-alpine"; allowed: an environment running an image pinned by digest/);
    expect(writeCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release run (client mocks)', () => {
  function givenTask(stopped: Record<string, unknown>): void {
    givenDev();
    mocks.ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/webapp-dev/t1`, lastStatus: 'PROVISIONING' }] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 't1', lastStatus: 'STOPPED', ...stopped }] });
  }

  test('run exits with the container\'s exit code and runs in the service\'s subnets and security groups', async () => {
    givenTask({ containers: [{ name: names.container, exitCode: 3 }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--', './manage.py', 'migrate', '--noinput']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`ecs-release: task t1 stopped: ${names.container} exited with 3`);
    expect(mocks.ecs.commandCalls(RunTaskCommand)[0].args[0].input).toMatchObject({
      cluster: names.cluster,
      taskDefinition: TD(RUNNING_REVISION),
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-tasks'], assignPublicIp: 'DISABLED' } },
      overrides: { containerOverrides: [{ name: names.container, command: ['./manage.py', 'migrate', '--noinput'] }] },
      startedBy: 'ecs-release',
      // the tag that lets the deploy role stop this task, and no task of the service
      tags: [{ key: 'ecs-release:one-off', value: 'true' }],
    });
  });

  test('run exits 1 with the stop reason when the container never ran', async () => {
    givenTask({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: image not found', containers: [{ name: names.container }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--json', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ecs-release: task t1 stopped without an exit code from app (TaskFailedToStart: CannotPullContainerError: image not found)');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', exitCode: 1, stopCode: 'TaskFailedToStart' });
  });

  test('run exits 1 when ECS could not place the task', async () => {
    givenDev();
    mocks.ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no free addresses' }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ecs-release: the task did not start: RESOURCE:ENI (no free addresses)');
  });

  test('run exits 4 when the task outlives --timeout and leaves it running', async () => {
    givenDev();
    mocks.ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/webapp-dev/t2` }] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 't2', lastStatus: 'RUNNING' }] });
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--timeout', '2s', '--poll-interval', '1s', '--', 'sleep', '999']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('ecs-release: timed out after 2s waiting for task t2; the task goes on in ECS');
    expect(writeCalls(mocks)).toEqual(['RunTask']);
  });

  test('run refuses an empty command', async () => {
    givenDev();
    const r = await cli(['run', '--env', 'dev', '--service', 'web', '--']);
    expect(r.code).toBe(2);
    expect(allCalls(mocks)).toEqual([]);
  });
});

describe('ecs-release --help', () => {
  test.each(['deploy', 'rollout', 'rollback', 'status', 'approve', 'promote', 'run'])('%s --help exits 0 and documents the exit codes', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: ecs-release ${command}`);
    expect(r.stdout).toContain('130  interrupted');
  });

  test('no command is a usage error', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
  });
});

describe('ecs-release process (SIGINT)', () => {
  test('SIGINT while waiting stops the wait with exit 130 and says the deployment goes on', async () => {
    // GIVEN the compiled CLI entry in a child process, its deployment stuck IN_PROGRESS (client mocks)
    requireBuild();
    const bin = join(repoRoot(), 'dist', '__tests__', 'helpers', 'mocked-release-bin.js');
    const child = spawn(process.execPath, [bin, 'deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:${TAG}`, '--poll-interval', '1s'], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // WHEN it is waiting and the user presses Ctrl-C
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never started waiting: ${stderr}`)), 20_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('deployment ecs-svc/new IN_PROGRESS')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    // THEN it exits 130 and says what goes on
    expect(await exited).toBe(130);
    expect(stderr).toContain('ecs-release: interrupted while waiting for deployment ecs-svc/new (IN_PROGRESS, running 0/2); it goes on in ECS');
  });
});
