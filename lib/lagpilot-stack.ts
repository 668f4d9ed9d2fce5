import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AppParameters, DeploySettings } from './deploy-params.ts';
import { KafkaSecrets } from './kafka-secrets.ts';
import { LagAlarms } from './lag-alarms.ts';
import { LagAutoscaler } from './lag-autoscaler.ts';
import { LagDashboard } from './lag-dashboard.ts';
import { MirrorWorkerService } from './mirror-worker-service.ts';
import { workerImageFrom } from './worker-image.ts';

export interface LagpilotStackProps extends StackProps {
  /** The validated app parameters (`lib/deploy-params.ts`). */
  readonly parameters: AppParameters;
}

/**
 * The whole product, composed: a VPC (new, or an existing one by id), an ECS cluster, the
 * mirroring worker fleet, the autoscaler that sizes it, its alarms and its dashboard.
 */
export class LagpilotStack extends Stack {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.Cluster;
  readonly worker: MirrorWorkerService;
  readonly autoscaler: LagAutoscaler;
  readonly alarms: LagAlarms;
  readonly dashboard: LagDashboard;

  constructor(scope: Construct, id: string, props: LagpilotStackProps) {
    super(scope, id, props);
    const p = props.parameters;
    const d = p.deploy;
    const logRetention = d.logRetentionDays as logs.RetentionDays;

    this.vpc = d.vpcId
      ? ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
          vpcId: d.vpcId,
          availabilityZones: d.vpcAzs ?? [],
          privateSubnetIds: d.vpcPrivateSubnetIds,
        })
      : newVpc(this, logRetention);
    // The worker enables the Fargate capacity providers it uses, and waits for them.
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const secrets = new KafkaSecrets(this, p);
    const caBundle = secrets.caBundle;
    const kafka = { brokers: p.brokers, auth: secrets.workerAuth, caBundle };
    const groups = existingGroups(this, d);

    this.worker = new MirrorWorkerService(this, 'Worker', {
      cluster: this.cluster,
      kafka,
      groupId: p.groupId,
      inputTopics: p.topics,
      outputTopic: d.outputTopic,
      partitionKey: d.partitionKey,
      filter: d.workerFilter,
      transform: d.workerTransform,
      onError: d.workerOnError,
      dlqTopic: d.workerDlqTopic,
      maxRate: d.workerMaxRate,
      threads: d.workerThreads,
      client: d.workerClient,
      groupProtocol: d.workerGroupProtocol,
      // One setting read alike by the worker and the autoscaler's lag: a group that starts at
      // `latest` must not mirror the retained history while its lag reads 0.
      consumerProperties: p.rules.offsetReset
        ? { 'auto.offset.reset': p.rules.offsetReset }
        : undefined,
      shutdownTimeout: Duration.seconds(d.workerShutdownSeconds),
      cpu: d.workerCpu,
      memoryLimitMiB: d.workerMemory,
      // Unset: ARM64, or X86_64 on Spot (the only architecture Spot runs).
      cpuArchitecture: d.workerArch && ARCHITECTURES[d.workerArch],
      image: d.workerImage ? workerImageFrom(this, d.workerImage) : undefined,
      capacityProviderStrategies: capacityMix(d),
      securityGroups: groups?.worker,
      metricsNamespace: p.metricsNamespace,
      logRetention,
    });
    this.autoscaler = new LagAutoscaler(this, 'Autoscaler', {
      ...p.rules,
      service: this.worker.service,
      kafka: { ...kafka, auth: secrets.autoscalerAuth },
      groupId: p.groupId,
      topics: p.topics,
      metricsNamespace: p.metricsNamespace,
      vpc: this.vpc,
      securityGroups: groups?.autoscaler,
      logRetention,
    });
    secrets.grantIfPartial(this.worker.taskDefinition.obtainExecutionRole(), this.autoscaler.role);
    this.alarms = new LagAlarms(this, 'Alarms', {
      autoscaler: this.autoscaler,
      worker: this.worker,
      lagSecondsSlo: Duration.seconds(d.lagSecondsSlo),
      lagDuration: Duration.minutes(d.lagAlarmMinutes),
      alarmEmail: d.alarmEmail,
    });
    this.dashboard = new LagDashboard(this, 'Dashboard', {
      autoscaler: this.autoscaler,
      alarms: this.alarms,
      worker: this.worker,
      dashboardName: this.stackName,
    });
    const clients = {
      WorkerSecurityGroupId: this.worker.connections,
      AutoscalerSecurityGroupId: this.autoscaler.connections,
    };
    for (const [index, groupId] of (d.brokerSecurityGroupIds ?? []).entries()) {
      this.admitToBrokers(index, groupId, p.brokers, clients);
    }
    if (d.vpcId && !d.brokerSecurityGroupIds && !groups) {
      // Valid for brokers that admit by CIDR; otherwise the first tasks cannot connect.
      Annotations.of(this).addWarningV2(
        'lagpilot:brokerAdmission',
        'Nothing admits the worker and the autoscaler at the brokers: give brokerSecurityGroupIds, or workerSecurityGroupId and autoscalerSecurityGroupId, unless the brokers already admit the CIDRs of vpcPrivateSubnetIds (docs/deploy.md, step 4)',
      );
    }
    for (const [id, connections] of Object.entries(clients)) {
      new CfnOutput(this, id, {
        description: 'Security group of these clients (admitted at brokerSecurityGroupIds)',
        value: connections.securityGroups.map((g) => g.securityGroupId).join(','),
      });
    }
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch → Dashboards: the fleet, its lag and the autoscaler',
      value: this.stackName,
    });
    new CfnOutput(this, 'AutoscalerFunctionName', {
      description: 'Retune: edit this function’s LAGPILOT_* environment (see README)',
      value: this.autoscaler.function.functionName,
    });
    new CfnOutput(this, 'WorkerServiceName', { value: this.worker.service.serviceName });
  }

  /** A brokers' group admits the worker's and the autoscaler's on every port in `brokers`. */
  private admitToBrokers(
    index: number,
    groupId: string,
    brokers: readonly string[],
    clients: Record<string, ec2.Connections>,
  ): void {
    // The first keeps the id a single group always had, so its rules are not replaced.
    const id = index === 0 ? 'BrokerSecurityGroup' : `BrokerSecurityGroup${index + 1}`;
    const brokerGroup = ec2.SecurityGroup.fromSecurityGroupId(this, id, groupId, {
      allowAllOutbound: false,
    });
    const ports = [...new Set(brokers.map((b) => Number(b.slice(b.lastIndexOf(':') + 1))))];
    for (const [name, connections] of Object.entries(clients)) {
      for (const port of ports) {
        brokerGroup.connections.allowFrom(
          connections,
          ec2.Port.tcp(port),
          `lagpilot ${name.replace(/SecurityGroupId$/, '').toLowerCase()} to Kafka`,
        );
      }
    }
    // The rules live under the imported group: the first tasks and the first scheduled step
    // start only once the brokers admit them.
    // (The resources themselves: the service's own security group is one of its children.)
    for (const client of [this.worker.service, this.autoscaler.schedule]) {
      client.node.defaultChild!.node.addDependency(brokerGroup);
    }
  }
}

function newVpc(scope: Construct, retention: logs.RetentionDays): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    flowLogs: {
      // Rejected flows diagnose a broker security group that does not admit the fleet;
      // logging every accepted Kafka flow would cost more than it tells.
      Rejected: {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(scope, 'FlowLogs', { retention }),
        ),
      },
    },
  });
}

const ARCHITECTURES = { arm64: ecs.CpuArchitecture.ARM64, x86_64: ecs.CpuArchitecture.X86_64 };

/** FARGATE_SPOT, with `onDemandBase` tasks (and `onDemandWeight` per Spot task) on FARGATE. */
function capacityMix(d: DeploySettings): ecs.CapacityProviderStrategy[] | undefined {
  if (d.capacityProvider !== 'FARGATE_SPOT') return undefined;
  const onDemand = d.onDemandBase > 0 || d.onDemandWeight > 0;
  return [
    ...(onDemand
      ? [{ capacityProvider: 'FARGATE', base: d.onDemandBase, weight: d.onDemandWeight }]
      : []),
    { capacityProvider: 'FARGATE_SPOT', weight: 1 },
  ];
}

/** Security groups made (and admitted at the brokers) before the deploy, when given. */
function existingGroups(
  scope: Construct,
  d: DeploySettings,
): { worker: ec2.ISecurityGroup[]; autoscaler: ec2.ISecurityGroup[] } | undefined {
  if (!d.workerSecurityGroupId || !d.autoscalerSecurityGroupId) return undefined;
  // Not mutable: their rules are the owner's, the stack adds none.
  const group = (id: string, groupId: string) =>
    ec2.SecurityGroup.fromSecurityGroupId(scope, id, groupId, { mutable: false });
  return {
    worker: [group('WorkerSecurityGroup', d.workerSecurityGroupId)],
    autoscaler: [group('AutoscalerSecurityGroup', d.autoscalerSecurityGroupId)],
  };
}
