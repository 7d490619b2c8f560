import { FULL_SECRET_ARN, KMS_KEY_ARN as KEY_ARN } from '../contracts/registry-source';
import type { PolicyStatement } from './iam';

export { FULL_SECRET_ARN };

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

/**
 * The grants of every container of one task that pulls from a private registry (the application container and any
 * sidecar): one read statement over exactly those secrets, and one decrypt statement per secret with its own key.
 * The same secret named twice is granted once.
 */
export function registryPullStatementsFor(grants: readonly RegistryPullGrant[]): PolicyStatement[] {
  const unique = [...new Map(grants.map((g) => [`${g.secretArn} ${g.kmsKeyArn ?? ''}`, g])).values()].sort((a, b) => a.secretArn.localeCompare(b.secretArn));
  if (unique.length === 0) return [];
  const each = unique.map(registryPullStatements);
  const reads = each.map((s) => s[0].Resource as string);
  const decrypts = each.flatMap((s) => s.slice(1));
  return [
    { ...each[0][0], Resource: reads.length === 1 ? reads[0] : [...new Set(reads)] },
    ...decrypts.map((s, i) => (decrypts.length === 1 ? s : { ...s, Sid: `${s.Sid}${i + 1}` })),
  ];
}
