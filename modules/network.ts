import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { VpcEndpointName } from '../environments/schema';
import { Role } from './iam';
import type { LogEncryptionKey } from './log-key';
import { partitionOf } from '../contracts/partition';

export interface FlowLogsProps {
  /** Account of the VPC: the delivery role trusts the flow-logs service for this account only. */
  readonly accountId: string;
  /** @default 'ALL' */
  readonly trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
  /** Retention of the flow-log group, days. @default 30 */
  readonly retentionDays?: number;
  /** Key encrypting the flow-log group. @default undefined (CloudWatch Logs' AWS-owned key) */
  readonly encryptionKey?: LogEncryptionKey;
}

export interface NetworkProps {
  /** Name prefix for tags. */
  readonly name: string;
  readonly region: string;
  readonly vpcCidr: string;
  /** Two or more zones; subnets are created one per zone in this order. */
  readonly availabilityZones: string[];
  readonly publicSubnetCidrs: string[];
  readonly privateSubnetCidrs: string[];
  /** Outbound internet for private subnets. @default 'single' */
  readonly natGateways?: 'none' | 'single' | 'one-per-az';
  /** Endpoints to create; `s3` is a gateway endpoint, the rest are interface endpoints. @default [] */
  readonly vpcEndpoints?: readonly VpcEndpointName[];
  /**
   * VPC flow logs to CloudWatch Logs (AWS default: none): who talked to what, for incident response. Ingestion is
   * billed per GB; choose 'REJECT' to keep only refused traffic. @default undefined (none)
   */
  readonly flowLogs?: FlowLogsProps;
}

/**
 * A VPC with public subnets (load balancer, NAT) and private subnets (tasks), one of each per zone, NAT per the
 * environment's choice and VPC endpoints so AWS traffic (ECR, S3, Logs, SSM, Secrets Manager) bypasses NAT.
 *
 * Secure by default: the VPC's default security group is emptied (AWS's default allows all traffic between its
 * members), and public subnets do not hand out public IPs (AWS's default for new subnets is off too, kept explicit).
 */
export class Network extends Construct {
  public readonly vpc: Vpc;
  public readonly publicSubnets: Subnet[];
  public readonly privateSubnets: Subnet[];
  public readonly privateRouteTables: RouteTable[];
  public readonly natGateways: NatGateway[];
  /** Interface endpoints by name (`s3` is a gateway endpoint and also listed). */
  public readonly endpoints: Partial<Record<VpcEndpointName, VpcEndpoint>> = {};
  /** Security group of the interface endpoints: HTTPS from inside the VPC only. */
  public readonly endpointSecurityGroup?: SecurityGroup;
  public readonly cidr: string;
  public readonly flowLog?: FlowLog;
  public readonly flowLogGroup?: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const zones = props.availabilityZones;
    if (zones.length < 2) throw new Error(`Network ${id}: availabilityZones: received ${zones.length}; allowed: at least 2`);
    for (const kind of ['publicSubnetCidrs', 'privateSubnetCidrs'] as const) {
      if (props[kind].length !== zones.length) {
        throw new Error(`Network ${id}: ${kind}: received ${props[kind].length} CIDRs; allowed: one per availability zone (${zones.length})`);
      }
    }
    const natMode = props.natGateways ?? 'single';
    this.cidr = props.vpcCidr;

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    new DefaultSecurityGroup(this, 'default-sg', { vpcId: this.vpc.id, tags: { Name: `${props.name}-default-closed` } });
    if (props.flowLogs) [this.flowLogGroup, this.flowLog] = this.addFlowLogs(props.name, props.region, props.flowLogs);

    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: props.name } });
    const publicRt = new RouteTable(this, 'public-rt', { vpcId: this.vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'public-default', { routeTableId: publicRt.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });

    this.publicSubnets = zones.map((az, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: props.publicSubnetCidrs[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${az}`, Tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${i}-rta`, { subnetId: subnet.id, routeTableId: publicRt.id });
      return subnet;
    });

    const natCount = natMode === 'none' ? 0 : natMode === 'single' ? 1 : zones.length;
    this.natGateways = Array.from({ length: natCount }, (_, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${zones[i]}` } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i].id,
        tags: { Name: `${props.name}-nat-${zones[i]}` },
        dependsOn: [igw],
      });
    });

    this.privateRouteTables = [];
    this.privateSubnets = zones.map((az, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: props.privateSubnetCidrs[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${az}`, Tier: 'private' },
      });
      const rt = new RouteTable(this, `private-rt-${i}`, { vpcId: this.vpc.id, tags: { Name: `${props.name}-private-${az}` } });
      if (natCount > 0) {
        const nat = this.natGateways[Math.min(i, natCount - 1)];
        new Route(this, `private-${i}-default`, { routeTableId: rt.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      }
      new RouteTableAssociation(this, `private-${i}-rta`, { subnetId: subnet.id, routeTableId: rt.id });
      this.privateRouteTables.push(rt);
      return subnet;
    });

    const wanted = [...new Set(props.vpcEndpoints ?? [])];
    const interfaceEndpoints = wanted.filter((e) => e !== 's3');
    if (interfaceEndpoints.length > 0) {
      this.endpointSecurityGroup = new SecurityGroup(this, 'endpoints-sg', {
        name: `${props.name}-vpc-endpoints`,
        description: 'HTTPS from inside the VPC to the interface endpoints',
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-vpc-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, 'endpoints-https-in', {
        securityGroupId: this.endpointSecurityGroup.id,
        description: 'HTTPS from the VPC',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.vpcCidr,
      });
      new VpcSecurityGroupEgressRule(this, 'endpoints-https-out', {
        securityGroupId: this.endpointSecurityGroup.id,
        description: 'Responses stay inside the VPC',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.vpcCidr,
      });
    }
    for (const name of wanted) {
      const serviceName = `com.amazonaws.${props.region}.${name}`;
      this.endpoints[name] =
        name === 's3'
          ? new VpcEndpoint(this, 'endpoint-s3', {
              vpcId: this.vpc.id,
              serviceName,
              vpcEndpointType: 'Gateway',
              routeTableIds: this.privateRouteTables.map((rt) => rt.id),
              tags: { Name: `${props.name}-s3` },
            })
          : new VpcEndpoint(this, `endpoint-${name.replace('.', '-')}`, {
              vpcId: this.vpc.id,
              serviceName,
              vpcEndpointType: 'Interface',
              privateDnsEnabled: true,
              subnetIds: this.privateSubnets.map((s) => s.id),
              securityGroupIds: [this.endpointSecurityGroup!.id],
              tags: { Name: `${props.name}-${name}` },
            });
    }
  }

  private addFlowLogs(name: string, region: string, props: FlowLogsProps): [CloudwatchLogGroup, FlowLog] {
    const group = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/vpc/${name}/flow-logs`,
      retentionInDays: props.retentionDays ?? 30,
      kmsKeyId: props.encryptionKey?.arn,
    });
    const role = new Role(this, 'flow-logs-role', {
      name: `${name}-vpc-flow-logs`.slice(0, 64),
      description: `VPC flow logs of ${name} into their log group`,
      principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      // Confused-deputy guard recommended by AWS: only flow logs of this account may use the role.
      trustConditions: {
        StringEquals: { 'aws:SourceAccount': props.accountId },
        ArnLike: { 'aws:SourceArn': `arn:${partitionOf(region)}:ec2:${region}:${props.accountId}:vpc-flow-log/*` },
      },
    });
    // What aws-cdk's FlowLog grants: write to this group only (AWS's example grants logs:* actions on "*").
    role.addStatements({
      Sid: 'WriteFlowLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: `${group.arn}:*`,
    });
    const flowLog = new FlowLog(this, 'flow-log', {
      vpcId: this.vpc.id,
      trafficType: props.trafficType ?? 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: group.arn,
      iamRoleArn: role.arn,
      tags: { Name: `${name}-flow-logs` },
    });
    return [group, flowLog];
  }
}
