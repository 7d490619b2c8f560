import { DESCRIPTOR_PARAMETER_SUFFIX, RELEASE_PARAMETER_SUFFIX } from './parameters';

/** What the names are made of (the validated configuration has more). */
export interface NamedEnvironment {
  readonly project: string;
  readonly name: string;
  readonly registry: { readonly repositoryName: string };
}

/**
 * The physical names of what the stack creates and the release CLI acts on. One place, used by both, so the CLI
 * never works from hand-typed names: `resourceNames` for the environment's shared resources, `serviceNames` for one
 * service's. The names of a service called `web` are exactly the names the single-service layout used (state
 * continuity: changing one would replace the resource).
 */
export interface ResourceNames {
  readonly prefix: string;
  readonly cluster: string;
  readonly repository: string;
  readonly loadBalancer: string;
  readonly planRole: string;
  readonly applyRole: string;
  readonly deployRole: string;
  readonly approveRole: string;
  readonly operatorRole: string;
  readonly flowLogsRole: string;
  /** EventBridge Scheduler group of the environment's scheduled services. */
  readonly scheduleGroup: string;
}

export interface ServiceNames {
  /** The environment's cluster (the service runs there). */
  readonly cluster: string;
  readonly loadBalancer: string;
  /** ECS service name (= the configuration's record key). */
  readonly service: string;
  readonly family: string;
  /** The application container (the one releases change). */
  readonly container: string;
  readonly logGroup: string;
  /** SSM parameter holding the image the release CLI last deployed (Terraform reads it back, ignores its changes). */
  readonly releaseParameter: string;
  /** SSM parameter holding the JSON descriptor the stack publishes for the release CLI. */
  readonly descriptorParameter: string;
  readonly securityGroup: string;
  readonly executionRole: string;
  readonly taskRole: string;
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
  /** Scheduled services: the EventBridge Scheduler schedule and the role it assumes to run the task. */
  readonly scheduleName: string;
  readonly schedulerRole: string;
}

/** AWS limits the names are cut to. */
export const NAME_LIMITS = { iamRole: 64, targetGroup: 32, loadBalancer: 32, schedule: 64, family: 255, logGroup: 512, securityGroup: 255 } as const;

/**
 * `name` cut to `max` characters without a trailing hyphen: load balancer and target group names (32 characters at
 * most) must not end in one, and a cut can leave one (`webapp-staging-` ...). AWS also refuses a leading hyphen, which
 * the schema's name patterns already rule out.
 */
export function awsName(name: string, max: number): string {
  return name.slice(0, max).replace(/-+$/, '');
}

export function resourceNames(env: NamedEnvironment): ResourceNames {
  const prefix = `${env.project}-${env.name}`;
  return {
    prefix,
    cluster: prefix,
    repository: env.registry.repositoryName,
    loadBalancer: awsName(prefix, NAME_LIMITS.loadBalancer),
    planRole: `${prefix}-ci-plan`.slice(0, 64),
    applyRole: `${prefix}-ci-apply`.slice(0, 64),
    deployRole: `${prefix}-ci-deploy`.slice(0, 64),
    approveRole: `${prefix}-ci-approve`.slice(0, 64),
    operatorRole: `${prefix}-operator`.slice(0, 64),
    flowLogsRole: `${prefix}-vpc-flow-logs`.slice(0, 64),
    scheduleGroup: awsName(prefix, 64),
  };
}

export function serviceNames(
  env: NamedEnvironment & { readonly services: Readonly<Record<string, { readonly containerName: string }>> },
  service: string,
): ServiceNames {
  const svc = env.services[service];
  if (!svc) throw new Error(`serviceNames: service: received ${JSON.stringify(service)}; allowed: one of ${Object.keys(env.services).join(', ')}`);
  const env_ = resourceNames(env);
  const prefix = env_.prefix;
  const base = `${prefix}-${service}`;
  return {
    cluster: env_.cluster,
    loadBalancer: env_.loadBalancer,
    service,
    family: base,
    container: svc.containerName,
    logGroup: `/ecs/${prefix}/${service}`,
    releaseParameter: `/${env.project}/${env.name}/${service}${RELEASE_PARAMETER_SUFFIX}`,
    descriptorParameter: `/${env.project}/${env.name}/${service}${DESCRIPTOR_PARAMETER_SUFFIX}`,
    securityGroup: `${base}-tasks`,
    executionRole: `${base}-execution`.slice(0, 64),
    taskRole: `${base}-task`.slice(0, 64),
    // ALB and target group names are limited to 32 characters; 30 for the target groups leaves room for "-g".
    targetGroup: awsName(base, 30),
    greenTargetGroup: `${awsName(base, 30)}-g`,
    codedeployApplication: base,
    codedeployGroup: base,
    codedeployRole: `${base}-codedeploy`.slice(0, 64),
    alarmPrefix: base,
    scheduleName: awsName(base, 64),
    schedulerRole: `${base}-scheduler`.slice(0, 64),
  };
}

/** Every service's names, in the configuration's order. */
export function allServiceNames(env: Parameters<typeof serviceNames>[0]): ServiceNames[] {
  return Object.keys(env.services).map((s) => serviceNames(env, s));
}
