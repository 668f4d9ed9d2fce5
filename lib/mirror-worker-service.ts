import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  WORKER_METRIC_DIMENSION,
  type WorkerMetricName,
} from '../worker/src/cloudwatch-metrics.ts';
import type { ClientChoice, GroupProtocol } from '../worker/src/config.ts';
import { TaskExecutionRole } from './execution-role.ts';
import {
  grantReadKafkaSecrets,
  type KafkaAuth,
  type KafkaConnection,
  resolveKafka,
} from './kafka-connection.ts';
import { DEFAULT_METRICS_NAMESPACE } from './lag-autoscaler.ts';
import {
  HEALTH_CHECK_COMMAND,
  workerEnvironment,
  workerImage,
  workerSecrets,
} from './worker-container.ts';

/** Fargate stops a task at most 120 s after SIGTERM. */
const MAX_STOP_TIMEOUT = Duration.seconds(120);
/** Time between the worker's drain deadline and SIGKILL, for the process to exit. */
const EXIT_GRACE = Duration.seconds(5);

/** Props of {@link MirrorWorkerService}. Each worker setting maps to its `MIRROR_*` variable. */
export interface MirrorWorkerServiceProps {
  /** The ECS cluster to run in (its VPC hosts the tasks). */
  readonly cluster: ecs.ICluster;
  /** The Kafka cluster, and how to authenticate (SCRAM credentials come from Secrets Manager). */
  readonly kafka: KafkaConnection;
  /** Consumer group id (`MIRROR_APPID`); every task joins it. */
  readonly groupId: string;
  /** Topic(s) to consume (`MIRROR_INPUT`). */
  readonly inputTopics: readonly string[];
  /** Topic to produce to (`MIRROR_OUTPUT`). */
  readonly outputTopic: string;
  /**
   * JSON pointer into the message whose value keys the produced record (`MIRROR_PARTITION`).
   * @default - the worker's default (the input record's key)
   */
  readonly partitionKey?: string;
  /**
   * Filter expression (`MIRROR_FILTER`): messages it rejects are not produced.
   * @default - the worker's default (every message passes)
   */
  readonly filter?: string;
  /**
   * Transform (`MIRROR_TRANSFORM`), serialised as JSON.
   * @default - the worker's default (messages pass unchanged)
   */
  readonly transform?: unknown;
  /**
   * What to do with a message that fails (`MIRROR_ON_ERROR`): send it to `dlqTopic`, or count
   * and skip it.
   * @default 'dlq'
   */
  readonly onError?: 'dlq' | 'skip';
  /**
   * Dead-letter topic (`MIRROR_DLQ_TOPIC`); required when `onError` is `'dlq'`.
   * @default - none
   */
  readonly dlqTopic?: string;
  /**
   * Messages per second per task, at most (`MIRROR_MAX_RATE`).
   * @default - the worker's default (unlimited)
   */
  readonly maxRate?: number;
  /**
   * Processing concurrency per task (`MIRROR_THREADS`).
   * @default - the worker's default
   */
  readonly threads?: number;
  /**
   * Kafka client library the worker uses (`MIRROR_CLIENT`): kafkajs alone, @platformatic/kafka
   * alone, or kafkajs consuming with @platformatic/kafka producing.
   * @default 'kafkajs+platformatic'
   */
  readonly client?: ClientChoice;
  /**
   * Consumer group protocol (`MIRROR_GROUP_PROTOCOL`): `consumer` (KIP-848, Kafka 4.0+) pauses only
   * the partitions that move in a scaling action; it needs `client: 'platformatic'`. `auto`: the
   * consumer protocol when the client and the brokers offer it.
   * @default 'auto'
   */
  readonly groupProtocol?: GroupProtocol;
  /**
   * Extra consumer properties (`MIRROR_CONSUMER_PROPERTIES`, JSON).
   * @default - none
   */
  readonly consumerProperties?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Extra producer properties (`MIRROR_PRODUCER_PROPERTIES`, JSON).
   * @default - none
   */
  readonly producerProperties?: Readonly<Record<string, string | number | boolean>>;
  /**
   * How long the worker drains in-flight messages on SIGTERM (`MIRROR_SHUTDOWN_TIMEOUT`); the
   * container's stop timeout is this plus 5 s, so ECS never kills a draining worker.
   * @default Duration.seconds(30)
   */
  readonly shutdownTimeout?: Duration;
  /**
   * Task CPU units.
   * @default 512
   */
  readonly cpu?: number;
  /**
   * Task memory (MiB).
   * @default 1024
   */
  readonly memoryLimitMiB?: number;
  /**
   * CPU architecture of the tasks (and of the image built for them). Fargate Spot runs x86_64
   * only: ARM64 with Spot in the capacity mix fails synth.
   * @default ecs.CpuArchitecture.ARM64; X86_64 when Spot is in the capacity mix
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * The worker image.
   * @default - built from `worker/Dockerfile` in this repository
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Subnets for the tasks (no public IP is ever assigned).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups for the tasks; the brokers must admit them.
   * @default - a new group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Where the tasks run: FARGATE, or FARGATE_SPOT (x86_64 only). Shorthand for
   * `capacityProviderStrategies` with one provider.
   * @default 'FARGATE'
   */
  readonly capacityProvider?: 'FARGATE' | 'FARGATE_SPOT';
  /**
   * The capacity provider mix, as aws-ecs-patterns takes it: e.g. a base on FARGATE and the rest
   * on Spot, `[{ capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider:
   * 'FARGATE_SPOT', weight: 1 }]`. With an `ecs.Cluster` of this stack, its Fargate capacity
   * providers are enabled and the service waits for their association; an imported cluster
   * must have them associated already.
   * @default - from `capacityProvider`
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
  /**
   * CloudWatch namespace of the worker's counters (records in and out, filtered,
   * dead-lettered, errors; the group id as the `group` dimension), published every minute.
   * @default 'Lagpilot'
   */
  readonly metricsNamespace?: string;
  /**
   * Retention of the worker's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The mirroring worker fleet: a Fargate service in private subnets whose desired count the
 * autoscaler owns (the template never sets it, so a deploy never resets a scaled fleet).
 */
export class MirrorWorkerService extends Construct implements ec2.IConnectable {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
  readonly shutdownTimeout: Duration;
  readonly onError: 'dlq' | 'skip';
  readonly metricsNamespace: string;
  readonly groupId: string;
  /** The container's stop timeout: the drain plus a margin to exit. */
  readonly stopTimeout: Duration;
  /** The tasks' CPU architecture. */
  readonly cpuArchitecture: ecs.CpuArchitecture;

  constructor(scope: Construct, id: string, props: MirrorWorkerServiceProps) {
    super(scope, id);
    const kafka = resolveKafka(this, props.kafka);
    const auth = kafka.auth;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.groupId = props.groupId;
    this.shutdownTimeout = props.shutdownTimeout ?? Duration.seconds(30);
    this.stopTimeout = this.shutdownTimeout.plus(EXIT_GRACE);
    if (this.stopTimeout.toMilliseconds() > MAX_STOP_TIMEOUT.toMilliseconds()) {
      throw new Error(
        `${this.node.path}: shutdownTimeout ${this.shutdownTimeout.toHumanString()} leaves no room before Fargate's 120 s stop limit: use at most 115 seconds`,
      );
    }
    this.onError = props.onError ?? 'dlq';
    if (this.onError === 'dlq' && !props.dlqTopic) {
      // The worker refuses to start this way; say so at synth, not in a crash-looping task.
      throw new Error(
        `${this.node.path}: onError 'dlq' needs a dlqTopic: name the dead-letter topic, or set onError 'skip'`,
      );
    }
    const placement = capacityPlacement(this.node.path, props);
    const cpuArchitecture = placement.cpuArchitecture;
    this.cpuArchitecture = cpuArchitecture;
    const memoryLimitMiB = props.memoryLimitMiB ?? 1024;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      executionRole: new TaskExecutionRole(this, 'ExecutionRole'),
      cpu: props.cpu ?? 512,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.container = this.taskDefinition.addContainer('worker', {
      image: props.image ?? workerImage(cpuArchitecture),
      environment: {
        ...workerEnvironment(props, kafka, this.onError, this.shutdownTimeout, memoryLimitMiB),
        MIRROR_METRICS_NAMESPACE: this.metricsNamespace,
      },
      secrets: workerSecrets(this.node.path, kafka),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: this.logGroup }),
      healthCheck: {
        command: HEALTH_CHECK_COMMAND,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: this.stopTimeout,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only non-secret worker settings (topics, group, JSON pointer, timeouts); SASL credentials are injected from Secrets Manager as ECS secrets.',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      assignPublicIp: false,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: props.securityGroups,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      capacityProviderStrategies: placement.strategies,
    });
    if (placement.strategies) this.awaitCapacityProviders(props.cluster);
    // ECS reads the secrets (and their key) with the execution role, before the task starts.
    grantReadKafkaSecrets(kafka, this.taskDefinition.obtainExecutionRole());
    this.grantMetrics();
    if (auth.kind === 'msk-iam') this.grantMsk(auth, props);
  }

  /** The tasks' security groups: admit them at the brokers (`brokerGroup.connections.allowFrom`). */
  get connections(): ec2.Connections {
    return this.service.connections;
  }

  /**
   * CreateService fails ("capacity provider … not associated") if it runs before the cluster's
   * capacity-provider association: with a cluster of this stack, enable Fargate's providers and
   * depend on the whole cluster, whose association CDK adds at synth.
   */
  private awaitCapacityProviders(cluster: ecs.ICluster): void {
    if (!(cluster instanceof ecs.Cluster)) return;
    cluster.enableFargateCapacityProviders();
    this.service.node.addDependency(cluster);
  }

  /** One of the worker's counters, summed over the fleet (namespace and `group` dimension). */
  metric(name: WorkerMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: name,
      dimensionsMap: { [WORKER_METRIC_DIMENSION]: this.groupId },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** PutMetricData takes no resource ARN: the namespace condition is the scope. */
  private grantMetrics(): void {
    const policy = new iam.Policy(this, 'MetricsPolicy', {
      roles: [this.taskDefinition.taskRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'PublishWorkerCounters',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': this.metricsNamespace } },
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to the worker namespace by the cloudwatch:namespace condition.',
    });
  }

  /** MSK IAM: connect, read the input topics, write the output and DLQ topics, be the group. */
  private grantMsk(auth: KafkaAuth, props: MirrorWorkerServiceProps): void {
    const role = this.taskDefinition.taskRole;
    const writes = [
      props.outputTopic,
      ...(this.onError === 'dlq' && props.dlqTopic ? [props.dlqTopic] : []),
    ];
    const statements = [
      {
        sid: 'ConnectToMsk',
        // The producer is idempotent, which MSK authorises on the cluster.
        actions: [
          'kafka-cluster:Connect',
          'kafka-cluster:DescribeCluster',
          'kafka-cluster:WriteDataIdempotently',
        ],
        resources: [auth.mskClusterArn!],
      },
      {
        sid: 'ReadInputTopics',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: auth.mskResourceArns('topic', props.inputTopics),
      },
      {
        sid: 'WriteOutputTopics',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: auth.mskResourceArns('topic', writes),
      },
      {
        sid: 'JoinTheGroup',
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: auth.mskResourceArns('group', [props.groupId]),
      },
    ];
    for (const statement of statements)
      role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  }
}

/**
 * The capacity mix and the architecture it allows: Fargate Spot places x86_64 tasks only, so an
 * ARM64 service on Spot would never start a task.
 */
function capacityPlacement(
  path: string,
  props: MirrorWorkerServiceProps,
): { strategies?: ecs.CapacityProviderStrategy[]; cpuArchitecture: ecs.CpuArchitecture } {
  const strategies =
    props.capacityProviderStrategies ??
    (props.capacityProvider === 'FARGATE_SPOT'
      ? [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]
      : undefined);
  const spot = strategies?.some((s) => s.capacityProvider === 'FARGATE_SPOT') ?? false;
  const cpuArchitecture =
    props.cpuArchitecture ?? (spot ? ecs.CpuArchitecture.X86_64 : ecs.CpuArchitecture.ARM64);
  if (spot && cpuArchitecture === ecs.CpuArchitecture.ARM64) {
    throw new Error(
      `${path}: Fargate Spot runs x86_64 tasks only, and cpuArchitecture is ARM64: set cpuArchitecture to ecs.CpuArchitecture.X86_64 (or leave it unset), or drop FARGATE_SPOT from the capacity providers`,
    );
  }
  return { strategies, cpuArchitecture };
}
