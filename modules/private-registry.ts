import type { PolicyStatement } from './iam';

/** A complete Secrets Manager secret ARN: the name, `-`, and the six random characters AWS appends. */
export const FULL_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-f-]{36}$/;

export interface RegistryPullGrant {
  /** The secret ECS reads the registry credentials from (`repositoryCredentials.credentialsParameter`). */
  readonly secretArn: string;
  /** The customer managed key the secret is encrypted with. @default the AWS managed key (no kms grant needed) */
  readonly kmsKeyArn?: string;
}

/**
 * What a task's execution role needs to pull from a private registry, and nothing more: read exactly that secret
 * (by its complete ARN, the random suffix included; a name or a partial ARN matches nothing and invites a wildcard),
 * and, when the secret has its own key, decrypt with that key only through Secrets Manager, for that secret.
 * Throws on anything that is not a complete ARN, naming the field.
 */
export function registryPullStatements(grant: RegistryPullGrant): PolicyStatement[] {
  const secret = FULL_SECRET_ARN.exec(grant.secretArn);
  if (!secret) {
    throw new Error(`repositoryCredentials secretArn: received ${JSON.stringify(grant.secretArn)}; allowed: a complete Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>)`);
  }
  const out: PolicyStatement[] = [{ Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: grant.secretArn }];
  if (grant.kmsKeyArn !== undefined) {
    const key = KEY_ARN.exec(grant.kmsKeyArn);
    if (!key) throw new Error(`repositoryCredentials kmsKeyArn: received ${JSON.stringify(grant.kmsKeyArn)}; allowed: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
    out.push({
      Sid: 'DecryptRegistryCredentials',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: grant.kmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${secret[1]}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': grant.secretArn },
      },
    });
  }
  return out;
}
