import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, GetCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startMoto, type Moto } from '../../scripts/lib/moto';

/**
 * The emulator's account snapshots (scripts/lib/moto_server_launcher.py, scripts/lib/moto_snapshot.py), on which the
 * e2e tier's one-apply-per-stack rests (__tests__/helpers/applied-cache.ts): what was saved comes back whole in another
 * server, only the saved accounts move, and the loaded server goes on working.
 */
const REGION = 'eu-west-1';
const [SAVED, NOT_SAVED, BYSTANDER, DEFAULT] = ['111111111111', '222222222222', '333333333333', '123456789012'];

async function inAccount(moto: Moto, account: string) {
  const sts = new STSClient({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/e2e`, RoleSessionName: 'e2e' }))).Credentials!;
  const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } };
  return { config, ssm: new SSMClient(config), iam: new IAMClient(config), acm: new ACMClient(config), secrets: new SecretsManagerClient(config) };
}

/** S3 in moto's default account (the state buckets' account: the backend runs with the ambient credentials). */
const s3 = (moto: Moto) => new S3Client({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

const parameter = async (ssm: SSMClient, name: string): Promise<string | undefined> =>
  (await ssm.send(new GetParameterCommand({ Name: name })).catch(() => undefined))?.Parameter?.Value;

describe('moto account snapshots: save some accounts of one emulator, load them into another', () => {
  const folder = mkdtempSync(join(tmpdir(), 'moto-snapshot-'));
  const file = join(folder, 'accounts.pickle');
  let source: Moto;
  let target: Moto;
  let certificateArn: string;

  beforeAll(async () => {
    [source, target] = await Promise.all([startMoto(), startMoto()]);
    // GIVEN in the source: a role, a parameter, a secret and an issued certificate (an OpenSSL key) in the saved
    // account, a bucket with an object in the default account (S3's bucket namespace), a parameter in another account
    const saved = await inAccount(source, SAVED);
    await saved.iam.send(new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    await saved.ssm.send(new PutParameterCommand({ Name: '/app/release', Value: 'image@sha256:1', Type: 'String' }));
    await saved.secrets.send(new CreateSecretCommand({ Name: 'app/db', SecretString: 's3cret' }));
    certificateArn = (await saved.acm.send(new RequestCertificateCommand({ DomainName: 'app.example.com', ValidationMethod: 'DNS' }))).CertificateArn!;
    await s3(source).send(new CreateBucketCommand({ Bucket: 'state-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3(source).send(new PutObjectCommand({ Bucket: 'state-bucket', Key: 'dev.tfstate', Body: '{"version":4}' }));
    await (await inAccount(source, NOT_SAVED)).ssm.send(new PutParameterCommand({ Name: '/other', Value: 'stays', Type: 'String' }));
    // AND in the target, before loading: a parameter of its own in the saved account, and an account nobody saved
    await (await inAccount(target, SAVED)).ssm.send(new PutParameterCommand({ Name: '/before-load', Value: 'replaced', Type: 'String' }));
    await (await inAccount(target, BYSTANDER)).ssm.send(new PutParameterCommand({ Name: '/bystander', Value: 'untouched', Type: 'String' }));
    // WHEN the saved and the default account are saved from the source and loaded into the target
    await source.saveAccounts(file, [SAVED, DEFAULT]);
    await target.loadAccounts(file);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  test('THEN the saved account comes back whole: role, parameter, secret value, certificate with its key', async () => {
    const saved = await inAccount(target, SAVED);
    expect((await saved.iam.send(new GetRoleCommand({ RoleName: 'kept' }))).Role!.Arn).toBe(`arn:aws:iam::${SAVED}:role/kept`);
    expect(await parameter(saved.ssm, '/app/release')).toBe('image@sha256:1');
    expect((await saved.secrets.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString).toBe('s3cret');
    expect((await saved.acm.send(new DescribeCertificateCommand({ CertificateArn: certificateArn }))).Certificate!.DomainName).toBe('app.example.com');
    expect((await saved.acm.send(new GetCertificateCommand({ CertificateArn: certificateArn }))).Certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test('THEN the bucket is found by name and serves its object (the bucket namespace travels with its account)', async () => {
    const object = await s3(target).send(new GetObjectCommand({ Bucket: 'state-bucket', Key: 'dev.tfstate' }));
    expect(await object.Body!.transformToString()).toBe('{"version":4}');
    // S3 names are global: another account cannot take the name of a loaded bucket
    const other = new S3Client({ ...(await inAccount(target, BYSTANDER)).config, forcePathStyle: true });
    await expect(other.send(new CreateBucketCommand({ Bucket: 'state-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } }))).rejects.toThrow(/bucket name is not available/);
  });

  test('THEN only the saved accounts move: what the target held for them is replaced, other accounts stay as they were', async () => {
    expect(await parameter((await inAccount(target, SAVED)).ssm, '/before-load')).toBeUndefined();
    expect(await parameter((await inAccount(target, NOT_SAVED)).ssm, '/other')).toBeUndefined();
    expect(await parameter((await inAccount(target, BYSTANDER)).ssm, '/bystander')).toBe('untouched');
  });

  test('THEN the loaded account goes on working: new writes next to the loaded ones, a second certificate', async () => {
    const saved = await inAccount(target, SAVED);
    await saved.ssm.send(new PutParameterCommand({ Name: '/app/release', Value: 'image@sha256:2', Type: 'String', Overwrite: true }));
    expect(await parameter(saved.ssm, '/app/release')).toBe('image@sha256:2');
    const second = (await saved.acm.send(new RequestCertificateCommand({ DomainName: 'api.example.com', ValidationMethod: 'DNS' }))).CertificateArn!;
    expect(second).not.toBe(certificateArn);
  });

  test('a save naming no account is refused with the reason, and the server keeps answering', async () => {
    await expect(source.saveAccounts(file, [])).rejects.toThrow(/no accounts to save/);
    expect(await parameter((await inAccount(source, SAVED)).ssm, '/app/release')).toBe('image@sha256:1');
  });
});
