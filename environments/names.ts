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

/**
 * `name` cut to `max` characters without a trailing hyphen: load balancer and target group names (32 characters at
 * most) must not end in one, and a cut can leave one (`webapp-staging-` ...). AWS also refuses a leading hyphen, which
 * the schema's name patterns already rule out.
 */
export function awsName(name: string, max: number): string {
  return name.slice(0, max).replace(/-+$/, '');
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
    // ALB and target group names are limited to 32 characters; 30 for the target groups leaves room for "-g".
    loadBalancer: awsName(prefix, 32),
    targetGroup: awsName(base, 30),
    greenTargetGroup: `${awsName(base, 30)}-g`,
    codedeployApplication: base,
    codedeployGroup: base,
    codedeployRole: `${base}-codedeploy`.slice(0, 64),
    alarmPrefix: base,
    planRole: `${prefix}-ci-plan`.slice(0, 64),
    applyRole: `${prefix}-ci-apply`.slice(0, 64),
    deployRole: `${prefix}-ci-deploy`.slice(0, 64),
  };
}
