import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KafkaAuth } from '../../lib/kafka-connection.ts';
import { LagAlarms } from '../../lib/lag-alarms.ts';
import { LagAutoscaler } from '../../lib/lag-autoscaler.ts';
import { LagDashboard } from '../../lib/lag-dashboard.ts';
import { LagpilotStack } from '../../lib/lagpilot-stack.ts';
import { testApp, testParameters } from './fixtures.ts';

/** Every deployment shape docs/deploy.md walks, as context for the app (and one adopted service). */

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const BROKER_SG = 'sg-0b0b0b0b0b0b0b0b0';
export const BROKER_SG_2 = 'sg-0b0b0b0b0b0b0b0b2';
export const WORKER_SG = 'sg-0c0c0c0c0c0c0c0c1';
export const AUTOSCALER_SG = 'sg-0c0c0c0c0c0c0c0c2';
export const MSK_CLUSTER = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/orders/0a1b2c3d-e4f5-6789-abcd-ef0123456789-2`;
export const msk = (port: number) =>
  [1, 2].map((n) => `b-${n}.orders.abc123.c2.kafka.${REGION}.amazonaws.com:${port}`).join(',');
export const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_orders-AbCdEf`;
export const SCALER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_lagpilot-GhIjKl`;
export const CA_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:kafka-ca-MnOpQr`;
export const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const EXISTING_VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcAzs: `${REGION}a,${REGION}b`,
  vpcPrivateSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
};
const ALARMS = { alarmEmail: 'oncall@example.com' };
const SELF_MANAGED = 'kafka-1.internal.example.com:9093,kafka-2.internal.example.com:9093';

export const SHAPES = {
  plaintext: { ...ALARMS },
  tls: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'tls',
    brokers: msk(9094),
    brokerSecurityGroupIds: BROKER_SG,
  },
  scramKms: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'scram-sha-512',
    kafkaSecretArn: SECRET,
    kafkaSecretKmsKeyArn: KEY,
    brokers: msk(9096),
    brokerSecurityGroupIds: BROKER_SG,
  },
  scramOwnAutoscalerUser: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'scram-sha-512',
    kafkaSecretArn: SECRET,
    autoscalerKafkaSecretArn: SCALER_SECRET,
    kafkaSecretKmsKeyArn: KEY,
    brokers: msk(9096),
    brokerSecurityGroupIds: BROKER_SG,
  },
  mskIam: {
    ...ALARMS,
    ...EXISTING_VPC,
    kafkaAuth: 'msk-iam',
    mskClusterArn: MSK_CLUSTER,
    brokers: msk(9098),
    brokerSecurityGroupIds: BROKER_SG,
  },
  existingVpc: { ...ALARMS, ...EXISTING_VPC, brokerSecurityGroupIds: BROKER_SG },
  groupPerBroker: {
    ...ALARMS,
    ...EXISTING_VPC,
    brokers: SELF_MANAGED,
    kafkaAuth: 'tls',
    brokerSecurityGroupIds: `${BROKER_SG},${BROKER_SG_2}`,
  },
  existingGroups: {
    ...ALARMS,
    ...EXISTING_VPC,
    workerSecurityGroupId: WORKER_SG,
    autoscalerSecurityGroupId: AUTOSCALER_SG,
  },
  privateCa: {
    ...ALARMS,
    ...EXISTING_VPC,
    brokers: SELF_MANAGED,
    kafkaAuth: 'tls',
    kafkaCaSecretArn: CA_SECRET,
    kafkaSecretKmsKeyArn: KEY,
    brokerSecurityGroupIds: BROKER_SG,
  },
  privateImage: {
    ...ALARMS,
    workerImage: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/lagpilot/worker:1.4.0`,
    capacityProvider: 'FARGATE_SPOT',
  },
  spotWithBase: {
    ...ALARMS,
    ...EXISTING_VPC,
    brokerSecurityGroupIds: BROKER_SG,
    capacityProvider: 'FARGATE_SPOT',
    onDemandBase: 1,
    onDemandWeight: 1,
  },
} as const;

export type ShapeName = keyof typeof SHAPES | 'importedService';

export interface Synthesized {
  readonly stack: Stack;
  readonly template: Template;
}

export function synthShape(context: Record<string, unknown>): Synthesized {
  const app = testApp(context);
  const stack = new LagpilotStack(app, 'Lagpilot', {
    parameters: testParameters(app),
    env: { account: ACCOUNT, region: REGION },
  });
  return { stack, template: Template.fromStack(stack) };
}

/**
 * Adopting a service the stack does not own (named by ARN, as `aws ecs list-services` prints),
 * on MSK SCRAM, admitted at the brokers' group through the autoscaler's `connections`.
 */
export function synthImportedService(): Synthesized {
  const app = testApp();
  const stack = new Stack(app, 'Adopted', { env: { account: ACCOUNT, region: REGION } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: EXISTING_VPC.vpcId,
    availabilityZones: EXISTING_VPC.vpcAzs.split(','),
    privateSubnetIds: EXISTING_VPC.vpcPrivateSubnetIds.split(','),
  });
  const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'KafkaSecret', {
    secretCompleteArn: SECRET,
    encryptionKey: kms.Key.fromKeyArn(stack, 'KafkaSecretKey', KEY),
  });
  const autoscaler = new LagAutoscaler(stack, 'Autoscaler', {
    clusterName: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
    serviceName: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/orders-mirror`,
    kafka: { brokers: msk(9096).split(','), auth: KafkaAuth.scram(secret) },
    groupId: 'orders-mirror',
    topics: ['orders'],
    vpc,
  });
  const brokers = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Brokers', BROKER_SG, {
    allowAllOutbound: false,
  });
  brokers.connections.allowFrom(autoscaler, ec2.Port.tcp(9096), 'lagpilot autoscaler to Kafka');
  const alarms = new LagAlarms(stack, 'Alarms', { autoscaler, ...ALARMS });
  new LagDashboard(stack, 'Dashboard', { autoscaler, alarms });
  return { stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;
export type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
  Effect: string;
};

/** Every Allow statement of the role with logical id `roleId`, inline or attached. */
export function statementsOf(template: Template, roleId: string): Statement[] {
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

export const actions = (s: Statement) => [s.Action].flat();

export function roleId(stack: Stack, role: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(role.node.defaultChild as never);
}

/** The resources (and where they grant reads) of `action` granted to a role. */
export function resourcesOf(template: Template, role: string, action: string): string[] {
  return statementsOf(template, role)
    .filter((st) => actions(st).includes(action))
    .flatMap((st) => [st.Resource].flat().map(String))
    .sort();
}
