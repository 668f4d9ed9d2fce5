import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnLintFinding, cfnLint } from '../../dev/cfn-lint.ts';
import type { LagpilotStack } from '../../lib/lagpilot-stack.ts';
import { firstDeployProblems } from './first-deploy-read.ts';
import { nagFindings } from './fixtures.ts';
import {
  ACCOUNT,
  AUTOSCALER_SG,
  actions,
  BROKER_SG,
  BROKER_SG_2,
  CA_SECRET,
  KEY,
  MSK_CLUSTER,
  REGION,
  resourcesOf,
  roleId,
  SCALER_SECRET,
  SECRET,
  SHAPES,
  type ShapeName,
  type Synthesized,
  statementsOf,
  synthImportedService,
  synthShape,
  WORKER_SG,
} from './shapes.ts';

/**
 * Every deployment shape docs/deploy.md describes, synthesized once and read as an AWS engineer
 * would before a first deploy: the grants that deploy needs are there, cfn-lint finds no error
 * in any template (one cfn-lint run for all of them), and the AWS Solutions checks pass.
 */

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

/** Each brokers' group admits both of ours on exactly the broker port. */
function assertsBrokerIngress(s: Synthesized, port: number, brokerGroups = [BROKER_SG]) {
  const stack = lagpilot(s);
  const ingress = Object.values(s.template.findResources('AWS::EC2::SecurityGroupIngress')).map(
    (r) => r.Properties,
  );
  const sources = [stack.worker.service, stack.autoscaler.function].map((c) =>
    stack.resolve(c.connections.securityGroups[0]!.securityGroupId),
  );
  expect(ingress).toEqual(
    brokerGroups.flatMap((group) =>
      sources.map((source) =>
        expect.objectContaining({
          GroupId: group,
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          SourceSecurityGroupId: source,
        }),
      ),
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

  it.each([...Object.keys(SHAPES), 'importedService'] as ShapeName[])(
    '%s: read before a first deploy, nothing fails or goes silent',
    (shape) => {
      expect(firstDeployProblems(synthesized[shape].template)).toEqual([]);
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
    // Spot places x86_64 tasks only: unset, the architecture follows the capacity provider.
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'X86_64' },
    });
  });

  it('spotWithBase: one task always on FARGATE, the rest split one-to-one with Spot', () => {
    const s = synthesized.spotWithBase;
    assertsCommonGrants(s);
    s.template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ],
    });
  });

  it("groupPerBroker: every brokers' group admits both, on the self-managed TLS port", () => {
    assertsCommonGrants(synthesized.groupPerBroker);
    assertsBrokerIngress(synthesized.groupPerBroker, 9093, [BROKER_SG, BROKER_SG_2]);
  });

  it('existingGroups: the tasks and the function run in the given, already admitted groups', () => {
    const s = synthesized.existingGroups;
    assertsCommonGrants(s);
    s.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    s.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    s.template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    s.template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: { SecurityGroups: [WORKER_SG] } },
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SecurityGroupIds: [AUTOSCALER_SG] },
    });
  });

  it('privateCa: the CA bundle reaches the worker (an ECS secret) and the autoscaler (read at init)', () => {
    const s = synthesized.privateCa;
    const stack = lagpilot(s);
    assertsCommonGrants(s);
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Secrets: [{ Name: 'KAFKA_TLS_CA', ValueFrom: CA_SECRET }],
          Environment: Match.arrayWith([{ Name: 'KAFKA_TLS', Value: 'true' }]),
        }),
      ],
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LAGPILOT_KAFKA_CA_SECRET_ARN: CA_SECRET,
          LAGPILOT_KAFKA_TLS: 'true',
        }),
      },
    });
    for (const role of [stack.worker.taskDefinition.obtainExecutionRole(), stack.autoscaler.role]) {
      const id = roleId(stack, role);
      expect(resourcesOf(s.template, id, 'secretsmanager:GetSecretValue'), id).toEqual([CA_SECRET]);
      // Kept under the customer key, decrypted through Secrets Manager only.
      expect(resourcesOf(s.template, id, 'kms:Decrypt'), id).toEqual([KEY]);
    }
  });

  it("scramOwnAutoscalerUser: each program reads only its own user's secret", () => {
    const s = synthesized.scramOwnAutoscalerUser;
    const stack = lagpilot(s);
    assertsCommonGrants(s);
    const read = (role: Parameters<typeof roleId>[1]) =>
      resourcesOf(s.template, roleId(stack, role), 'secretsmanager:GetSecretValue');
    expect(read(stack.worker.taskDefinition.obtainExecutionRole())).toEqual(
      [SECRET, `${SECRET}-??????`].sort(),
    );
    expect(read(stack.autoscaler.role)).toEqual([SCALER_SECRET, `${SCALER_SECRET}-??????`].sort());
    expect(stack.autoscaler.environment.LAGPILOT_KAFKA_SECRET_ARN).toBe(SCALER_SECRET);
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
    // Admitted at the brokers through its `connections`, and decrypting the MSK secret's key.
    s.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: BROKER_SG,
      FromPort: 9096,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^AutoscalerFunction'), 'GroupId'],
      },
    });
    expect(resourcesOf(s.template, role, 'kms:Decrypt')).toEqual([KEY]);
  });
});
