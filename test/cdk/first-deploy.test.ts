import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuth } from '../../lib/kafka-connection.ts';
import { LagAlarms } from '../../lib/lag-alarms.ts';
import { LagAutoscaler } from '../../lib/lag-autoscaler.ts';
import { MirrorWorkerService } from '../../lib/mirror-worker-service.ts';
import { testApp, testParameters } from './fixtures.ts';
import { EXISTING_VPC, msk, SECRET, synthShape } from './shapes.ts';

/**
 * One test per way a documented shape failed its first deploy or failed silently: each names
 * what an AWS engineer would have found in the template, and fails without its fix.
 */

const read = (context: Record<string, unknown>) => testParameters(testApp(context));

function workerOn(props: Partial<ConstructorParameters<typeof MirrorWorkerService>[2]> = {}) {
  const stack = new Stack(testApp(), 'Fleet');
  const cluster = new ecs.Cluster(stack, 'Cluster');
  const worker = new MirrorWorkerService(stack, 'Worker', {
    cluster,
    kafka: { brokers: ['b-1:9092'] },
    groupId: 'orders-mirror',
    inputTopics: ['orders'],
    outputTopic: 'orders-mirror',
    onError: 'skip',
    ...props,
  });
  return { stack, worker, template: () => Template.fromStack(stack) };
}

function autoscalerOn(stack: Stack, id = 'Autoscaler', extra: Record<string, unknown> = {}) {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, `${id}Vpc`, {
    vpcId: EXISTING_VPC.vpcId,
    availabilityZones: EXISTING_VPC.vpcAzs.split(','),
    privateSubnetIds: EXISTING_VPC.vpcPrivateSubnetIds.split(','),
  });
  return new LagAutoscaler(stack, id, {
    clusterName: 'prod',
    serviceName: 'orders-mirror',
    kafka: { brokers: ['b-1:9092'] },
    groupId: 'orders-mirror',
    topics: ['orders'],
    vpc,
    ...extra,
  });
}

describe('Fargate Spot places tasks', () => {
  it('refuses ARM64 on Spot at synth, naming the fix, in the app and in the construct', () => {
    expect(() => read({ capacityProvider: 'FARGATE_SPOT', workerArch: 'arm64' })).toThrow(
      /workerArch .*Fargate Spot runs x86_64 tasks only: set workerArch=x86_64/,
    );
    expect(() =>
      workerOn({ capacityProvider: 'FARGATE_SPOT', cpuArchitecture: ecs.CpuArchitecture.ARM64 }),
    ).toThrow(/Fargate Spot runs x86_64 tasks only.*ecs\.CpuArchitecture\.X86_64/);
  });

  it('runs x86_64 when Spot is in the mix and the architecture is left unset', () => {
    const { worker } = workerOn({
      capacityProviderStrategies: [
        { capacityProvider: 'FARGATE', base: 2, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    });
    expect(worker.cpuArchitecture).toBe(ecs.CpuArchitecture.X86_64);
    expect(workerOn().worker.cpuArchitecture).toBe(ecs.CpuArchitecture.ARM64);
  });

  it('creates the service only after Spot is associated with the cluster', () => {
    const { template } = workerOn({ capacityProvider: 'FARGATE_SPOT' });
    const t = template();
    const [association] = Object.keys(
      t.findResources('AWS::ECS::ClusterCapacityProviderAssociations'),
    );
    expect(association).toBeDefined();
    t.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE_SPOT']),
    });
    t.hasResource('AWS::ECS::Service', { DependsOn: Match.arrayWith([association]) });
  });
});

describe('brokers admit the fleet within one deploy', () => {
  it("refuses broker or existing groups without the brokers' VPC, and half a pair", () => {
    expect(() => read({ brokerSecurityGroupIds: 'sg-0b0b0b0b0b0b0b0b0' })).toThrow(
      /brokerSecurityGroupIds .*without vpcId the stack builds a new VPC/,
    );
    expect(() => read({ ...EXISTING_VPC, workerSecurityGroupId: 'sg-0c0c0c0c0c0c0c0c1' })).toThrow(
      /autoscalerSecurityGroupId .*give both workerSecurityGroupId and autoscalerSecurityGroupId/,
    );
  });

  it('warns at synth when nothing admits the fleet in an existing VPC', () => {
    const warnings = (context: Record<string, unknown>) =>
      Annotations.fromStack(synthShape(context).stack).findWarning(
        '*',
        Match.stringLikeRegexp('Nothing admits the worker and the autoscaler'),
      );
    expect(warnings(EXISTING_VPC)).toHaveLength(1);
    expect(warnings({ ...EXISTING_VPC, brokerSecurityGroupIds: 'sg-0b0b0b0b0b0b0b0b0' })).toEqual(
      [],
    );
  });

  it('exposes the worker and the autoscaler as connectables to admit at the brokers', () => {
    const { stack, worker } = workerOn();
    const autoscaler = autoscalerOn(stack);
    const brokers = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Brokers', 'sg-0b0b0b0b0b0b0b0b0');
    brokers.connections.allowFrom(worker, ec2.Port.tcp(9092));
    brokers.connections.allowFrom(autoscaler, ec2.Port.tcp(9092));
    const ingress = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress');
    const sources = Object.values(ingress).map((r) => r.Properties.SourceSecurityGroupId);
    expect(sources.map((g) => stack.resolve(g))).toEqual(
      [worker.connections, autoscaler.connections].map((c) =>
        stack.resolve(c.securityGroups[0]!.securityGroupId),
      ),
    );
  });
});

describe('a broken first deploy is heard', () => {
  it('a handler whose init fails rejects at import: Lambda counts that in AWS/Lambda Errors', async () => {
    // No LAGPILOT_* environment: parseConfig throws during the module's top-level await.
    await expect(import('../../lambda/handler/handler.ts')).rejects.toThrow(/LAGPILOT_BROKERS/);
  });

  it("alarms on that function's own Errors and Throttles, notifying the topic", () => {
    const s = synthShape({ alarmEmail: 'oncall@example.com' });
    const fn = s.stack.getLogicalId(
      (s.stack as never as { autoscaler: LagAutoscaler }).autoscaler.function.node
        .defaultChild as never,
    );
    for (const metric of ['Errors', 'Throttles']) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
      });
    }
  });

  it('creates a VPC function only after its network-interface policy', () => {
    const stack = new Stack(testApp(), 'Adopted');
    autoscalerOn(stack);
    const t = Template.fromStack(stack);
    const [policy] = Object.keys(
      t.findResources('AWS::IAM::Policy', {
        Properties: { PolicyName: Match.stringLikeRegexp('VpcAccessPolicy') },
      }),
    );
    t.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([policy]) });
  });
});

describe('TLS has one source of truth', () => {
  const mskScram = {
    kafkaAuth: 'scram-sha-512',
    kafkaSecretArn: SECRET,
    kafkaSecretKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
    brokers: msk(9096),
  };

  it('MSK :9096 implies TLS, and refuses kafkaTls=false naming the fix', () => {
    expect(read(mskScram).kafkaTls).toBe(true);
    expect(() => read({ ...mskScram, kafkaTls: false })).toThrow(
      /kafkaTls .*kafkaTls=false contradicts MSK's TLS-only port 9096.*remove kafkaTls/,
    );
  });

  it('SCRAM on MSK only as SHA-512, the one mechanism MSK supports', () => {
    expect(() => read({ ...mskScram, kafkaAuth: 'scram-sha-256' })).toThrow(
      /kafkaAuth .*MSK supports SCRAM-SHA-512 only.*set kafkaAuth=scram-sha-512/,
    );
    // Self-managed brokers may offer SHA-256.
    expect(
      read({ ...mskScram, kafkaAuth: 'scram-sha-256', brokers: 'kafka-1.internal:9096' }).kafkaAuth,
    ).toBe('scram-sha-256');
  });

  it('msk-iam only on the IAM port, and an MSK port only with its own auth', () => {
    const iam = {
      kafkaAuth: 'msk-iam',
      mskClusterArn: 'arn:aws:kafka:eu-west-1:111122223333:cluster/orders/abc-1',
    };
    expect(() => read({ ...iam, brokers: msk(9096) })).toThrow(
      /brokers .*msk-iam connects to MSK's IAM listener on port 9098/,
    );
    expect(() => read({ brokers: msk(9096) })).toThrow(/kafkaAuth .*port 9096 takes SASL\/SCRAM/);
  });

  it('a CA bundle only over TLS', () => {
    expect(() =>
      read({ kafkaCaSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ca-AbCdEf' }),
    ).toThrow(/kafkaCaSecretArn .*only applies over TLS/);
  });

  it('the construct refuses KafkaAuth.scram({ tls: false }) on MSK SCRAM', () => {
    const stack = new Stack(testApp(), 'Adopted');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', SECRET);
    expect(() =>
      autoscalerOn(stack, 'Autoscaler', {
        kafka: { brokers: msk(9096).split(','), auth: KafkaAuth.scram(secret, { tls: false }) },
      }),
    ).toThrow(/tls.*=false contradicts MSK's TLS-only port 9096/);
    // MSK SCRAM secrets have a customer-managed key: an import without it cannot be decrypted.
    expect(() =>
      autoscalerOn(stack, 'Autoscaler2', {
        kafka: { brokers: msk(9096).split(','), auth: KafkaAuth.scram(secret) },
      }),
    ).toThrow(/import the secret with `encryptionKey`/);
  });

  it('ECS gets complete secret ARNs only', () => {
    const stack = new Stack(testApp(), 'Fleet');
    const byName = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'kafka');
    expect(
      () =>
        new MirrorWorkerService(stack, 'Worker', {
          cluster: new ecs.Cluster(stack, 'Cluster'),
          kafka: { brokers: ['b-1:9096'], auth: KafkaAuth.scram(byName) },
          groupId: 'g',
          inputTopics: ['in'],
          outputTopic: 'out',
          onError: 'skip',
        }),
    ).toThrow(/ECS injects a secret by its complete ARN.*fromSecretCompleteArn/);
  });
});

describe('smaller first-deploy traps', () => {
  it('the memory rule must fire before the heap is full', () => {
    expect(() => read({ memoryHigh: 90 })).toThrow(
      /memoryHigh .*90 % is past where the worker's heap is full \(about 83 %/,
    );
    expect(read({ memoryHigh: 80 }).rules.memoryHigh).toBe(80);
  });

  it('two alarm sets in one stack must not share alarm names', () => {
    const stack = new Stack(testApp(), 'Two');
    new LagAlarms(stack, 'A', { autoscaler: autoscalerOn(stack, 'One') });
    const second = autoscalerOn(stack, 'Other');
    expect(() => new LagAlarms(stack, 'B', { autoscaler: second })).toThrow(
      /collide with Two\/A's: give each LagAlarms its own alarmNamePrefix/,
    );
    expect(
      () => new LagAlarms(stack, 'C', { autoscaler: second, alarmNamePrefix: 'Two-other' }),
    ).not.toThrow();
  });

  it('refuses a schedule the step loop does not support', () => {
    const stack = new Stack(testApp(), 'Slow');
    expect(() =>
      autoscalerOn(stack, 'Autoscaler', {
        schedule: events.Schedule.rate(Duration.minutes(5)),
      }),
    ).toThrow(/schedule rate\(5 minutes\) is not supported.*remove schedule/);
  });

  it('names the dashboard after the stack and outputs its name', () => {
    const s = synthShape({});
    s.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Lagpilot' });
    s.template.hasOutput('DashboardName', { Value: 'Lagpilot' });
  });

  it("lets only this account's CloudWatch use the alarm topic key", () => {
    const s = synthShape({ alarmEmail: 'oncall@example.com' });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          }),
        ]),
      },
    });
  });
});
