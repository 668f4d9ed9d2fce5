import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuth } from '../../lib/kafka-connection.ts';
import { LagAutoscaler, type LagAutoscalerProps } from '../../lib/lag-autoscaler.ts';
import { nagFindings, testApp } from './fixtures.ts';

const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service/prod/orders-mirror';
const kafka = { brokers: ['b-1:9092', 'b-2:9092'] };

/** The autoscaler on an existing service, named (no service construct in the app). */
function onExistingService(props: Partial<LagAutoscalerProps> = {}) {
  const stack = new Stack(testApp(), 'Existing', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  const autoscaler = new LagAutoscaler(stack, 'Autoscaler', {
    clusterName: 'prod',
    serviceName: 'orders-mirror',
    kafka,
    groupId: 'orders-mirror',
    topics: ['orders'],
    ...props,
  });
  return { stack, autoscaler, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
}

function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

describe('LagAutoscaler on an existing service', () => {
  const { stack, autoscaler, template } = onExistingService({
    lagHigh: 50_000,
    lagLow: 2_000,
    upWindow: Duration.minutes(3),
    downCooldown: Duration.seconds(90),
    maxTasks: 24,
    dryRun: true,
    downStep: 'half',
  });

  it('runs a control step every minute from EventBridge, never retrying a stale event', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('gives one step a minute 50 s, and several steps a minute 58 s, before the next invocation', () => {
    const once = onExistingService({ stepInterval: Duration.minutes(1) }).template;
    once.hasResourceProperties('AWS::Lambda::Function', { Timeout: 50 });
    const fast = onExistingService({ stepInterval: Duration.seconds(15) }).template;
    fast.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 58,
      Environment: { Variables: Match.objectLike({ LAGPILOT_STEP_INTERVAL: '15s' }) },
    });
  });

  it('runs on ARM64 with the newest Node.js runtime, reserving no concurrency from the account quota', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    // The state table's version check keeps decisions one at a time.
    expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
    });
  });

  it('writes its logs to its own log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('AutoscalerLogs') } },
    });
  });

  it('keeps its state in an on-demand table keyed by pk, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('passes the service, group, table and typed rules as LAGPILOT_* variables', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LAGPILOT_CLUSTER: 'prod',
          LAGPILOT_SERVICE: 'orders-mirror',
          LAGPILOT_BROKERS: 'b-1:9092,b-2:9092',
          LAGPILOT_GROUP_ID: 'orders-mirror',
          LAGPILOT_TOPICS: 'orders',
          LAGPILOT_KAFKA_AUTH: 'none',
          LAGPILOT_METRICS_NAMESPACE: 'Lagpilot',
          LAGPILOT_STATE_TABLE: { Ref: Match.stringLikeRegexp('AutoscalerState') },
          LAGPILOT_LAG_HIGH: '50000',
          LAGPILOT_UP_WINDOW: '3m',
          LAGPILOT_DOWN_COOLDOWN: '90s',
          LAGPILOT_MAX_TASKS: '24',
          LAGPILOT_DRY_RUN: 'true',
          LAGPILOT_DOWN_STEP: 'half',
        }),
      },
    });
    // Rules left unset keep the autoscaler's single set of defaults.
    expect(autoscaler.environment).not.toHaveProperty('LAGPILOT_CPU_HIGH');
    expect(autoscaler.config.LAGPILOT_CPU_HIGH).toBe(95);
    expect(autoscaler.config.LAGPILOT_UP_WINDOW).toBe(180_000);
  });

  it('may update and describe only the one service', () => {
    const ecsStatements = statements(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('ecs:')),
    );
    expect(ecsStatements).toHaveLength(1);
    expect(actionsOf(ecsStatements[0]!).sort()).toEqual([
      'ecs:DescribeServices',
      'ecs:UpdateService',
    ]);
    expect(ecsStatements[0]!.Resource).toBe(SERVICE_ARN);
  });

  it('may read and write only its own state table', () => {
    const ddb = statements(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(ddb).toHaveLength(1);
    expect(actionsOf(ddb[0]!).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(ddb[0]!.Resource).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(autoscaler.stateTable.node.defaultChild as never), 'Arn'],
    });
  });

  it('reads CloudWatch metrics with `*` (no resource-level scoping exists) and writes none', () => {
    const wildcard = statements(template).filter((s) => s.Resource === '*');
    expect(wildcard.flatMap(actionsOf)).toEqual(['cloudwatch:GetMetricData']);
    // Its metrics go out as EMF log lines through the log group, not through the API.
    expect(statements(template).flatMap(actionsOf)).not.toContain('cloudwatch:PutMetricData');
  });

  it('uses no AWS managed policy and is not in a VPC unless given one', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties).not.toHaveProperty('VpcConfig');
  });

  it('exposes its metrics with the namespace and the service dimension', () => {
    const metric = autoscaler.metric('TotalLag', { statistic: 'Maximum' });
    expect(metric.namespace).toBe('Lagpilot');
    expect(metric.metricName).toBe('TotalLag');
    expect(metric.dimensions).toEqual({ service: 'orders-mirror' });
  });

  it('passes the AWS Solutions checks', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LagAutoscaler Kafka authentication', () => {
  it('reads SCRAM credentials from the one secret, passing only its ARN', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf';
    const { template, stack } = onExistingService({
      kafka: {
        brokers: ['b-1:9096'],
        auth: KafkaAuth.scram(
          secretsmanager.Secret.fromSecretCompleteArn(new Stack(), 'S', secretArn),
        ),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LAGPILOT_KAFKA_AUTH: 'scram-sha-512',
          LAGPILOT_KAFKA_SECRET_ARN: secretArn,
          LAGPILOT_KAFKA_TLS: 'true',
        }),
      },
    });
    const secretStatements = statements(template).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(secretStatements.map((s) => s.Resource)).toEqual([secretArn]);
    expect(nagFindings(stack)).toEqual([]);
  });

  it('scopes MSK IAM access to the cluster, the topics and the group', () => {
    const cluster = 'arn:aws:kafka:eu-west-1:111122223333:cluster/events/1a2b3c4d-5';
    const { template } = onExistingService({
      kafka: { brokers: ['b-1:9098'], auth: KafkaAuth.mskIam(cluster) },
      topics: ['orders', 'refunds'],
    });
    const kafkaStatements = statements(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('kafka-cluster:')),
    );
    const resources = kafkaStatements.flatMap((s) =>
      Array.isArray(s.Resource) ? s.Resource : [s.Resource],
    );
    expect(resources.sort()).toEqual([
      cluster,
      'arn:aws:kafka:eu-west-1:111122223333:group/events/1a2b3c4d-5/orders-mirror',
      'arn:aws:kafka:eu-west-1:111122223333:topic/events/1a2b3c4d-5/orders',
      'arn:aws:kafka:eu-west-1:111122223333:topic/events/1a2b3c4d-5/refunds',
    ]);
    expect(kafkaStatements.flatMap(actionsOf).sort()).toEqual([
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeCluster',
      'kafka-cluster:DescribeGroup',
      'kafka-cluster:DescribeTopic',
    ]);
  });
});

describe('LagAutoscaler on a service construct', () => {
  it("targets the service's ARN and name", () => {
    const stack = new Stack(testApp(), 'WithService');
    const cluster = new ecs.Cluster(stack, 'Cluster');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('c', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/x/y:1') });
    const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition: task });
    const autoscaler = new LagAutoscaler(stack, 'Autoscaler', {
      service,
      kafka,
      groupId: 'g',
      topics: ['t'],
    });
    expect(stack.resolve(autoscaler.serviceArn)).toEqual({ Ref: 'ServiceD69D759B' });
    expect(stack.resolve(autoscaler.serviceName)).toEqual({
      'Fn::GetAtt': ['ServiceD69D759B', 'Name'],
    });
  });
});

describe('LagAutoscaler rejects bad props up front', () => {
  it('refuses a service given both as a construct and by name', () => {
    const stack = new Stack(testApp(), 'Twice');
    const cluster = new ecs.Cluster(stack, 'Cluster');
    const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'S', {
      cluster,
      serviceName: 'x',
    });
    expect(
      () =>
        new LagAutoscaler(stack, 'A', {
          service,
          serviceName: 'y',
          kafka,
          groupId: 'g',
          topics: ['t'],
        }),
    ).toThrow(/either `service` or `clusterName` \+ `serviceName`, not both/);
  });

  it('refuses a missing service', () => {
    expect(() => onExistingService({ serviceName: undefined })).toThrow(
      /name the service to scale/,
    );
  });

  it('names the prop and the variable when rules contradict each other', () => {
    expect(() => onExistingService({ minTasks: 8, maxTasks: 4 })).toThrow(
      /minTasks \(LAGPILOT_MIN_TASKS\)="8": min \(8\) is above LAGPILOT_MAX_TASKS \(4\)/,
    );
  });

  it('refuses a timeout that would cut the last step of a sub-minute cadence', () => {
    expect(() =>
      onExistingService({ stepInterval: Duration.seconds(15), timeout: Duration.seconds(45) }),
    ).toThrow(/timeout 45 s is too short for stepInterval 15 s: .* give at least 50 s/);
  });

  it('refuses network settings without a VPC', () => {
    expect(() =>
      onExistingService({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
    ).toThrow(/vpcSubnets and securityGroups need `vpc`/);
  });

  it('refuses a Kafka connection with no brokers', () => {
    expect(() => onExistingService({ kafka: { brokers: [] } })).toThrow(/at least one broker/);
  });
});
