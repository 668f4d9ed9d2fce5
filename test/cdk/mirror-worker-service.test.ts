import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuth } from '../../lib/kafka-connection.ts';
import {
  MirrorWorkerService,
  type MirrorWorkerServiceProps,
} from '../../lib/mirror-worker-service.ts';
import { nagFindings, testApp } from './fixtures.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf';

function worker(props: Partial<MirrorWorkerServiceProps> = {}) {
  const stack = new Stack(testApp(), 'Fleet');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', {
    vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
  });
  const service = new MirrorWorkerService(stack, 'Worker', {
    cluster,
    kafka: {
      brokers: ['b-1:9096', 'b-2:9096'],
      auth: KafkaAuth.scram(secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN)),
    },
    groupId: 'orders-mirror',
    inputTopics: ['orders'],
    outputTopic: 'orders-by-customer',
    partitionKey: '/customerId',
    transform: { rename: { '/id': '/orderId' } },
    dlqTopic: 'orders.dlq',
    ...props,
  });
  return { stack, service, template: Template.fromStack(stack) };
}

type ContainerDef = {
  Environment: { Name: string; Value: string }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  HealthCheck: { Command: string[] };
  StopTimeout: number;
};

function container(template: Template): ContainerDef {
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  return task?.Properties.ContainerDefinitions[0] as ContainerDef;
}

describe('MirrorWorkerService', () => {
  const { service, template } = worker();
  const def = container(template);
  const env = Object.fromEntries(def.Environment.map((e) => [e.Name, e.Value]));

  it('maps the worker settings onto MIRROR_* variables', () => {
    expect(env).toEqual({
      MIRROR_APPID: 'orders-mirror',
      MIRROR_BOOTSTRAP: 'b-1:9096,b-2:9096',
      MIRROR_INPUT: 'orders',
      MIRROR_OUTPUT: 'orders-by-customer',
      MIRROR_PARTITION: '/customerId',
      MIRROR_TRANSFORM: '{"rename":{"/id":"/orderId"}}',
      MIRROR_ON_ERROR: 'dlq',
      MIRROR_DLQ_TOPIC: 'orders.dlq',
      MIRROR_SHUTDOWN_TIMEOUT: '30',
      KAFKA_TLS: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      MIRROR_METRICS_NAMESPACE: 'Lagpilot',
      // 1024 MiB: 85 % less a 128 MiB reserve (lib/worker-heap.ts).
      NODE_OPTIONS: '--max-old-space-size=742 --max-semi-space-size=16',
    });
  });

  it('may publish its counters only into its own namespace', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('WorkerTaskTaskRole') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'Lagpilot' } },
            Effect: 'Allow',
            Sid: 'PublishWorkerCounters',
          },
        ],
      },
    });
  });

  it('injects SASL credentials from Secrets Manager, never as plain environment', () => {
    expect(def.Secrets?.map((s) => s.Name).sort()).toEqual([
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_USERNAME',
    ]);
    expect(def.Secrets?.find((s) => s.Name === 'KAFKA_SASL_PASSWORD')?.ValueFrom).toBe(
      `${SECRET_ARN}:password::`,
    );
    expect(JSON.stringify(def.Environment)).not.toMatch(/PASSWORD|USERNAME|secretsmanager/);
  });

  it("checks health with the worker's /healthz on MIRROR_HTTP_PORT: healthy only on a 2xx", async () => {
    expect(def.HealthCheck).toMatchObject({ Retries: 3 });
    const [kind, ...command] = def.HealthCheck.Command;
    expect(kind).toBe('CMD');
    const paths: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = String((server.address() as AddressInfo).port);
    // What the container runs, as ECS runs it: exit 0 healthy, anything else unhealthy.
    const check = (env: Record<string, string>) =>
      new Promise<number | null>((done) => {
        const child = spawn(
          command[0] === 'node' ? process.execPath : command[0]!,
          command.slice(1),
          {
            env: { PATH: process.env.PATH ?? '', ...env },
            stdio: 'ignore',
          },
        );
        child.on('exit', (code) => done(code));
      });
    try {
      expect(await check({ MIRROR_HTTP_PORT: port })).toBe(0);
      status = 503;
      expect(await check({ MIRROR_HTTP_PORT: port })).toBe(1);
      expect(paths).toEqual(['/healthz', '/healthz']);
    } finally {
      await new Promise((done) => server.close(done));
    }
    // Nothing listening (the worker has not started, or died): unhealthy, not hung.
    expect(await check({ MIRROR_HTTP_PORT: port })).toBe(1);
  });

  it('gives a stopping task its drain time plus a margin before SIGKILL', () => {
    expect(def.StopTimeout).toBe(35);
  });

  it('runs in private subnets with no public IP, rolling back a failing deployment', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: [
            { Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') },
            { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') },
          ],
        },
      },
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
  });

  it('sizes tasks at 0.5 vCPU / 1 GiB on ARM64 by default, logging with a retention', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes the AWS Solutions checks', () => {
    expect(nagFindings(service)).toEqual([]);
  });
});

describe('MirrorWorkerService options', () => {
  it('follows a longer drain with the stop timeout and takes other sizes', () => {
    const { template } = worker({
      shutdownTimeout: Duration.seconds(90),
      cpu: 1024,
      memoryLimitMiB: 2048,
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
    });
    const def = container(template);
    expect(def.StopTimeout).toBe(95);
    expect(def.Environment).toContainEqual({ Name: 'MIRROR_SHUTDOWN_TIMEOUT', Value: '90' });
    // The heap follows the task memory: 2048 MiB → 85 % less the 128 MiB reserve.
    expect(def.Environment).toContainEqual({
      Name: 'NODE_OPTIONS',
      Value: '--max-old-space-size=1612 --max-semi-space-size=16',
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'X86_64' },
    });
  });

  it('passes no credentials at all without SCRAM', () => {
    const def = container(worker({ kafka: { brokers: ['b:9092'] } }).template);
    expect(def.Secrets).toBeUndefined();
    expect(def.Environment.map((e) => e.Name)).not.toContain('KAFKA_SASL_MECHANISM');
  });

  it('refuses a drain longer than Fargate lets a task stop', () => {
    expect(() => worker({ shutdownTimeout: Duration.seconds(116) })).toThrow(
      /leaves no room before Fargate's 120 s stop limit/,
    );
  });

  it('refuses a dead-letter policy with no dead-letter topic, as the worker would at start', () => {
    expect(() => worker({ dlqTopic: undefined })).toThrow(/onError 'dlq' needs a dlqTopic/);
    const def = container(worker({ dlqTopic: undefined, onError: 'skip' }).template);
    expect(def.Environment).toContainEqual({ Name: 'MIRROR_ON_ERROR', Value: 'skip' });
  });

  it('speaks MSK IAM: the signer mechanism over TLS, scoped to the cluster, topics and group', () => {
    const cluster = 'arn:aws:kafka:eu-west-1:111122223333:cluster/orders/abc-1';
    const { template: iam } = worker({
      kafka: { brokers: ['b:9098'], auth: KafkaAuth.mskIam(cluster) },
    });
    const environment = container(iam).Environment;
    expect(environment).toContainEqual({ Name: 'KAFKA_SASL_MECHANISM', Value: 'aws-msk-iam' });
    expect(environment).toContainEqual({ Name: 'KAFKA_TLS', Value: 'true' });
    expect(container(iam).Secrets).toBeUndefined();
    const topic = (name: string) =>
      `arn:aws:kafka:eu-west-1:111122223333:topic/orders/abc-1/${name}`;
    const statements = Object.values(iam.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('TaskRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Sid?: string }[]);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ConnectToMsk).toMatchObject({
      Action: [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeCluster',
        'kafka-cluster:WriteDataIdempotently',
      ],
      Resource: cluster,
    });
    expect(bySid.ReadInputTopics).toMatchObject({
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      Resource: topic('orders'),
    });
    expect(bySid.WriteOutputTopics).toMatchObject({
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      Resource: [topic('orders-by-customer'), topic('orders.dlq')],
    });
    expect(bySid.JoinTheGroup).toMatchObject({
      Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      Resource: 'arn:aws:kafka:eu-west-1:111122223333:group/orders/abc-1/orders-mirror',
    });
  });

  it('runs on Fargate Spot when asked', () => {
    const { template: spot } = worker({ capacityProvider: 'FARGATE_SPOT' });
    spot.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    const [service] = Object.values(spot.findResources('AWS::ECS::Service'));
    expect(service?.Properties.LaunchType).toBeUndefined();
    worker().template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
  });
});
