import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppParameters } from './deploy-params.ts';
import { KafkaAuth } from './kafka-connection.ts';
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
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: d.capacityProvider === 'FARGATE_SPOT',
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
      groupProtocol: d.workerGroupProtocol,
      shutdownTimeout: Duration.seconds(d.workerShutdownSeconds),
      cpu: d.workerCpu,
      memoryLimitMiB: d.workerMemory,
      cpuArchitecture:
        d.workerArch === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      image: d.workerImage ? workerImageFrom(this, d.workerImage) : undefined,
      capacityProvider: d.capacityProvider,
      metricsNamespace: p.metricsNamespace,
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
    this.grantAmbiguousSecret(p, kafka.auth, [
      this.worker.taskDefinition.obtainExecutionRole(),
      this.autoscaler.role,
    ]);
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
    });
    const groups = {
      WorkerSecurityGroupId: this.worker.service.connections,
      AutoscalerSecurityGroupId: this.autoscaler.function.connections,
    };
    if (d.brokerSecurityGroupId) this.admitToBrokers(d.brokerSecurityGroupId, p.brokers, groups);
    for (const [id, connections] of Object.entries(groups)) {
      new CfnOutput(this, id, {
        description:
          'Admit this group on the broker ports (done for you with brokerSecurityGroupId)',
        value: connections.securityGroups.map((g) => g.securityGroupId).join(','),
      });
    }
    new CfnOutput(this, 'AutoscalerFunctionName', {
      description: 'Retune: edit this function’s LAGPILOT_* environment (see README)',
      value: this.autoscaler.function.functionName,
    });
    new CfnOutput(this, 'WorkerServiceName', { value: this.worker.service.serviceName });
  }

  /** The brokers' group admits the worker's and the autoscaler's on every port in `brokers`. */
  private admitToBrokers(
    groupId: string,
    brokers: readonly string[],
    clients: Record<string, ec2.Connections>,
  ): void {
    const brokerGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'BrokerSecurityGroup',
      groupId,
      {
        allowAllOutbound: false,
      },
    );
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
  }

  /**
   * A secret ARN ending in `-` and six characters may be the complete ARN or a partial one whose
   * name happens to end that way; it was imported as complete, so also grant the partial form
   * (`<arn>-??????`) rather than guess, and the first deploy works either way.
   */
  private grantAmbiguousSecret(p: AppParameters, auth: KafkaAuth, roles: iam.IRole[]): void {
    if (!auth.secret || !p.kafkaSecretArn || !looksComplete(p.kafkaSecretArn)) return;
    const partial = secretsmanager.Secret.fromSecretAttributes(this, 'KafkaSecretIfPartial', {
      secretPartialArn: p.kafkaSecretArn,
    });
    // The key grant was made with the first form; the second form needs only the secret.
    for (const role of roles) partial.grantRead(role);
  }
}

/** Secrets Manager appends `-` and six characters to the name in a complete ARN. */
function looksComplete(arn: string): boolean {
  return /-[A-Za-z0-9]{6}$/.test(arn);
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
      const keyArn = p.deploy.kafkaSecretKmsKeyArn;
      const secret = secretsmanager.Secret.fromSecretAttributes(scope, 'KafkaSecret', {
        ...(looksComplete(arn) ? { secretCompleteArn: arn } : { secretPartialArn: arn }),
        // KafkaAuth.grantReadSecret gives each reader kms:Decrypt on it, via Secrets Manager.
        encryptionKey: keyArn ? kms.Key.fromKeyArn(scope, 'KafkaSecretKey', keyArn) : undefined,
      });
      return KafkaAuth.scram(secret, { mechanism: p.kafkaAuth, tls: p.kafkaTls });
    }
    case 'msk-iam':
      return KafkaAuth.mskIam(p.deploy.mskClusterArn!);
  }
}
