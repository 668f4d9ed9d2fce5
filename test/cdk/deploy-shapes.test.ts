import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnLintFinding, cfnLint } from '../../dev/cfn-lint.ts';
import { LagAlarms } from '../../lib/lag-alarms.ts';
import { LagAutoscaler } from '../../lib/lag-autoscaler.ts';
import { LagDashboard } from '../../lib/lag-dashboard.ts';
import { LagpilotStack } from '../../lib/lagpilot-stack.ts';
import { nagFindings, testApp, testParameters } from './fixtures.ts';

/**
 * Every deployment shape docs/deploy.md describes, synthesized once and read as an AWS engineer
 * would before a first deploy: the grants that deploy needs are there, cfn-lint finds no error
 * in any template (one cfn-lint run for all of them), and the AWS Solutions checks pass.
 */

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const BROKER_SG = 'sg-0b0b0b0b0b0b0b0b0';
const MSK_CLUSTER = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/orders/0a1b2c3d-e4f5-6789-abcd-ef0123456789-2`;
const msk = (port: number) =>
  [1, 2].map((n) => `b-${n}.orders.abc123.c2.kafka.${REGION}.amazonaws.com:${port}`).join(',');
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_orders-AbCdEf`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const EXISTING_VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcAzs: `${REGION}a,${REGION}b`,
  vpcPrivateSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
};
const ALARMS = { alarmEmail: 'oncall@example.com' };

const SHAPES = {
  plaintext: { ...ALARMS },
  tls: { ...ALARMS, kafkaAuth: 'tls', brokers: msk(9094), brokerSecurityGroupId: BROKER_SG },
  scramKms: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'scram-sha-512',
    kafkaTls: true,
    kafkaSecretArn: SECRET,
    kafkaSecretKmsKeyArn: KEY,
    brokers: msk(9096),
    brokerSecurityGroupId: BROKER_SG,
  },
  mskIam: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'msk-iam',
    mskClusterArn: MSK_CLUSTER,
    brokers: msk(9098),
    brokerSecurityGroupId: BROKER_SG,
  },
  existingVpc: { ...ALARMS, ...EXISTING_VPC, brokerSecurityGroupId: BROKER_SG },
  privateImage: {
    ...ALARMS,
    workerImage: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/lagpilot/worker:1.4.0`,
    capacityProvider: 'FARGATE_SPOT',
  },
} as const;

type ShapeName = keyof typeof SHAPES | 'importedService';

interface Synthesized {
  readonly stack: Stack;
  readonly template: Template;
}

function synthShape(context: Record<string, unknown>): Synthesized {
  const app = testApp(context);
  const stack = new LagpilotStack(app, 'Lagpilot', {
    parameters: testParameters(app),
    env: { account: ACCOUNT, region: REGION },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** Adopting a service the stack does not own: named by ARN, as `aws ecs list-services` prints. */
function synthImportedService(): Synthesized {
  const app = testApp();
  const stack = new Stack(app, 'Adopted', { env: { account: ACCOUNT, region: REGION } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: EXISTING_VPC.vpcId,
    availabilityZones: EXISTING_VPC.vpcAzs.split(','),
    privateSubnetIds: EXISTING_VPC.vpcPrivateSubnetIds.split(','),
  });
  const autoscaler = new LagAutoscaler(stack, 'Autoscaler', {
    clusterName: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
    serviceName: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/orders-mirror`,
    kafka: { brokers: msk(9092).split(',') },
    groupId: 'orders-mirror',
    topics: ['orders'],
    vpc,
  });
  const alarms = new LagAlarms(stack, 'Alarms', { autoscaler, ...ALARMS });
  new LagDashboard(stack, 'Dashboard', { autoscaler, alarms });
  return { stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Json; Effect: string };

/** Every Allow statement of the role with logical id `roleId`, inline or attached. */
function statementsOf(template: Template, roleId: string): Statement[] {
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Json }>;
  };
  const inline = (
    (json.Resources[roleId]?.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: Statement[] };
    }[]
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached].filter((s) => s.Effect === 'Allow');
}

const actions = (s: Statement) => [s.Action].flat();

function roleId(stack: Stack, role: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(role.node.defaultChild as never);
}

function lagpilot(s: Synthesized): LagpilotStack {
  return s.stack as LagpilotStack;
}

/** Assertions every LagpilotStack shape shares: alarms reach SNS, nag is clean. */
function assertsCommonGrants(s: Synthesized) {
  s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        }),
      ]),
    },
  });
  expect(nagFindings(s.stack)).toEqual([]);
}

/** The brokers' group admits both of ours on exactly the broker port. */
function assertsBrokerIngress(s: Synthesized, port: number) {
  const stack = lagpilot(s);
  const ingress = Object.values(s.template.findResources('AWS::EC2::SecurityGroupIngress')).map(
    (r) => r.Properties,
  );
  const sources = [stack.worker.service, stack.autoscaler.function].map((c) =>
    stack.resolve(c.connections.securityGroups[0]!.securityGroupId),
  );
  expect(ingress).toEqual(
    sources.map((source) =>
      expect.objectContaining({
        GroupId: BROKER_SG,
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: source,
      }),
    ),
  );
  const outputs = Object.keys(s.template.toJSON().Outputs);
  expect(outputs).toEqual(
    expect.arrayContaining(['WorkerSecurityGroupId', 'AutoscalerSecurityGroupId']),
  );
}

describe('deployment shapes: first-deploy grants, cfn-lint and AWS Solutions checks', () => {
  const synthesized = {} as Record<ShapeName, Synthesized>;
  let findings: CfnLintFinding[] = [];
  const files = {} as Record<ShapeName, string>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagpilot-shapes-'));
    for (const [name, context] of Object.entries(SHAPES)) {
      synthesized[name as ShapeName] = synthShape(context);
    }
    synthesized.importedService = synthImportedService();
    for (const [name, s] of Object.entries(synthesized)) {
      files[name as ShapeName] = join(dir, `${name}.json`);
      writeFileSync(files[name as ShapeName], JSON.stringify(s.template.toJSON(), null, 1));
    }
    findings = await cfnLint(Object.values(files));
  });

  const lintErrors = (shape: ShapeName) =>
    findings
      .filter((f) => f.file === files[shape] && f.level === 'Error')
      .map((f) => `${f.rule} ${f.path.join('/')}: ${f.message}`);

  it.each([...Object.keys(SHAPES), 'importedService'] as ShapeName[])(
    '%s: cfn-lint reports no error',
    (shape) => {
      expect(lintErrors(shape)).toEqual([]);
    },
  );

  it('cfn-lint did lint every template (a broken template is an error, not silence)', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'lagpilot-broken-')), 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { Bogus: 1 } } } }),
    );
    return expect(cfnLint([broken]).then((f) => f.map((x) => x.level))).resolves.toContain('Error');
  });

  it('plaintext: alarms can publish and the new VPC reaches no private cluster without help', () => {
    const s = synthesized.plaintext;
    assertsCommonGrants(s);
    s.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(Object.keys(s.template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['WorkerSecurityGroupId', 'AutoscalerSecurityGroupId']),
    );
  });

  it('tls: the broker group admits worker and autoscaler on 9094', () => {
    assertsCommonGrants(synthesized.tls);
    assertsBrokerIngress(synthesized.tls, 9094);
  });

  it('scramKms: exactly the roles that read the secret may decrypt it, through Secrets Manager', () => {
    const s = synthesized.scramKms;
    const stack = lagpilot(s);
    assertsCommonGrants(s);
    assertsBrokerIngress(s, 9096);
    const decrypts = (role: string) =>
      statementsOf(s.template, role).filter((st) => actions(st).includes('kms:Decrypt'));
    for (const role of [
      roleId(stack, stack.worker.taskDefinition.obtainExecutionRole()),
      roleId(stack, stack.autoscaler.role),
    ]) {
      expect(decrypts(role), role).toEqual([
        expect.objectContaining({
          Resource: KEY,
          Condition: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
          },
        }),
      ]);
      const reads = statementsOf(s.template, role).filter((st) =>
        actions(st).includes('secretsmanager:GetSecretValue'),
      );
      // The ARN may be complete or a partial one ending like a suffix: both forms are granted.
      expect(reads.flatMap((st) => [st.Resource].flat()).sort()).toEqual([
        SECRET,
        `${SECRET}-??????`,
      ]);
    }
    expect(decrypts(roleId(stack, stack.worker.taskDefinition.taskRole))).toEqual([]);
  });

  it('mskIam: the task role holds only kafka-cluster rights scoped to the cluster, its topics and group', () => {
    const s = synthesized.mskIam;
    const stack = lagpilot(s);
    assertsCommonGrants(s);
    assertsBrokerIngress(s, 9098);
    const kafka = statementsOf(
      s.template,
      roleId(stack, stack.worker.taskDefinition.taskRole),
    ).filter((st) => actions(st).some((a) => a.startsWith('kafka-cluster:')));
    const granted = kafka.flatMap((st) =>
      actions(st).flatMap((a) => [st.Resource].flat().map((r) => `${a} ${String(r)}`)),
    );
    const prefix = `arn:aws:kafka:${REGION}:${ACCOUNT}`;
    const path = 'orders/0a1b2c3d-e4f5-6789-abcd-ef0123456789-2';
    expect(granted.sort()).toEqual(
      [
        `kafka-cluster:Connect ${MSK_CLUSTER}`,
        `kafka-cluster:DescribeCluster ${MSK_CLUSTER}`,
        `kafka-cluster:WriteDataIdempotently ${MSK_CLUSTER}`,
        `kafka-cluster:DescribeTopic ${prefix}:topic/${path}/orders`,
        `kafka-cluster:ReadData ${prefix}:topic/${path}/orders`,
        `kafka-cluster:DescribeTopic ${prefix}:topic/${path}/orders-mirror`,
        `kafka-cluster:WriteData ${prefix}:topic/${path}/orders-mirror`,
        `kafka-cluster:DescribeTopic ${prefix}:topic/${path}/orders-mirror.dlq`,
        `kafka-cluster:WriteData ${prefix}:topic/${path}/orders-mirror.dlq`,
        `kafka-cluster:DescribeGroup ${prefix}:group/${path}/orders-mirror`,
        `kafka-cluster:AlterGroup ${prefix}:group/${path}/orders-mirror`,
      ].sort(),
    );
  });

  it('existingVpc: no VPC created, the broker group admits both on 9092', () => {
    const s = synthesized.existingVpc;
    assertsCommonGrants(s);
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    assertsBrokerIngress(s, 9092);
  });

  it('privateImage: the execution role may pull exactly that repository, on Fargate Spot', () => {
    const s = synthesized.privateImage;
    const stack = lagpilot(s);
    assertsCommonGrants(s);
    const statements = statementsOf(
      s.template,
      roleId(stack, stack.worker.taskDefinition.obtainExecutionRole()),
    );
    const repository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/lagpilot/worker`;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:GetDownloadUrlForLayer',
        ],
        Resource: repository,
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
    );
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: {
            'Fn::Join': [
              '',
              [
                `${ACCOUNT}.dkr.ecr.${REGION}.`,
                { Ref: 'AWS::URLSuffix' },
                '/lagpilot/worker:1.4.0',
              ],
            ],
          },
        }),
      ],
    });
    s.template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE_SPOT']),
    });
  });

  it('importedService: scales the named service, its CPU/memory alarms watching its plain names', () => {
    const s = synthesized.importedService;
    expect(nagFindings(s.stack)).toEqual([]);
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Adopted-CpuHigh',
      Dimensions: [
        { Name: 'ClusterName', Value: 'prod' },
        { Name: 'ServiceName', Value: 'orders-mirror' },
      ],
    });
    const fn = Object.values(s.template.findResources('AWS::Lambda::Function'))[0]!;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    expect(statementsOf(s.template, role)).toContainEqual(
      expect.objectContaining({
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/orders-mirror`,
      }),
    );
  });
});
