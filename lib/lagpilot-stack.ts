import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppParameters } from '../bin/params.ts';
import { KafkaAuth } from './kafka-connection.ts';
import { LagAlarms } from './lag-alarms.ts';
import { LagAutoscaler } from './lag-autoscaler.ts';
import { LagDashboard } from './lag-dashboard.ts';
import { MirrorWorkerService } from './mirror-worker-service.ts';

export interface LagpilotStackProps extends StackProps {
  /** The validated app parameters (`bin/params.ts`). */
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
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const kafka = { brokers: p.brokers, auth: kafkaAuth(this, p) };

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
      shutdownTimeout: Duration.seconds(d.workerShutdownSeconds),
      cpu: d.workerCpu,
      memoryLimitMiB: d.workerMemory,
      cpuArchitecture:
        d.workerArch === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      image: d.workerImage ? ecs.ContainerImage.fromRegistry(d.workerImage) : undefined,
      logRetention,
    });
    this.autoscaler = new LagAutoscaler(this, 'Autoscaler', {
      ...p.rules,
      service: this.worker.service,
      kafka,
      groupId: p.groupId,
      topics: p.topics,
      metricsNamespace: p.metricsNamespace,
      vpc: this.vpc,
      logRetention,
    });
    this.alarms = new LagAlarms(this, 'Alarms', {
      autoscaler: this.autoscaler,
      lagSecondsSlo: Duration.seconds(d.lagSecondsSlo),
      lagDuration: Duration.minutes(d.lagAlarmMinutes),
      alarmEmail: d.alarmEmail,
    });
    this.dashboard = new LagDashboard(this, 'Dashboard', {
      autoscaler: this.autoscaler,
      alarms: this.alarms,
    });
    new CfnOutput(this, 'AutoscalerFunctionName', {
      description: 'Retune: edit this function’s LAGPILOT_* environment (see README)',
      value: this.autoscaler.function.functionName,
    });
    new CfnOutput(this, 'WorkerServiceName', { value: this.worker.service.serviceName });
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

function kafkaAuth(scope: Construct, p: AppParameters): KafkaAuth {
  switch (p.kafkaAuth) {
    case 'none':
      return p.kafkaTls ? KafkaAuth.tls() : KafkaAuth.none();
    case 'tls':
      return KafkaAuth.tls();
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const arn = p.kafkaSecretArn!;
      // A complete ARN ends in the 6-character suffix Secrets Manager appends to the name.
      const secret = secretsmanager.Secret.fromSecretAttributes(scope, 'KafkaSecret', {
        ...(/-[A-Za-z0-9]{6}$/.test(arn) ? { secretCompleteArn: arn } : { secretPartialArn: arn }),
      });
      return KafkaAuth.scram(secret, { mechanism: p.kafkaAuth, tls: p.kafkaTls });
    }
    case 'msk-iam':
      throw new Error('kafkaAuth msk-iam: the worker fleet does not support MSK IAM');
  }
}
