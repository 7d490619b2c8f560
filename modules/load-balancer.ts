import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import type { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { CODEDEPLOY_LISTENER_PATHS } from '../contracts/codedeploy';
import type { AccessLogBucket } from './access-log-bucket';
import type { Network } from './network';

/** What CodeDeploy rewrites on a blue/green listener, and so the only paths Terraform ignores there. */
export { CODEDEPLOY_LISTENER_PATHS as CODEDEPLOY_OWNED_LISTENER_PATHS };

export interface TestListenerProps {
  /** Port of the test listener; must not be 80 or 443. */
  readonly port: number;
  /** The only sources admitted on the test port. Must not be empty. */
  readonly allowedCidrs: string[];
}

export interface LoadBalancerProps {
  /**
   * ALB name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen, not starting with "internal-"
   * (AWS's rules; `awsName()` in environments/names.ts cuts a longer name into one).
   */
  readonly name: string;
  readonly network: Network;
  /** ACM certificate; with it the ALB serves HTTPS and redirects HTTP. @default undefined (plain HTTP) */
  readonly certificateArn?: string;
  /** @default 'ELBSecurityPolicy-TLS13-1-2-2021-06' */
  readonly sslPolicy?: string;
  /** AWS default false. @default true */
  readonly deletionProtection?: boolean;
  /** @default 60 */
  readonly idleTimeoutSeconds?: number;
  /** Sources admitted on 80/443. @default ['0.0.0.0/0'] */
  readonly allowedIngressCidrs?: string[];
  /** Public host name (pointed at this ALB, covered by the certificate); used in URLs when set. @default undefined */
  readonly domainName?: string;
  /** A second listener for blue/green testing. @default undefined (none) */
  readonly testListener?: TestListenerProps;
  /** Bucket for the access logs (every request, with client IP, path, status and TLS details). @default undefined (none) */
  readonly accessLogBucket?: AccessLogBucket;
}

/**
 * An internet-facing Application Load Balancer in the public subnets.
 *
 * Secure by default: invalid HTTP header fields are dropped (AWS default: forwarded), deletion protection is on
 * (AWS default: off), HTTP only redirects to HTTPS when a certificate is configured, the TLS policy is TLS 1.2+ with
 * forward secrecy, and listeners answer 404 unless a service's rule matches. With `accessLogBucket` every request is
 * logged there; the WAF web ACL is associated from outside (modules/web-acl.ts takes the ALB's ARN).
 */
export class LoadBalancer extends Construct {
  public readonly alb: Lb;
  public readonly securityGroup: SecurityGroup;
  /** The listener users reach: HTTPS:443 with a certificate, HTTP:80 without. */
  public readonly productionListener: LbListener;
  /** HTTP:80 redirecting to HTTPS, when a certificate is configured. */
  public readonly redirectListener?: LbListener;
  public readonly testListener?: LbListener;
  public readonly https: boolean;
  private readonly props: LoadBalancerProps;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.props = props;
    if (props.name.length > 32) throw new Error(`LoadBalancer ${id}: name: received "${props.name}"; allowed: at most 32 characters`);
    // Checked here rather than left to the API: AWS refuses these names only at apply time, after the plan looked fine.
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(props.name) || props.name.startsWith('internal-')) {
      throw new Error(`LoadBalancer ${id}: name: received "${props.name}"; allowed: letters, digits and hyphens, not starting or ending with a hyphen, not starting with "internal-"`);
    }
    if (props.testListener) {
      const t = props.testListener;
      if (t.allowedCidrs.length === 0) throw new Error(`LoadBalancer ${id}: testListener.allowedCidrs: received []; allowed: at least one CIDR`);
      if (t.port === 80 || t.port === 443) throw new Error(`LoadBalancer ${id}: testListener.port: received ${t.port}; allowed: a port other than 80 and 443`);
    }
    this.https = props.certificateArn !== undefined;
    const ingress = props.allowedIngressCidrs ?? ['0.0.0.0/0'];

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-alb`,
      description: `Load balancer ${props.name}`,
      vpcId: props.network.vpc.id,
      tags: { Name: `${props.name}-alb` },
    });
    const publicPorts = this.https ? [80, 443] : [80];
    for (const port of publicPorts) {
      ingress.forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `in-${port}-${i}`, {
          securityGroupId: this.securityGroup.id,
          description: port === 80 && this.https ? 'HTTP (redirected to HTTPS)' : `${this.https ? 'HTTPS' : 'HTTP'} from clients`,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        });
      });
    }
    props.testListener?.allowedCidrs.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `in-test-${i}`, {
        securityGroupId: this.securityGroup.id,
        description: 'Blue/green test listener, allowed testers only',
        ipProtocol: 'tcp',
        fromPort: props.testListener!.port,
        toPort: props.testListener!.port,
        cidrIpv4: cidr,
      });
    });

    this.alb = new Lb(this, 'alb', {
      name: props.name,
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [this.securityGroup.id],
      subnets: props.network.publicSubnets.map((s) => s.id),
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? true,
      idleTimeout: props.idleTimeoutSeconds ?? 60,
      desyncMitigationMode: 'strictest',
      accessLogs: props.accessLogBucket ? { bucket: props.accessLogBucket.bucket.bucket, prefix: props.accessLogBucket.prefix, enabled: true } : undefined,
      // AWS test-writes to the bucket when access logs are turned on: the bucket policy must exist first.
      dependsOn: props.accessLogBucket?.ready,
      tags: { Name: props.name },
    });

    const notFound = [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'Not found' } }];
    this.productionListener = this.listener('production', this.https ? 443 : 80, notFound);
    if (this.https) {
      this.redirectListener = new LbListener(this, 'http-redirect', {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      });
    }
    if (props.testListener) this.testListener = this.listener('test', props.testListener.port, notFound);
  }

  private listener(id: string, port: number, defaultAction: { type: string; fixedResponse: { contentType: string; statusCode: string; messageBody: string } }[]): LbListener {
    return new LbListener(this, id, {
      loadBalancerArn: this.alb.arn,
      port,
      protocol: this.https ? 'HTTPS' : 'HTTP',
      sslPolicy: this.https ? (this.props.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06') : undefined,
      certificateArn: this.props.certificateArn,
      defaultAction,
    });
  }

  /**
   * Hands the production and test listeners to CodeDeploy (ECS blue/green). CodeDeploy moves traffic by rewriting a
   * listener's default action (ModifyListener): to a weighted forward across both target groups while it shifts, and
   * to `{ new: 100, old: 0 }` when done. So both listeners forward to `initial` when created (the documented CodeDeploy
   * setup: one default rule per listener, forwarding to the primary target group), and Terraform ignores exactly the
   * forward target of their default action: `target_group_arn` and `forward`. The action's type, the port, protocol,
   * certificate and TLS policy stay Terraform's.
   */
  forwardForBlueGreen(initial: LbTargetGroup): { production: LbListener; test: LbListener } {
    const test = this.testListener;
    if (!test) throw new Error(`LoadBalancer ${this.node.id}: testListener: received nothing; allowed: a test listener (blue/green needs one)`);
    for (const listener of [this.productionListener, test]) {
      listener.putDefaultAction([{ type: 'forward', targetGroupArn: initial.arn }]);
      listener.lifecycle = { ignoreChanges: [...CODEDEPLOY_LISTENER_PATHS] };
    }
    return { production: this.productionListener, test };
  }

  /** URL of the blue/green test listener (reachable from the allowed test CIDRs only). */
  get testUrl(): string | undefined {
    if (!this.props.testListener) return undefined;
    // The host name the certificate covers, so testers get no TLS warning; the ALB's own name otherwise.
    return `${this.https ? 'https' : 'http'}://${this.props.domainName ?? this.alb.dnsName}:${this.props.testListener.port}`;
  }

  /** Opens the path ALB -> targets on `port`: egress here, ingress on the targets' group, nothing wider. */
  allowTrafficTo(id: string, targets: SecurityGroup, port: number): void {
    new VpcSecurityGroupEgressRule(this, `out-${id}`, {
      securityGroupId: this.securityGroup.id,
      description: `To ${id} targets`,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: targets.id,
    });
    new VpcSecurityGroupIngressRule(this, `in-${id}`, {
      securityGroupId: targets.id,
      description: 'From the load balancer only',
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: this.securityGroup.id,
    });
  }

  /** Public URL of the production listener. */
  get url(): string {
    return `${this.https ? 'https' : 'http'}://${this.alb.dnsName}`;
  }
}
