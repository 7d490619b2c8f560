import type { ServiceNames } from '../../contracts/names';
import type { ServiceConfig, SidecarConfig } from '../../environments/schema';
import type { PolicyStatement } from '../iam';
import type { RegistryPullGrant } from '../private-registry';

/**
 * The container definitions Terraform owns, as data: everything but the application container's image, which comes
 * from the release pointer. Sidecar images are part of this data (pinned by digest in configuration), so a sidecar
 * change replaces the task definition like any other IaC change, and the replacement carries the deployed app image.
 */

const byName = <T>(record: Readonly<Record<string, T>>) => Object.keys(record).sort().map((k) => [k, record[k]] as const);

function awslogs(names: ServiceNames, logGroupName: string, region: string): Record<string, unknown> {
  return { logDriver: 'awslogs', options: { 'awslogs-group': logGroupName, 'awslogs-region': region, 'awslogs-stream-prefix': names.service } };
}

/**
 * The application container. Fields are added only when configured, so the definition of a service that uses none of
 * the new settings is byte-for-byte the single-service layout's (its task definition is not replaced by the upgrade).
 */
export function appContainerSpec(svc: ServiceConfig, names: ServiceNames, logGroupName: string, region: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { name: svc.containerName, essential: true };
  if (svc.imageSource?.pullCredentials) spec.repositoryCredentials = { credentialsParameter: svc.imageSource.pullCredentials.secretArn };
  if (svc.kind === 'web') {
    spec.portMappings = [{ name: 'http', containerPort: svc.containerPort, hostPort: svc.containerPort, protocol: 'tcp', appProtocol: 'http' }];
  }
  if (svc.command) spec.command = [...svc.command];
  spec.environment = byName(svc.environment).map(([name, value]) => ({ name, value }));
  spec.secrets = byName(svc.secrets).map(([name, valueFrom]) => ({ name, valueFrom }));
  if (svc.dependsOn.length) spec.dependsOn = svc.dependsOn.map((d) => ({ containerName: d.container, condition: d.condition }));
  spec.logConfiguration = svc.logging.driver === 'firelens' ? { logDriver: 'awsfirelens', options: { ...svc.logging.options } } : awslogs(names, logGroupName, region);
  spec.readonlyRootFilesystem = svc.readonlyRootFilesystem;
  spec.versionConsistency = svc.versionConsistency;
  // An init process reaps zombies and is what ECS Exec expects.
  spec.linuxParameters = { initProcessEnabled: true };
  spec.stopTimeout = 30;
  return spec;
}

/** The sidecars, by name; each logs through awslogs into the service's group (a log router cannot route itself). */
export function sidecarSpecs(svc: ServiceConfig, names: ServiceNames, logGroupName: string, region: string): Record<string, unknown>[] {
  return byName(svc.sidecars).map(([name, s]) => sidecarSpec(name, s, names, logGroupName, region));
}

function sidecarSpec(name: string, s: SidecarConfig, names: ServiceNames, logGroupName: string, region: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { name, image: s.image, essential: s.essential, cpu: s.cpu };
  if (s.pullCredentials) spec.repositoryCredentials = { credentialsParameter: s.pullCredentials.secretArn };
  if (s.memoryMiB !== undefined) spec.memory = s.memoryMiB;
  if (s.memoryReservationMiB !== undefined) spec.memoryReservation = s.memoryReservationMiB;
  if (s.command) spec.command = [...s.command];
  spec.environment = byName(s.environment).map(([n, value]) => ({ name: n, value }));
  spec.secrets = byName(s.secrets).map(([n, valueFrom]) => ({ name: n, valueFrom }));
  spec.portMappings = s.portMappings.map((p) => ({ containerPort: p.containerPort, hostPort: p.containerPort, protocol: p.protocol }));
  if (s.dependsOn.length) spec.dependsOn = s.dependsOn.map((d) => ({ containerName: d.container, condition: d.condition }));
  if (s.healthCheck) {
    const h = s.healthCheck;
    spec.healthCheck = { command: [...h.command], interval: h.intervalSeconds, timeout: h.timeoutSeconds, retries: h.retries, startPeriod: h.startPeriodSeconds };
  }
  if (s.firelens) spec.firelensConfiguration = { type: s.firelens.type, ...(s.firelens.options ? { options: { ...s.firelens.options } } : {}) };
  spec.logConfiguration = awslogs(names, logGroupName, region);
  spec.readonlyRootFilesystem = s.readonlyRootFilesystem;
  return spec;
}

/** Every secret ARN any container of the task references (the execution role reads exactly these). */
export function taskSecretArns(svc: ServiceConfig): string[] {
  return [...Object.values(svc.secrets), ...Object.values(svc.sidecars).flatMap((s) => Object.values(s.secrets))];
}

/** The private-registry pull secrets of the task's containers (issue 16), each with its key when it has one. */
export function registryPullGrants(svc: ServiceConfig): RegistryPullGrant[] {
  return [svc.imageSource?.pullCredentials, ...Object.values(svc.sidecars).map((s) => s.pullCredentials)]
    .filter((c): c is NonNullable<typeof c> => c !== undefined)
    .map((c) => ({ secretArn: c.secretArn, ...(c.kmsKeyArn ? { kmsKeyArn: c.kmsKeyArn } : {}) }));
}

/** Execution-role statements for the secrets the task definition references: scoped to exactly those ARNs. */
export function secretReadStatements(svc: ServiceConfig): PolicyStatement[] {
  const arns = taskSecretArns(svc);
  const ssm = [...new Set(arns.filter((a) => a.includes(':ssm:')))].sort();
  const sm = [...new Set(arns.filter((a) => a.includes(':secretsmanager:')))].sort();
  const out: PolicyStatement[] = [];
  if (ssm.length) out.push({ Sid: 'ReadSsmSecrets', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: ssm });
  if (sm.length) out.push({ Sid: 'ReadSecretsManagerSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: sm });
  if (svc.secretsKmsKeyArns.length) {
    out.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [...svc.secretsKmsKeyArns].sort() });
  }
  return out;
}
