import { registryPullStatements } from '../../modules/private-registry';
import { evaluatePrincipal, type PolicyDocument } from '../helpers/iam-evaluator';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull-AbC123';
const OTHER = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/db-XyZ789';
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const role = (): PolicyDocument => ({ Version: '2012-10-17', Statement: registryPullStatements({ secretArn: SECRET, kmsKeyArn: KEY }) as unknown as PolicyDocument['Statement'] });
const can = (action: string, resource: string, context: Record<string, string> = {}) => evaluatePrincipal({ identity: [role()] }, { action, resource, context }).allowed;
const viaSecretsManager = (secret: string) => ({ 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': secret });

describe('the execution role\'s grant for private-registry credentials (evaluated)', () => {
  test('reads exactly the pull secret, and no other secret, nor the pull secret by a partial ARN', () => {
    expect(can('secretsmanager:GetSecretValue', SECRET)).toBe(true);
    expect(can('secretsmanager:GetSecretValue', OTHER)).toBe(false);
    expect(can('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull')).toBe(false);
    expect(can('secretsmanager:PutSecretValue', SECRET)).toBe(false);
  });

  test('decrypts with the secret\'s key only through Secrets Manager, for that secret', () => {
    expect(can('kms:Decrypt', KEY, viaSecretsManager(SECRET))).toBe(true);
    expect(can('kms:Decrypt', KEY, viaSecretsManager(OTHER))).toBe(false);
    expect(can('kms:Decrypt', KEY, { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': SECRET })).toBe(false);
    expect(can('kms:Decrypt', KEY, {})).toBe(false);
    expect(can('kms:Decrypt', KEY.replace('0a1b', 'ffff'), viaSecretsManager(SECRET))).toBe(false);
  });

  test('without its own key the grant is the secret read alone', () => {
    expect(registryPullStatements({ secretArn: SECRET }).map((s) => s.Sid)).toEqual(['ReadRegistryCredentials']);
  });

  test.each([
    ['a secret name', 'webapp/dev/registry-pull'],
    ['a partial ARN without the random suffix', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull'],
    ['a wildcard', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull-*'],
  ])('%s is refused in one line naming the field', (_what, secretArn) => {
    expect(() => registryPullStatements({ secretArn })).toThrow(/^repositoryCredentials secretArn: received ".*"; allowed: a complete Secrets Manager secret ARN/);
  });
});
