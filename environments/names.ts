import type { EnvironmentConfig } from './schema';

/**
 * The physical names of what the stack creates and the release CLI acts on. One function, used by both, so the CLI
 * never works from hand-typed names.
 */
export interface ResourceNames {
  readonly prefix: string;
  readonly cluster: string;
  readonly service: string;
  readonly family: string;
  readonly container: string;
  readonly logGroup: string;
  /** SSM parameter holding the image the release CLI last deployed (Terraform reads it back, ignores its changes). */
  readonly releaseParameter: string;
  /** SSM parameter holding the JSON descriptor the stack publishes for the release CLI. */
  readonly descriptorParameter: string;
  readonly repository: string;
  readonly executionRole: string;
  readonly taskRole: string;
  readonly loadBalancer: string;
  /** The service's target group; under blue/green the one it starts on ("blue"). */
  readonly targetGroup: string;
  /** Blue/green: the second target group, where CodeDeploy starts the replacement tasks first ("green"). */
  readonly greenTargetGroup: string;
  readonly codedeployApplication: string;
  readonly codedeployGroup: string;
  /** Blue/green: the role CodeDeploy assumes to create task sets and move the listeners. */
  readonly codedeployRole: string;
  /** Blue/green: prefix of the rollback alarms (`<prefix>-blue-5xx-rate`, ...). */
  readonly alarmPrefix: string;
  readonly planRole: string;
  readonly applyRole: string;
  readonly deployRole: string;
}

export function resourceNames(env: Pick<EnvironmentConfig, 'project' | 'name' | 'service' | 'registry'>): ResourceNames {
  const prefix = `${env.project}-${env.name}`;
  const svc = env.service.name;
  const base = `${prefix}-${svc}`;
  return {
    prefix,
    cluster: prefix,
    service: svc,
    family: base,
    container: env.service.containerName,
    logGroup: `/ecs/${prefix}/${svc}`,
    releaseParameter: `/${env.project}/${env.name}/${svc}/release-image`,
    descriptorParameter: `/${env.project}/${env.name}/${svc}/descriptor`,
    repository: env.registry.repositoryName,
    executionRole: `${base}-execution`.slice(0, 64),
    taskRole: `${base}-task`.slice(0, 64),
    // ALB and target group names are limited to 32 characters.
    loadBalancer: prefix.slice(0, 32),
    // AWS rejects target group names ending in a hyphen, which a cut can produce.
    targetGroup: base.slice(0, 30).replace(/-+$/, ''),
    greenTargetGroup: `${base.slice(0, 30).replace(/-+$/, '')}-g`,
    codedeployApplication: base,
    codedeployGroup: base,
    codedeployRole: `${base}-codedeploy`.slice(0, 64),
    alarmPrefix: base,
    planRole: `${prefix}-ci-plan`.slice(0, 64),
    applyRole: `${prefix}-ci-apply`.slice(0, 64),
    deployRole: `${prefix}-ci-deploy`.slice(0, 64),
  };
}
