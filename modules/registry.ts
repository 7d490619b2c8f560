import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { EcrReplicationConfiguration } from '@cdktf/provider-aws/lib/ecr-replication-configuration';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import type { PolicyStatement, Role } from './iam';
import { partitionOf } from '../contracts/partition';

export interface RegistryDestination {
  readonly accountId: string;
  readonly region: string;
}

export interface ContainerRegistryProps {
  readonly repositoryName: string;
  readonly accountId: string;
  readonly region: string;
  /** Images kept; older ones expire. @default 50 */
  readonly keepImages?: number;
  /** Registries (other accounts) that receive every pushed image with its digest unchanged. @default [] */
  readonly replicateTo?: readonly RegistryDestination[];
  /** Account allowed to replicate into this registry. @default undefined (none) */
  readonly acceptReplicationFrom?: string;
}

/**
 * The ECR repository the service runs from.
 *
 * Secure by default: tags are IMMUTABLE (ECR's default is MUTABLE, which allows the `latest` anti-pattern), images
 * are scanned on push (default off), encrypted with KMS (default AES256). Prod gets dev's tested bytes through ECR
 * replication: dev replicates every push into prod's registry, where the digest is unchanged, so prod's tasks never
 * depend on the dev account being reachable and prod's roles need no cross-account pull.
 */
export class ContainerRegistry extends Construct {
  public readonly repository: EcrRepository;
  public readonly replication?: EcrReplicationConfiguration;
  public readonly registryPolicy?: EcrRegistryPolicy;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const keep = props.keepImages ?? 50;
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`ContainerRegistry ${id}: keepImages: received ${keep}; allowed: an integer >= 1`);
    if (props.acceptReplicationFrom === props.accountId) {
      throw new Error(`ContainerRegistry ${id}: acceptReplicationFrom: received ${props.accountId}; allowed: an account other than this registry's own`);
    }

    this.repository = new EcrRepository(this, 'repository', {
      name: props.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS' }],
      forceDelete: false,
    });

    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Expire untagged images (failed pushes, superseded manifests) after 7 days',
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            description: `Keep the newest ${keep} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
            action: { type: 'expire' },
          },
        ],
      }),
    });

    const destinations = props.replicateTo ?? [];
    if (destinations.length > 0) {
      this.replication = new EcrReplicationConfiguration(this, 'replication', {
        replicationConfiguration: {
          rule: [
            {
              destination: destinations.map((d) => ({ region: d.region, registryId: d.accountId })),
              repositoryFilter: [{ filter: props.repositoryName, filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      });
    }

    if (props.acceptReplicationFrom) {
      this.registryPolicy = new EcrRegistryPolicy(this, 'accept-replication', {
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AcceptReplicationFromSourceAccount',
              Effect: 'Allow',
              Principal: { AWS: `arn:${partitionOf(props.region)}:iam::${props.acceptReplicationFrom}:root` },
              Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
              Resource: `arn:${partitionOf(props.region)}:ecr:${props.region}:${props.accountId}:repository/${props.repositoryName}`,
            },
          ],
        }),
      });
    }
  }

  /** Lets the role pull images of this repository (the auth token has no resource scoping in AWS). */
  grantPull(role: Role): void {
    const [token, pull] = this.pullStatements();
    role.addStatementsWithoutResourceScope(
      'ecr:GetAuthorizationToken has no resource-level permission in AWS (it returns a registry-wide login token); what can be pulled is scoped by the PullImages statement.',
      token,
    );
    role.addStatements(pull);
  }

  /** Lets the role read image metadata (resolve a tag to its digest). */
  grantReadMetadata(role: Role): void {
    role.addStatements({
      Sid: 'ReadImageDigests',
      Effect: 'Allow',
      Action: ['ecr:DescribeImages', 'ecr:BatchGetImage'],
      Resource: this.repository.arn,
    });
  }

  pullStatements(): PolicyStatement[] {
    return [
      { Sid: 'EcrAuthToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'PullImages',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: this.repository.arn,
      },
    ];
  }
}
