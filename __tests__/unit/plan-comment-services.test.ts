import { ecsNotes } from '../../src/plan-comment/ecs';
import { Masker } from '../../src/plan-comment/mask';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { renderPlan } from '../../src/plan-comment/render';
import { summarize } from '../../src/plan-comment/summary';
import { change, plan } from '../helpers/synthetic-plan';

/**
 * Plan-comment notes where an environment has several services (issue 11): each note names the service whose task
 * definition, ECS service or pointer the plan touches, the containers' images, and commands with `--service`.
 */
const own = ownershipFor('dev');
const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;
const APP = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp@${DIGEST(2)}`;
const FLUENT = (n: number) => `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST(n)}`;

/** A task definition of `service` replaced because its container spec (a terraform_data of the same construct) changed. */
function taskDefinition(service: string, id: string, containers: { before: object[]; after: object[] }) {
  return change(`aws_ecs_task_definition.services_${service}_task-definition_task_${id}`, ['create', 'delete'],
    { family: `webapp-dev-${service}`, skip_destroy: true, container_definitions: JSON.stringify(containers.before) },
    { family: `webapp-dev-${service}`, skip_destroy: true, container_definitions: JSON.stringify(containers.after) },
    { action_reason: 'replace_by_triggers' });
}

function spec(service: string, id: string, before: object, after: object) {
  return change(`terraform_data.services_${service}_task-definition_container-spec_${id}`, ['update'], { input: before }, { input: after });
}

const notesOf = (p: ReturnType<typeof plan>) => ecsNotes(summarize(p).entries, own).map((n) => ({ address: n.address, text: n.text.render(new Masker()) }));

describe('plan-comment notes per service and container', () => {
  // GIVEN the worker's LOG_LEVEL and web's log-router image change in one plan
  const p = plan([
    taskDefinition('web', '48725416', {
      before: [{ name: 'app', image: APP }, { name: 'log-router', image: FLUENT(5) }],
      after: [{ name: 'app', image: APP }, { name: 'log-router', image: FLUENT(6) }],
    }),
    spec('web', 'E71DAF01', { sidecars: { 'log-router': { image: FLUENT(5) } } }, { sidecars: { 'log-router': { image: FLUENT(6) } } }),
    taskDefinition('worker', '9F67DEC6', { before: [{ name: 'app', image: APP }], after: [{ name: 'app', image: APP }] }),
    spec('worker', '7F895F86', { environment: { LOG_LEVEL: 'debug' } }, { environment: { LOG_LEVEL: 'info' } }),
    taskDefinition('nightly', '5B9A9C49', { before: [{ name: 'app', image: APP }], after: [{ name: 'app', image: APP, cpu: 512 }] }),
    spec('nightly', '6C0666B2', { cpu: 256 }, { cpu: 512 }),
  ]);
  const notes = notesOf(p);
  const note = (service: string) => notes.find((n) => n.address.includes(`services_${service}_task-definition_task`))!.text;

  test('WHEN a worker setting changes THEN the worker\'s note names the worker, only its own changed setting, its pointer and --service commands', () => {
    const text = note('worker');
    expect(text).toContain('of service `worker` gets a new revision: container settings changed: `environment.LOG_LEVEL`, through `replace_triggered_by`.');
    expect(text).not.toContain('sidecars');
    expect(text).toContain('read from the release pointer `/webapp/dev/worker/release-image`');
    expect(text).toContain('`ecs-release deploy --env dev --service worker`');
    expect(text).toContain('`ecs-release rollout --env dev --service worker`');
  });

  test('WHEN a sidecar image changes in configuration THEN web\'s note names the sidecar\'s old and new image and says a release never changes it', () => {
    const text = note('web');
    expect(text).toContain('container settings changed: `sidecars.log-router.image`');
    expect(text).toContain("the `app` container's image");
    expect(text).toContain(`sidecar images come from configuration (a release never changes them): \`log-router\` \`${FLUENT(5)}\` → \`${FLUENT(6)}\``);
    expect(text).toContain('`ecs-release deploy --env dev --service web`');
  });

  test('WHEN a scheduled service\'s task definition is replaced THEN its note says the next run takes it, with no rollout to run', () => {
    const text = note('nightly');
    expect(text).toContain('of service `nightly` (scheduled) gets a new revision: container settings changed: `cpu`');
    expect(text).toContain("The schedule runs the family's latest revision: the change reaches the next run at once");
    expect(text).not.toContain('ecs-release rollout');
  });

  test('WHEN the plan would set a service\'s task_definition back THEN the caution names that service\'s deploy command', () => {
    const svc = change('aws_ecs_service.services_worker_service_64D28E22', ['update'], { name: 'worker', task_definition: 'webapp-dev-worker:9' }, { name: 'worker', task_definition: 'webapp-dev-worker:5' });
    const [n] = notesOf(plan([svc]));
    expect(n.text).toContain('undoing every `ecs-release deploy --env dev --service worker` since');
  });

  test('WHEN the rendered comment of such a plan is read THEN every note is in it, one per task definition', () => {
    const md = renderPlan(p, { env: 'dev', ownership: own }).markdown;
    for (const service of ['web', 'worker', 'nightly']) expect(md).toContain(`of service \`${service}\``);
  });
});
