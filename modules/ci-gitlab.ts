import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { partitionOf } from '../contracts/partition';
import { gitlabTrustStatement } from './gitlab-oidc';
import type { RoleProps } from './iam';

export interface GitlabAccessProps {
  readonly accountId: string;
  readonly region: string;
  /** `https://<host>` of the GitLab instance. */
  readonly issuerUrl: string;
  /** The `aud` of the jobs' id_tokens. */
  readonly audience: string;
  /** Application projects (`group/project`) whose jobs are trusted. */
  readonly projectPaths: readonly string[];
  /** Branches whose jobs are trusted. */
  readonly refs: readonly string[];
  /** GitLab environment of the deploy jobs. */
  readonly environment: string;
  /** GitLab environment of the blue/green traffic-shift job. @default `${environment}-approve` */
  readonly approvalEnvironment?: string;
  /** Create the account's OIDC provider for the issuer; false when it exists. @default true */
  readonly createOidcProvider?: boolean;
  /** Keep the GitHub trust of the deploy and approve roles beside GitLab's. @default true */
  readonly githubDeploys?: boolean;
}

type RoleTrust = Pick<RoleProps, 'principal' | 'assumeAction' | 'trustConditions' | 'extraTrust'>;

/**
 * GitLab CI's access to one account: the IAM OIDC provider of the GitLab issuer, and the trust statements that let
 * exactly the configured projects, branches and GitLab environment assume the deploy role (deploy jobs) and the
 * approve role (the traffic-shift job, its own protected environment). The roles and their rights stay CiAccess's: a
 * GitLab job gets what the GitHub workflow's job gets, nothing more.
 */
export class GitlabAccess extends Construct {
  /** The issuer's host: the IAM condition keys are `<host>:sub` and `<host>:aud`. */
  public readonly host: string;
  /** The provider's ARN, literal (the apply role's statement on it is compared at synthesis). */
  public readonly providerArn: string;
  public readonly provider?: IamOpenidConnectProvider;
  private readonly props: GitlabAccessProps;

  constructor(scope: Construct, id: string, props: GitlabAccessProps) {
    super(scope, id);
    this.props = props;
    this.host = new URL(props.issuerUrl).host;
    this.providerArn = `arn:${partitionOf(props.region)}:iam::${props.accountId}:oidc-provider/${this.host}`;
    if (props.createOidcProvider ?? true) {
      this.provider = new IamOpenidConnectProvider(this, 'provider', { url: `https://${this.host}`, clientIdList: [props.audience] });
    }
    // Fail at synthesis, naming the claim, rather than in IAM: every subject is rendered once here.
    this.statement(props.environment);
  }

  /**
   * The trust of a CI role for `job`: GitHub's (`github`) with GitLab's statement added, or GitLab's alone when
   * `githubDeploys` is false.
   */
  trust(job: 'deploy' | 'approve', github: RoleTrust): RoleTrust {
    const environment = job === 'deploy' ? this.props.environment : (this.props.approvalEnvironment ?? `${this.props.environment}-approve`);
    const statement = this.statement(environment);
    if (this.props.githubDeploys ?? true) return { ...github, extraTrust: [...(github.extraTrust ?? []), statement] };
    return {
      principal: statement.Principal as RoleTrust['principal'],
      assumeAction: statement.Action as string,
      trustConditions: statement.Condition as RoleTrust['trustConditions'],
    };
  }

  private statement(environment: string): Record<string, unknown> {
    const [ref, ...refs] = this.props.refs;
    return gitlabTrustStatement({
      host: this.host,
      // The provider's reference when the stack creates it: Terraform then creates the provider before the roles.
      providerArn: this.provider?.arn ?? this.providerArn,
      projectPaths: this.props.projectPaths,
      ref,
      refs,
      environment,
      audience: this.props.audience,
    });
  }
}
