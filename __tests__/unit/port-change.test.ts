import { ConfigError } from '../../environments/schema';
import { dev, resource, resources, synth, variant } from '../helpers/stacks';

/**
 * containerPort 8080 -> 9090 (the moto proof is the e2e tier's): what Terraform is asked to do must need no
 * replacement of the target group (ResourceInUse while the listener rule forwards to it), must keep the load
 * balancer's path to the tasks still on 8080, and must hand the new mapping to the release with the new revision.
 */
describe('a containerPort change', () => {
  const before = synth(dev).tf;
  const after = synth(variant(dev, { services: { web: { containerPort: 9090, previousContainerPorts: [8080] } } })).tf;
  const tasksIngress = (tf: typeof before) =>
    Object.entries(resources(tf, 'aws_vpc_security_group_ingress_rule'))
      .filter(([, r]) => String(r.security_group_id).includes('services_web_sg'))
      .map(([id, r]) => [id, r.from_port] as const)
      .sort();

  test('keeps the target group (same address and name; its port is ignored) and the listener rule forwarding to it', () => {
    for (const tf of [before, after]) {
      expect(Object.keys(resources(tf, 'aws_lb_target_group'))).toEqual(Object.keys(resources(before, 'aws_lb_target_group')));
      expect(resource(tf, 'aws_lb_target_group', 'services/web/routing/tg')).toMatchObject({ name: 'webapp-dev-web', lifecycle: { ignore_changes: ['port'] }, health_check: expect.objectContaining({ port: 'traffic-port' }) });
    }
    expect(resource(after, 'aws_lb_listener_rule', 'services/web/routing/rule')).toEqual(resource(before, 'aws_lb_listener_rule', 'services/web/routing/rule'));
  });

  test('opens the new port to the load balancer and keeps the old one, each at its own address', () => {
    const [[oldId, oldPort]] = tasksIngress(before);
    expect(oldPort).toBe(8080);
    expect(tasksIngress(after).map(([, p]) => p).sort()).toEqual([8080, 9090]);
    // The 8080 rule is the one already in state (same address): only the 9090 rule is created.
    expect(tasksIngress(after).find(([, p]) => p === 8080)![0]).toBe(oldId);
  });

  test('hands the new mapping to the release with the revision listening on it: the service ignores load_balancer, the descriptor carries 9090', () => {
    expect(resource(after, 'aws_ecs_service', 'services/web/service').lifecycle).toEqual({ ignore_changes: ['task_definition', 'desired_count', 'load_balancer'] });
    const descriptor = JSON.parse(resource(after, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value as string);
    expect(descriptor.loadBalancer).toMatchObject({ containerName: 'app', containerPort: 9090 });
    const spec = resource(after, 'terraform_data', 'services/web/task-definition/container-spec').input as { portMappings: { containerPort: number }[] };
    expect(spec.portMappings).toEqual([expect.objectContaining({ containerPort: 9090, hostPort: 9090 })]);
  });

  test('refuses the new port listed as a previous one, in one line', () => {
    expect(() => variant(dev, { services: { web: { containerPort: 9090, previousContainerPorts: [9090] } } })).toThrow(ConfigError);
    expect(() => variant(dev, { services: { web: { containerPort: 9090, previousContainerPorts: [9090] } } })).toThrow(
      'invalid environment "dev": services.web.previousContainerPorts.0: received 9090; allowed: a port other than containerPort (9090) and listed once',
    );
  });
});
