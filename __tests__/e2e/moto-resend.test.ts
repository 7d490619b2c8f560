import { randomUUID } from 'node:crypto';
import { startMoto, type Moto } from '../../scripts/lib/moto';
import { gap } from './moto-gaps';

/**
 * Gap `sdk-resend-after-answer` (./moto-gaps.ts): the emulator answers an AWS SDK's resend of a call it answered 2xx
 * with that answer, and carries out everything else (scripts/lib/moto_server_launcher.py). Calls are sent raw, so
 * each header the SDKs send on a resend is set by the test itself: amz-sdk-invocation-id, the same for every attempt
 * of one call, and amz-sdk-request, which counts the attempts.
 */
gap('sdk-resend-after-answer');

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] });

interface Answer {
  readonly status: number;
  readonly requestId: string | null;
  readonly body: string;
}

/** One attempt of an IAM query-API call (moto reads the service from the credential scope and checks no signature). */
async function attempt(moto: Moto, invocationId: string, n: number | string, params: Record<string, string>): Promise<Answer> {
  const r = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      'amz-sdk-invocation-id': invocationId,
      'amz-sdk-request': typeof n === 'number' ? `attempt=${n}; max=3` : n,
    },
    body: new URLSearchParams({ Version: '2010-05-08', ...params }),
  });
  return { status: r.status, requestId: r.headers.get('x-amzn-requestid'), body: await r.text() };
}

const policyId = (a: Answer) => /<PolicyId>([^<]+)<\/PolicyId>/.exec(a.body)?.[1];
const errorCode = (a: Answer) => /<Code>([^<]+)<\/Code>/.exec(a.body)?.[1];

describe('the emulator and an AWS SDK’s resends', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 180_000);
  afterAll(async () => moto?.stop());

  it('GIVEN a create answered 200 WHEN the SDK resends it (same invocation, attempt 2) THEN it gets the same answer, not EntityAlreadyExists', async () => {
    // GIVEN
    const call = randomUUID();
    const first = await attempt(moto, call, 1, { Action: 'CreatePolicy', PolicyName: 'resent', PolicyDocument: POLICY });
    expect(first.status).toBe(200);

    // WHEN
    const resend = await attempt(moto, call, 2, { Action: 'CreatePolicy', PolicyName: 'resent', PolicyDocument: POLICY });

    // THEN: the first answer again (same policy, same request id): the call was carried out once
    expect(resend).toEqual(first);
    expect(policyId(resend)).toBeDefined();
  });

  it('GIVEN a create answered 200 WHEN boto3 resends it (its header puts ttl first) THEN it gets the same answer', async () => {
    const call = randomUUID();
    const first = await attempt(moto, call, 'attempt=1; max=5', { Action: 'CreatePolicy', PolicyName: 'resent-by-boto3', PolicyDocument: POLICY });

    const resend = await attempt(moto, call, 'ttl=20261202T060000Z; attempt=2; max=5', { Action: 'CreatePolicy', PolicyName: 'resent-by-boto3', PolicyDocument: POLICY });

    expect(first.status).toBe(200);
    expect(resend).toEqual(first);
  });

  it('GIVEN the same create WHEN it is a new call (another invocation) THEN it is carried out, and refused as a duplicate', async () => {
    await attempt(moto, randomUUID(), 1, { Action: 'CreatePolicy', PolicyName: 'twice', PolicyDocument: POLICY });

    const second = await attempt(moto, randomUUID(), 1, { Action: 'CreatePolicy', PolicyName: 'twice', PolicyDocument: POLICY });

    expect(second.status).toBe(409);
    expect(errorCode(second)).toBe('EntityAlreadyExists');
  });

  it('GIVEN a call answered with an error WHEN the SDK resends it THEN the resend is carried out, not answered from the first', async () => {
    // GIVEN: a delete of a policy that does not exist yet is refused
    const arn = 'arn:aws:iam::123456789012:policy/later';
    const call = randomUUID();
    const first = await attempt(moto, call, 1, { Action: 'DeletePolicy', PolicyArn: arn });
    expect(first.status).toBe(404);
    // AND the policy is then created by another call
    expect((await attempt(moto, randomUUID(), 1, { Action: 'CreatePolicy', PolicyName: 'later', PolicyDocument: POLICY })).status).toBe(200);

    // WHEN the refused delete is resent
    const resend = await attempt(moto, call, 2, { Action: 'DeletePolicy', PolicyArn: arn });

    // THEN it was carried out: the policy is gone
    expect(resend.status).toBe(200);
    const read = await attempt(moto, randomUUID(), 1, { Action: 'GetPolicy', PolicyArn: arn });
    expect(errorCode(read)).toBe('NoSuchEntity');
  });

  it('GIVEN a call answered 200 WHEN a resend of it names another path THEN it is carried out (the answer belongs to one request)', async () => {
    const call = randomUUID();
    await attempt(moto, call, 1, { Action: 'CreatePolicy', PolicyName: 'path-a', PolicyDocument: POLICY });

    const r = await fetch(`${moto.endpoint}/?unrelated=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
        'amz-sdk-invocation-id': call,
        'amz-sdk-request': 'attempt=2; max=3',
      },
      body: new URLSearchParams({ Version: '2010-05-08', Action: 'CreatePolicy', PolicyName: 'path-a', PolicyDocument: POLICY }),
    });

    expect(r.status).toBe(409);
  });
});
