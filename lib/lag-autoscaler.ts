import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../kit/params/config-error.ts';
import { PARAMETERS, parseRawConfig, type RawConfig } from '../lambda/core/index.ts';
import type { MetricName } from '../lambda/handler/index.ts';
import { checkSchedule, checkTimeout, defaultTimeout } from './autoscaler-cadence.ts';
import {
  grantReadKafkaSecrets,
  type KafkaAuth,
  type KafkaConnection,
  resolveKafka,
} from './kafka-connection.ts';
import { forValidation, labelled, ruleEnvironment } from './parameters.ts';
import type { ScalingRuleProps } from './scaling-rule-props.ts';
import { resolveTarget } from './scaling-target.ts';
import { StepQueue } from './step-queue.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The metrics the autoscaler publishes each control step (namespace + `service` dimension). */
export type AutoscalerMetricName = MetricName;

/** The Lambda's own default, so the alarms watch the namespace it publishes in. */
export const DEFAULT_METRICS_NAMESPACE: string =
  PARAMETERS.LAGPILOT_METRICS_NAMESPACE.schema.parse(undefined);

/**
 * Props of {@link LagAutoscaler}. Besides the fields below, every scaling rule is a typed prop
 * ({@link ScalingRuleProps}) named by the camelCase of its `LAGPILOT_*` variable: `lagHigh` ↔
 * `LAGPILOT_LAG_HIGH`, `upWindow: Duration.minutes(5)` ↔ `LAGPILOT_UP_WINDOW=5m`.
 */
export interface LagAutoscalerProps extends ScalingRuleProps {
  /**
   * The ECS service to scale. Give either this or `clusterName` + `serviceName`.
   * @default - the service named by `clusterName` and `serviceName`
   */
  readonly service?: ecs.IBaseService;
  /**
   * Name (or ARN) of the cluster of the service to scale, when `service` is not given.
   * @default - `service`'s cluster
   */
  readonly clusterName?: string;
  /**
   * Name of the service to scale, when `service` is not given.
   * @default - `service`'s name
   */
  readonly serviceName?: string;
  /** The Kafka cluster holding the consumer group, and how to authenticate to it. */
  readonly kafka: KafkaConnection;
  /**
   * The group whose lag drives scaling: a classic, consumer (KIP-848) or share group (KIP-932,
   * Kafka 4.2+). Its type is read from the broker each step: a share group's service scales past
   * its partition count, up to `maxTasks` (docs/autoscaler.md, "Share groups").
   */
  readonly groupId: string;
  /** The topic(s) the group consumes; their partitions are summed and capped on. */
  readonly topics: readonly string[];
  /**
   * CloudWatch namespace of the autoscaler's metrics.
   * @default 'Lagpilot'
   */
  readonly metricsNamespace?: string;
  /**
   * When to invoke the function: once a minute is the only cadence the step loop supports
   * (`stepInterval` runs several steps within the minute); any other schedule fails synth.
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly schedule?: events.Schedule;
  /**
   * VPC to run the function in, to reach private brokers.
   * @default - not in a VPC: the brokers must be reachable from Lambda's network
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the function, when `vpc` is given.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups for the function, when `vpc` is given; the brokers must admit them.
   * @default - a new group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Function timeout: one invocation's control step(s) must finish within it. With a
   * `stepInterval` below a minute the invocation runs its last step at 60 s − interval, and a
   * step starts only with 5 s left before the timeout.
   * @default Duration.seconds(50); Duration.seconds(58) when `stepInterval` is below a minute
   */
  readonly timeout?: Duration;
  /**
   * Function memory.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Retention of the function's logs (every decision is a log line).
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the state table when removed. It holds only the controller's short-lived
   * memory (sustain windows, cooldown), which rebuilds within one window.
   * @default RemovalPolicy.DESTROY
   */
  readonly stateRemovalPolicy?: RemovalPolicy;
}

/**
 * Lag-driven autoscaling for an existing ECS service: a Lambda that, on a schedule, reads the
 * consumer group's lag and the service's CPU and memory, applies the scaling rules and sets
 * the service's desired count. One decision at a time (the state table's version check refuses
 * a second concurrent act, so no reserved concurrency is needed from a low account quota), no
 * replays of stale events (no async retries), IAM scoped to the one service, table, secret and
 * log group.
 */
export class LagAutoscaler extends Construct implements ec2.IConnectable {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly schedule: events.Rule;
  /** The queue of the minute's later steps (a `stepInterval` below a minute). */
  readonly stepQueue?: sqs.IQueue;
  readonly stateTable: dynamodb.Table;
  readonly logGroup: logs.LogGroup;
  /** Name of the scaled service: the metrics' `service` dimension. */
  readonly serviceName: string;
  /** Name or ARN of the scaled service's cluster. */
  readonly clusterName: string;
  /** The cluster's name alone: the `ClusterName` dimension of the `AWS/ECS` metrics. */
  readonly metricClusterName: string;
  readonly serviceArn: string;
  readonly metricsNamespace: string;
  /** The function's `LAGPILOT_*` environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** The parameters as the function will parse them (defaults filled in). */
  readonly config: RawConfig;

  constructor(scope: Construct, id: string, props: LagAutoscalerProps) {
    super(scope, id);
    const target = resolveTarget(this, props);
    this.serviceName = target.serviceName;
    this.clusterName = target.clusterName;
    this.metricClusterName = Token.isUnresolved(target.clusterName)
      ? target.clusterName
      : target.clusterName.slice(target.clusterName.lastIndexOf('/') + 1);
    this.serviceArn = target.serviceArn;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    if (props.kafka.brokers.length === 0) {
      throw new Error(`${this.node.path}: kafka.brokers must name at least one broker`);
    }
    if (!props.vpc && (props.vpcSubnets || props.securityGroups)) {
      throw new Error(`${this.node.path}: vpcSubnets and securityGroups need \`vpc\``);
    }
    const kafka = resolveKafka(this, props.kafka);
    const auth = kafka.auth;
    const schedule = props.schedule ?? events.Schedule.rate(Duration.minutes(1));
    checkSchedule(this.node.path, schedule);

    this.stateTable = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.stateRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.environment = {
      LAGPILOT_BROKERS: props.kafka.brokers.join(','),
      LAGPILOT_GROUP_ID: props.groupId,
      LAGPILOT_TOPICS: props.topics.join(','),
      LAGPILOT_CLUSTER: this.clusterName,
      LAGPILOT_SERVICE: this.serviceName,
      LAGPILOT_KAFKA_AUTH: auth.kind,
      LAGPILOT_KAFKA_TLS: String(kafka.tls),
      ...(auth.secret ? { LAGPILOT_KAFKA_SECRET_ARN: auth.secret.secretArn } : {}),
      ...(kafka.caBundle ? { LAGPILOT_KAFKA_CA_SECRET_ARN: kafka.caBundle.secretArn } : {}),
      LAGPILOT_METRICS_NAMESPACE: this.metricsNamespace,
      LAGPILOT_STATE_TABLE: this.stateTable.tableName,
      ...ruleEnvironment(props),
    };
    try {
      this.config = parseRawConfig(forValidation(this.environment));
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new ConfigError(`${this.node.path}: invalid`, labelled(error));
      }
      throw error;
    }

    if (props.timeout)
      checkTimeout(this.node.path, props.timeout, this.config.LAGPILOT_STEP_INTERVAL);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `lagpilot autoscaler ${this.node.path}`,
    });
    let vpcAccess: iam.Policy | undefined;
    if (props.vpc) {
      vpcAccess = new iam.Policy(this, 'VpcAccessPolicy', {
        roles: [this.role],
        document: vpcAccessPolicy(),
      });
      Validations.of(vpcAccess).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'A VPC-attached Lambda needs the EC2 network-interface actions of AWSLambdaVPCAccessExecutionRole, which take no resource-level scoping.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${ROOT}lambda/handler/handler.ts`,
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? defaultTimeout(this.config.LAGPILOT_STEP_INTERVAL),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // A missed minute is fine; a stale replay is not.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      environment: { ...this.environment, NODE_OPTIONS: '--enable-source-maps' },
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.securityGroups,
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Stack traces need names and lines, not the sources: keeps the zip small.
        sourcesContent: false,
        // Bundle the AWS SDK too, so the function runs the versions the tests ran.
        bundleAwsSDK: true,
        // kafkajs and parts of the SDK are CommonJS and call require() on Node built-ins.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });

    // Lambda checks the role's network-interface rights when it creates a VPC function.
    if (vpcAccess) this.function.node.addDependency(vpcAccess);
    // Steps within the minute run from a queue of delayed messages, not a sleeping invocation.
    if (this.config.LAGPILOT_STEP_INTERVAL < 60_000) {
      this.stepQueue = new StepQueue(this, 'Steps', {
        function: this.function,
        role: this.role,
        timeout: this.function.timeout ?? defaultTimeout(this.config.LAGPILOT_STEP_INTERVAL),
      }).queue;
    }

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `lagpilot control step ${this.node.path}`,
      schedule,
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    this.grantPermissions(kafka.auth, props);
    grantReadKafkaSecrets(kafka, this.role);
  }

  /**
   * The function's security groups, to admit at the brokers
   * (`brokerGroup.connections.allowFrom(autoscaler, ec2.Port.tcp(9096))`); needs `vpc`.
   */
  get connections(): ec2.Connections {
    if (!this.function.isBoundToVpc) {
      throw new Error(
        `${this.node.path}: the autoscaler runs outside a VPC and has no security group: give \`vpc\` to admit it at the brokers`,
      );
    }
    return this.function.connections;
  }

  /** One of the autoscaler's metrics, in its namespace with the `service` dimension. */
  metric(name: AutoscalerMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: name,
      dimensionsMap: { service: this.serviceName },
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** An `AWS/ECS` metric of the scaled service (CPUUtilization, MemoryUtilization). */
  serviceMetric(name: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ECS',
      metricName: name,
      dimensionsMap: { ClusterName: this.metricClusterName, ServiceName: this.serviceName },
      period: Duration.minutes(1),
      ...props,
    });
  }

  private grantPermissions(auth: KafkaAuth, props: LagAutoscalerProps): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleTheOneService',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [this.serviceArn],
      }),
    );
    this.logGroup.grantWrite(this.role);
    // The state store reads with GetItem and writes whole items with a conditional PutItem.
    this.stateTable.grant(this.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    if (auth.kind === 'msk-iam') this.grantMskDescribe(auth, props);

    // Metrics are published as EMF log lines (the log group grant covers them): no
    // cloudwatch:PutMetricData. GetMetricData takes no resource ARN.
    const metrics = new iam.Policy(this, 'MetricsPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadServiceMetrics',
          actions: ['cloudwatch:GetMetricData'],
          resources: ['*'],
        }),
      ],
    });
    this.role.attachInlinePolicy(metrics);
    Validations.of(metrics).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permissions; it only reads the scaled service CPU and memory.',
    });
  }

  private grantMskDescribe(auth: KafkaAuth, props: LagAutoscalerProps): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ConnectToMsk',
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        resources: [auth.mskClusterArn!],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadGroupLag',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeGroup'],
        resources: [
          ...auth.mskResourceArns('topic', props.topics),
          ...auth.mskResourceArns('group', [props.groupId]),
        ],
      }),
    );
  }
}

function vpcAccessPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'LambdaNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    ],
  });
}
