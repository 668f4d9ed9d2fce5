import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { LagpilotStack } from '../../lib/lagpilot-stack.ts';
import {
  acknowledgements,
  nagFindings,
  rawNagFindings,
  testApp,
  testParameters,
} from './fixtures.ts';

describe('LagpilotStack with the default parameters (offline, no lookups)', () => {
  const app = testApp();
  const stack = new LagpilotStack(app, 'Lagpilot', { parameters: testParameters(app) });
  const template = Template.fromStack(stack);

  it('composes a new VPC with flow logs, a Container Insights cluster, the fleet and its autoscaler', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 14);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it("runs the autoscaler in the VPC's private subnets, to reach private brokers", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      VpcConfig: {
        SubnetIds: [
          { Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') },
          { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') },
        ],
      },
    });
  });

  it('leaves the desired count to the autoscaler: a deploy never resets a scaled fleet', () => {
    const [service] = Object.values(template.findResources('AWS::ECS::Service'));
    expect(service?.Properties).not.toHaveProperty('DesiredCount');
  });

  it('has no alarm topic unless an email is given', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('passes the AWS Solutions checks with no unacknowledged finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('acknowledges only real findings, each with its written reason', () => {
    const acks = acknowledgements(stack).filter((a) => a.rule.startsWith('AwsSolutions-'));
    const raw = rawNagFindings(stack);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.rule} at ${ack.path}`).toBeGreaterThan(40);
      // Stale acknowledgements hide future findings: each must cover one that exists.
      expect(
        raw.some((f) => f.rule === ack.rule && f.path.startsWith(`${ack.path}/`)),
        `${ack.rule} at ${ack.path} covers no finding`,
      ).toBe(true);
    }
    expect(acks.map((a) => `${a.rule} @ ${a.path}`).sort()).toEqual([
      'AwsSolutions-ECS2 @ Lagpilot/Worker/Task',
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Autoscaler/MetricsPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Autoscaler/VpcAccessPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Worker/ExecutionRole/EcrAuthPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Worker/MetricsPolicy',
      'AwsSolutions-SQS3 @ Lagpilot/Autoscaler/Steps/Queue',
    ]);
  });

  it('keeps each acknowledged wildcard in a policy of its own: a new wildcard grant fails the checks', () => {
    const app = testApp();
    const widened = new LagpilotStack(app, 'Lagpilot', { parameters: testParameters(app) });
    for (const role of [
      widened.autoscaler.role,
      widened.worker.taskDefinition.obtainExecutionRole(),
    ]) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ecs:UpdateService'], resources: ['*'] }),
      );
    }
    expect(
      nagFindings(widened)
        .map((f) => `${f.rule} @ ${f.path}`)
        .sort(),
    ).toEqual([
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Autoscaler/Role/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::*] @ Lagpilot/Worker/ExecutionRole/DefaultPolicy/Resource',
    ]);
  });

  it('matches the snapshot (asset hashes normalised)', () => {
    expect(normaliseAssets(template.toJSON())).toMatchSnapshot();
  });
});

describe('LagpilotStack in an existing VPC', () => {
  const app = testApp({
    vpcId: 'vpc-0123456789abcdef0',
    vpcAzs: 'eu-west-1a,eu-west-1b',
    vpcPrivateSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
  });
  const template = Template.fromStack(
    new LagpilotStack(app, 'Lagpilot', { parameters: testParameters(app) }),
  );

  it('creates no VPC and places the fleet in the given private subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
          AssignPublicIp: 'DISABLED',
        },
      },
    });
  });
});

describe('LagpilotStack with an alarm email and SCRAM credentials', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf';
  const app = testApp({
    alarmEmail: 'oncall@example.com',
    kafkaAuth: 'scram-sha-512',
    kafkaSecretArn: secretArn,
    kafkaTls: true,
  });
  const stack = new LagpilotStack(app, 'Lagpilot', { parameters: testParameters(app) });
  const template = Template.fromStack(stack);

  it('subscribes the email to an encrypted topic every alarm notifies on ALARM, never on OK', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    // An OK action mails each alarm once right after a first deploy: noise that trains people to ignore it.
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties).not.toHaveProperty('OKActions');
    }
  });

  it('still passes the AWS Solutions checks', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

/** Asset hashes change with every bundle; the template's shape is what the snapshot guards. */
function normaliseAssets(json: unknown): unknown {
  return JSON.parse(
    JSON.stringify(json).replace(
      /[0-9a-f]{64}(\.zip)?/g,
      (_m, zip: string | undefined) => `ASSET${zip ?? ''}`,
    ),
  );
}

describe('LagpilotStack with a partial secret ARN', () => {
  it('is refused at synth: ECS injects secrets by complete ARN only', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka';
    const app = testApp({ kafkaAuth: 'scram-sha-512', kafkaSecretArn: partial });
    expect(() => testParameters(app)).toThrow(
      /kafkaSecretArn \(LAGPILOT_KAFKA_SECRET_ARN\)=.*must be the complete ARN.*-<6 characters>/,
    );
  });
});
