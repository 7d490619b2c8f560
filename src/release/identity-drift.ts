import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { DeploymentStrategy } from '../../contracts/descriptor';
import type { FieldChange } from './revision';

/**
 * What the deploy identity can do that IAM cannot prevent (docs/guardrails.md, "Deploy identity: residual risks"),
 * detected on what runs: `RegisterTaskDefinition` takes any roles, secrets and command with the image, and
 * `UpdateService` any network placement, desired count, load balancer and circuit breaker with the revision. Each
 * finding is one sentence for `ecs-release status` (and its JSON), naming the field and both values.
 */
export interface IdentityFinding {
  readonly kind: 'roles' | 'secrets' | 'command' | 'network' | 'capacity' | 'load-balancer' | 'circuit-breaker';
  readonly message: string;
}

export interface ServiceExpectations {
  readonly container: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly strategy: DeploymentStrategy;
}

const KINDS: [IdentityFinding['kind'], RegExp, string][] = [
  ['roles', /^(taskRoleArn|executionRoleArn)$/, 'role'],
  ['secrets', /^containerDefinitions\[[^\]]+\]\.secrets\b/, 'secret'],
  ['command', /^containerDefinitions\[[^\]]+\]\.(command|entryPoint|user|privileged|linuxParameters)\b/, 'command'],
];

const sorted = (v: readonly string[] | undefined) => [...(v ?? [])].sort().join(',');

/** `drift`: the running revision against Terraform's (status's field changes, image excluded). */
export function identityDrift(drift: readonly FieldChange[], running: TaskDefinition, service: Service, expected: ServiceExpectations): IdentityFinding[] {
  const findings: IdentityFinding[] = [];
  for (const [kind, pattern, what] of KINDS) {
    const changed = drift.filter((c) => pattern.test(c.field));
    if (changed.length === 0) continue;
    const list = changed.map((c) => `${c.field} is ${c.before ?? '(unset)'} where Terraform declares ${c.after ?? '(unset)'}`).join('; ');
    findings.push({ kind, message: `the running revision's ${what} settings differ from Terraform's: ${list}` });
  }
  if (running.taskRoleArn && running.taskRoleArn === running.executionRoleArn) {
    findings.push({ kind: 'roles', message: `the running revision uses the execution role as its task role (${running.taskRoleArn}): the application can read every secret the execution role reads` });
  }
  const vpc = service.networkConfiguration?.awsvpcConfiguration;
  if (vpc) {
    if (sorted(vpc.subnets) !== sorted(expected.subnets) || sorted(vpc.securityGroups) !== sorted(expected.securityGroups)) {
      findings.push({ kind: 'network', message: `the service runs in subnets ${sorted(vpc.subnets) || '(none)'} with security groups ${sorted(vpc.securityGroups) || '(none)'}, not Terraform's ${sorted(expected.subnets)} / ${sorted(expected.securityGroups)}` });
    }
    if (vpc.assignPublicIp === 'ENABLED') findings.push({ kind: 'network', message: 'the service gives its tasks public IP addresses; Terraform keeps them private' });
  }
  if (service.desiredCount === 0) findings.push({ kind: 'capacity', message: 'the service is scaled to 0 tasks: it serves nothing' });
  const others = (service.loadBalancers ?? []).filter((lb) => lb.containerName !== undefined && lb.containerName !== expected.container);
  if (others.length > 0) {
    findings.push({ kind: 'load-balancer', message: `the load balancer sends traffic to container ${others.map((lb) => `${lb.containerName}:${lb.containerPort}`).join(', ')}, not ${expected.container}` });
  }
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  if (expected.strategy === 'rolling' && breaker && (!breaker.enable || !breaker.rollback)) {
    findings.push({ kind: 'circuit-breaker', message: 'the deployment circuit breaker (with rollback) is off: a failing deployment is no longer rolled back' });
  }
  return findings;
}
