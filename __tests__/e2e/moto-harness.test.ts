import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startMoto, type Moto } from '../../scripts/lib/moto';

describe('moto harness', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());

  test('the real AWS SDK reaches the emulator on 127.0.0.1 through AWS_ENDPOINT_URL', async () => {
    // GIVEN a moto server / WHEN the SDK asks STS who it is / THEN moto answers with its default account
    const sts = new STSClient({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('123456789012');
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
