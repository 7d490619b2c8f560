import { ownershipFor } from '../../src/plan-comment/ownership';
import { renderPlan } from '../../src/plan-comment/render';
import { serviceDriftNotes } from '../../src/plan-comment/service-drift';
import { shape } from '../helpers/hostile-markdown';
import { change, plan } from '../helpers/synthetic-plan';

/**
 * The plan comment's flag for what the deploy identity can change on the service and IAM cannot prevent (UpdateService:
 * desired count, network, load balancer, circuit breaker; a revision of another family), read from the plan's refresh.
 */
const td = (family: string, n: number) => `arn:aws:ecs:eu-west-1:111111111111:task-definition/${family}:${n}`;
const service = (over: Record<string, unknown> = {}) => ({
  task_definition: td('webapp-dev-web', 5),
  desired_count: 2,
  network_configuration: [{ subnets: ['subnet-a', 'subnet-b'], security_groups: ['sg-tasks'], assign_public_ip: false }],
  deployment_circuit_breaker: [{ enable: true, rollback: true }],
  load_balancer: [{ container_name: 'app', container_port: 8080, target_group_arn: 'arn:tg/blue' }],
  ...over,
});
const drifted = (after: Record<string, unknown>, address = 'aws_ecs_service.service_service_ABCDEF12') => plan([], { resource_drift: [change(address, ['update'], service(), service(after))] });
const texts = (p: ReturnType<typeof plan>) => serviceDriftNotes(p, 'dev').map((n) => `${n.level}: ${n.text.render()}`);

describe('plan comment: service changed outside Terraform', () => {
  test('GIVEN a deploy (a new revision of the same family) THEN one note points to ecs-release status for roles and secrets', () => {
    expect(texts(drifted({ task_definition: td('webapp-dev-web', 9) }))).toEqual([
      'note: `aws_ecs_service.service_service_ABCDEF12` runs revision `webapp-dev-web:9` registered outside Terraform: a plan cannot show its roles, secrets or command; `ecs-release status --env dev` compares them with Terraform\'s revision and flags any difference.',
    ]);
  });

  test('GIVEN a revision of another family THEN a warning names both families', () => {
    expect(texts(drifted({ task_definition: td('other-family', 1) }))[0]).toMatch(/^warning: .* runs a revision of another task-definition family \(`other-family`, Terraform's is `webapp-dev-web`\)/);
  });

  test.each([
    ['scaled to 0', { desired_count: 0 }, /scaled to 0 tasks outside Terraform \(desired count 2 before\)/],
    ['moved to other subnets', { network_configuration: [{ subnets: ['subnet-public'], security_groups: ['sg-tasks'], assign_public_ip: true }] }, /network placement .* was changed outside Terraform/],
    ['circuit breaker off', { deployment_circuit_breaker: [{ enable: false, rollback: false }] }, /circuit breaker was changed outside Terraform/],
    ['traffic to another container', { load_balancer: [{ container_name: 'sidecar', container_port: 9000, target_group_arn: 'arn:tg/blue' }] }, /containers its load balancer sends traffic to were changed/],
  ])('GIVEN the service %s outside Terraform THEN a warning says so', (_what, after, text) => {
    const notes = serviceDriftNotes(drifted(after), 'dev');
    expect(notes.map((n) => n.level)).toEqual(['warning']);
    expect(notes[0].text.render()).toMatch(text);
  });

  test('GIVEN CodeDeploy swapping target groups (same containers) or no drift THEN no note', () => {
    expect(texts(drifted({ load_balancer: [{ container_name: 'app', container_port: 8080, target_group_arn: 'arn:tg/green' }] }))).toEqual([]);
    expect(texts(drifted({}))).toEqual([]);
  });

  test('hostile values stay inside code spans: an address or a family name cannot add links, HTML or paragraphs', () => {
    const notes = texts(drifted({ task_definition: 'arn:aws:ecs:x:task-definition/<img src=x>:1', desired_count: 0 }, 'aws_ecs_service.x`](http://evil)\n\n# heading'));
    for (const note of notes) {
      const outline = shape(note).outline;
      expect(outline.filter((t) => /link_open|html_|heading_open|image/.test(t))).toEqual([]);
      expect(outline.filter((t) => t.endsWith('paragraph_open'))).toHaveLength(1);
    }
    expect(notes[0]).toMatch(/^note: ``aws_ecs_service\.x`\]\(http:\/\/evil\)\\u\{000a\}/);
  });

  test('the comment carries the warning (one call site in renderPlan)', () => {
    const md = renderPlan(drifted({ desired_count: 0 }), { env: 'dev', ownership: ownershipFor('dev') }).markdown;
    expect(md).toContain('> [!WARNING]');
    expect(md).toContain('was scaled to 0 tasks outside Terraform');
  });
});

describe('plan comment: service drift in an environment with several services (issue 11)', () => {
  const worker = (after: Record<string, unknown>) =>
    plan([], { resource_drift: [change('aws_ecs_service.services_worker_ecs-service_service_ABCDEF12', ['update'], service({ name: 'worker', task_definition: td('webapp-dev-worker', 5) }), service({ name: 'worker', task_definition: td('webapp-dev-worker', 5), ...after }))] });

  test('GIVEN dev with web, worker and nightly WHEN the worker runs a revision registered outside Terraform THEN the note\'s command names --service worker (status refuses to guess among several services)', () => {
    // WHEN the comment is rendered with dev's ownership
    const md = renderPlan(worker({ task_definition: td('webapp-dev-worker', 9) }), { env: 'dev', ownership: ownershipFor('dev') }).markdown;
    // THEN the command a reviewer copies works as typed
    expect(md).toContain('`ecs-release status --env dev --service worker` compares them');
  });

  test('GIVEN a drifted service the configuration does not name WHEN rendered THEN the command asks for the service instead of omitting it', () => {
    const p = plan([], { resource_drift: [change('aws_ecs_service.x', ['update'], service({ name: 'legacy' }), service({ name: 'legacy', task_definition: td('webapp-dev-web', 9) }))] });
    expect(renderPlan(p, { env: 'dev', ownership: ownershipFor('dev') }).markdown).toContain('`ecs-release status --env dev --service <name>`');
  });
});
