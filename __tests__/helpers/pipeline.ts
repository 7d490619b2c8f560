import { randomInt } from 'node:crypto';
import { cpSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Moto } from '../../scripts/lib/moto';
import { repoRoot } from '../../scripts/lib/paths';
import { gap } from '../e2e/moto-gaps';
import { prod, variant } from './stacks';

/**
 * Prod with the rolling controller and an ACM certificate issued by moto: what the pipeline tests promote into (the
 * CodeDeploy path of prod's blue/green configuration is proven in blue-green.test.ts).
 */
export async function rollingProd(moto: Moto): Promise<EnvironmentConfig> {
  gap('acm-certificate');
  const sts = new STSClient({ endpoint: moto.endpoint, region: prod.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${prod.accountId}:role/e2e-setup`, RoleSessionName: 'e2e' }))).Credentials!;
  const acm = new ACMClient({ endpoint: moto.endpoint, region: prod.region, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
  // The same certificate ARN in every file (moto draws ids from its seeded generator), so that the files applying this
  // prod share one apply (./applied-cache.ts); the generator is seeded at random again right after.
  const seed = async (a: number) => void (await fetch(`${moto.endpoint}/moto-api/seed?a=${a}`, { method: 'POST' }));
  await seed(20261202);
  const cert = await acm.send(new RequestCertificateCommand({ DomainName: prod.loadBalancer.domainName!, ValidationMethod: 'DNS' }));
  await seed(randomInt(2 ** 31));
  return variant(prod, {
    loadBalancer: { certificateArn: cert.CertificateArn!, allowedTestCidrs: undefined },
    services: { web: { deployment: { strategy: 'rolling', trafficShifting: undefined, approvalWaitMinutes: undefined, terminationWaitMinutes: undefined } } },
  });
}

/**
 * The built release CLI copied as a pipeline installs it, with the organisation's environments: `prodEnv` replaces the
 * compiled prod configuration (a child process cannot be handed a configuration object). Returns the cli.js path.
 */
export function installCli(dir: string, prodEnv: EnvironmentConfig): string {
  cpSync(join(repoRoot(), 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'dist', 'environments', 'prod.js'), `"use strict";\nexports.default = ${JSON.stringify(prodEnv)};\n`);
  return join(dir, 'dist', 'src', 'release', 'cli.js');
}
