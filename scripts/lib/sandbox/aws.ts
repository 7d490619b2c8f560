import { createHash } from 'node:crypto';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateTaskSetCommand, DescribeServicesCommand, ECSClient, UpdateServicePrimaryTaskSetCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defineEnvironment, type EnvironmentConfig } from '../../../environments/schema';
import { resourceNames, serviceNames } from '../../../contracts/names';

/** The emulator's own (default-account) credentials. */
const BASE = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** SDK configuration acting in `account` of the emulator: moto switches accounts on AssumeRole, as a pipeline does. */
export async function accountConfig(endpoint: string, account: string, region: string) {
  const sts = new STSClient({ endpoint, region, credentials: BASE });
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/sandbox`, RoleSessionName: 'sandbox' }));
  const c = r.Credentials!;
  return { endpoint, region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } };
}

/** The deploy role each stack creates (what an application pipeline assumes). */
export function deployRoleArn(env: EnvironmentConfig): string {
  return `arn:aws:iam::${env.accountId}:role/${resourceNames(env).deployRole}`;
}

/**
 * Pushes a fake image: a manifest with a layer unique to `tag` (moto derives the digest from the layers, so distinct
 * layers give distinct digests). The same tag always yields the same manifest, hence the same digest in any registry.
 */
export async function pushImage(endpoint: string, env: EnvironmentConfig, tag: string): Promise<{ digest: string; uri: string }> {
  const ecr = new ECRClient(await accountConfig(endpoint, env.accountId, env.region));
  const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: sha(`config ${tag}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 3_000_000, digest: sha(`layer ${tag}`) }],
  });
  const r = await ecr.send(new PutImageCommand({ repositoryName: env.registry.repositoryName, imageManifest: manifest, imageTag: tag }));
  return { digest: r.image!.imageId!.imageDigest!, uri: `${env.accountId}.dkr.ecr.${env.region}.amazonaws.com/${env.registry.repositoryName}` };
}

/**
 * The environment's state bucket, in the emulator's default account: the S3 backend runs with the ambient
 * credentials (no assume_role), exactly as `npx cdktf plan <env>` will.
 */
export async function createStateBucket(endpoint: string, env: EnvironmentConfig): Promise<void> {
  const r = await fetch(`${endpoint}/${encodeURIComponent(env.state.bucket)}`, {
    method: 'PUT',
    body: `<CreateBucketConfiguration><LocationConstraint>${env.state.region}</LocationConstraint></CreateBucketConfiguration>`,
  });
  if (!r.ok && r.status !== 409) throw new Error(`creating the state bucket ${env.state.bucket} in the emulator failed (HTTP ${r.status})`);
}

/**
 * Moto gap acm-certificate: ELBv2 checks that a listener's certificate exists in the account, and the configured ARN
 * cannot. The stack gets a certificate issued by the emulator's ACM (certificateArn only; nothing else changes).
 */
export async function withEmulatorCertificate(endpoint: string, env: EnvironmentConfig): Promise<EnvironmentConfig> {
  if (!env.loadBalancer.certificateArn) return env;
  const acm = new ACMClient(await accountConfig(endpoint, env.accountId, env.region));
  const domain = env.loadBalancer.domainName ?? `${env.name}.example.com`;
  const cert = await acm.send(new RequestCertificateCommand({ DomainName: domain, ValidationMethod: 'DNS' }));
  return defineEnvironment({ ...structuredClone(env), loadBalancer: { ...structuredClone(env.loadBalancer), certificateArn: cert.CertificateArn! } });
}

/**
 * What ECS does itself when it creates a CODE_DEPLOY service and moto does not: the original task set, on the blue
 * target group, made primary. Rolling services need nothing.
 */
export async function startOriginalTaskSet(endpoint: string, env: EnvironmentConfig): Promise<void> {
  const blueGreen = Object.entries(env.services).find(([, s]) => s.kind === 'web' && s.deployment.strategy === 'blue-green');
  if (!blueGreen) return;
  const names = serviceNames(env, blueGreen[0]);
  const ecs = new ECSClient(await accountConfig(endpoint, env.accountId, env.region));
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }))).services?.[0];
  if (!service) throw new Error(`service ${names.service} not found in cluster ${names.cluster} after the apply of ${env.name}`);
  if ((service.taskSets ?? []).length > 0) return;
  const original = await ecs.send(
    new CreateTaskSetCommand({
      cluster: names.cluster,
      service: names.service,
      taskDefinition: service.taskDefinition!,
      loadBalancers: service.loadBalancers,
      networkConfiguration: service.networkConfiguration,
      launchType: 'FARGATE',
    }),
  );
  await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: names.cluster, service: names.service, primaryTaskSet: original.taskSet!.taskSetArn! }));
}
