import { Duration } from 'aws-cdk-lib';
import { ConfigError, type ConfigIssue } from '../kit/params/config-error.ts';
import { envNameOf } from '../kit/params/names.ts';
import { type CrossCheck, defineParameters } from '../kit/params/registry.ts';
import {
  AUTOSCALER_PARAMETERS,
  PROP_PARAMETERS,
  parseRawConfig,
  type RawConfig,
  RESOURCE_PARAMETERS,
} from '../lambda/core/index.ts';
import { authIssues } from './auth-parameters.ts';
import {
  DEPLOY_SPECS,
  type DeploySettings,
  type DeploySpecs,
  FARGATE_MEMORY,
} from './deploy-specs.ts';
import { resolveTls } from './kafka-tls.ts';
import { labelled, standIn, toEnvValue } from './parameters.ts';
import type { ScalingRuleProps } from './scaling-rule-props.ts';
import { unknownNames } from './unknown-names.ts';
import { heapFullPercent } from './worker-heap.ts';

export type { DeployKey, DeploySettings } from './deploy-specs.ts';

/**
 * The CDK app's parameters, read from `cdk.json` context and environment variables (the
 * environment wins: `LAGPILOT_LAG_HIGH=20000 npx cdk deploy`). Context keys are the camelCase
 * of the variable minus its prefix (`LAGPILOT_LAG_HIGH` ↔ `lagHigh`).
 *
 * Two registries of one kind: the autoscaler's own (`lambda/core/parameters.ts`, the same
 * code the Lambda runs at cold start) and the deployment's below (sizes, network, alarms, the
 * worker's topics and processing). A bad value fails synth with every bad field named.
 */

/** Rules between deployment fields, each with its fix. */
const DEPLOY_CHECKS: readonly CrossCheck<DeploySpecs>[] = [
  (p) =>
    p.workerOnError === 'dlq' && !p.workerDlqTopic
      ? {
          field: 'workerDlqTopic',
          related: ['workerOnError'],
          message:
            'is required while workerOnError is dlq: name the topic, or set workerOnError=skip',
        }
      : undefined,
  (p) =>
    p.workerGroupProtocol === 'consumer' && p.workerClient !== 'platformatic'
      ? {
          field: 'workerGroupProtocol',
          related: ['workerClient'],
          message:
            'needs workerClient=platformatic (kafkajs speaks the classic protocol only): set workerClient=platformatic, or workerGroupProtocol=auto',
        }
      : undefined,
  (p) =>
    p.workerCpu && p.workerMemory ? fargateMemoryIssue(p.workerCpu, p.workerMemory) : undefined,
  (p) =>
    p.capacityProvider === 'FARGATE_SPOT' && p.workerArch === 'arm64'
      ? {
          field: 'workerArch',
          related: ['capacityProvider'],
          message:
            'Fargate Spot runs x86_64 tasks only: set workerArch=x86_64 (or leave it unset), or capacityProvider=FARGATE',
        }
      : undefined,
  (p) =>
    p.capacityProvider !== 'FARGATE_SPOT' &&
    ((p.onDemandBase ?? 0) > 0 || (p.onDemandWeight ?? 0) > 0)
      ? {
          field: (p.onDemandBase ?? 0) > 0 ? 'onDemandBase' : 'onDemandWeight',
          related: ['capacityProvider'],
          message:
            'only applies with capacityProvider=FARGATE_SPOT (every task is on FARGATE already): remove it, or set capacityProvider=FARGATE_SPOT',
        }
      : undefined,
  (p) =>
    !p.workerSecurityGroupId !== !p.autoscalerSecurityGroupId
      ? {
          field: p.workerSecurityGroupId ? 'autoscalerSecurityGroupId' : 'workerSecurityGroupId',
          message:
            'existing security groups come in pairs: give both workerSecurityGroupId and autoscalerSecurityGroupId (each admitted by the brokers), or neither',
        }
      : undefined,
  (p) => {
    const field = p.brokerSecurityGroupIds
      ? 'brokerSecurityGroupIds'
      : p.workerSecurityGroupId
        ? 'workerSecurityGroupId'
        : undefined;
    return field && !p.vpcId
      ? {
          field,
          related: ['vpcId'],
          message:
            "names groups in the brokers' VPC, but without vpcId the stack builds a new VPC that no broker group can reference: set vpcId, vpcAzs and vpcPrivateSubnetIds to that VPC (or one peered with it in the same region)",
        }
      : undefined;
  },
  (p) =>
    p.vpcId && (!p.vpcAzs || !p.vpcPrivateSubnetIds)
      ? { field: 'vpcId', message: 'an existing VPC also needs vpcAzs and vpcPrivateSubnetIds' }
      : undefined,
  (p) =>
    p.vpcAzs && p.vpcPrivateSubnetIds && p.vpcAzs.length !== p.vpcPrivateSubnetIds.length
      ? {
          field: 'vpcPrivateSubnetIds',
          related: ['vpcAzs'],
          message: `needs one subnet per AZ (${p.vpcAzs.length} AZs given)`,
        }
      : undefined,
];

function fargateMemoryIssue(cpu: number, memory: number): ConfigIssue | undefined {
  const [low, high, step] = FARGATE_MEMORY[cpu] ?? [0, 0, 1];
  // 512 MiB is Fargate's odd one out: valid with 256 CPU only (so 1536 is not).
  if (cpu === 256 && memory === 512) return undefined;
  if (memory >= low && memory <= high && memory % step === 0) return undefined;
  const allowed = cpu === 256 ? '512, 1024 or 2048 MiB' : `${low}–${high} MiB in steps of ${step}`;
  return {
    field: 'workerMemory',
    related: ['workerCpu'],
    message: `Fargate runs ${cpu} CPU units with ${allowed}: change workerMemory or workerCpu`,
  };
}

/** The deployment's parameters as a registry: names, defaults, docs and the parser. */
export const DEPLOY_PARAMETERS = defineParameters(DEPLOY_SPECS, {
  keyedBy: 'context',
  heading: 'invalid deployment parameters',
  checks: DEPLOY_CHECKS,
});

const HEADING = 'invalid lagpilot parameters (cdk.json context or LAGPILOT_* environment)';

/** What the app reads: the autoscaler's connection and rules, and the deployment settings. */
export interface AppParameters {
  readonly brokers: string[];
  readonly groupId: string;
  readonly topics: string[];
  readonly kafkaAuth: 'none' | 'scram-sha-256' | 'scram-sha-512' | 'tls' | 'msk-iam';
  readonly kafkaSecretArn?: string;
  /** TLS as given, or as the auth kind and the brokers' port imply (lib/kafka-tls.ts). */
  readonly kafkaTls: boolean;
  readonly kafkaCaSecretArn?: string;
  readonly metricsNamespace: string;
  /** Only the rules that were set; the rest keep the autoscaler's defaults. */
  readonly rules: ScalingRuleProps;
  readonly deploy: DeploySettings;
}

/**
 * Reads and validates every parameter from the app's context (`app.node.getAllContext()`) and
 * the environment; throws one error naming each bad or unknown field.
 */
export function readParameters(
  context: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): AppParameters {
  const read = (contextKey: string): string | undefined => {
    const fromEnv = env[envNameOf(contextKey)];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
    const fromContext = context[contextKey];
    return fromContext === undefined || fromContext === null ? undefined : toEnvValue(fromContext);
  };
  const given = <K extends string>(keys: readonly K[], keyOf: (key: K) => string) =>
    Object.fromEntries(
      keys.flatMap((key) => {
        const value = read(keyOf(key));
        return value === undefined ? [] : [[key, value]];
      }),
    ) as Record<string, string>;

  const operatorSet = AUTOSCALER_PARAMETERS.names.filter(
    (name) => !(RESOURCE_PARAMETERS as readonly string[]).includes(name),
  );
  const scalerEnv = given(operatorSet, (name) => AUTOSCALER_PARAMETERS.contextKey(name));
  const deployInput = given(DEPLOY_PARAMETERS.names, (key) => key);

  const issues: ConfigIssue[] = unknownNames(context, env, [
    ...AUTOSCALER_PARAMETERS.names.map((name) => AUTOSCALER_PARAMETERS.contextKey(name)),
    ...DEPLOY_PARAMETERS.names,
  ]);
  // The stack fills in the service and table; stand-ins let the schema check the rest.
  const config = collect(issues, () =>
    parseRawConfig({
      ...Object.fromEntries(RESOURCE_PARAMETERS.map((n) => [n, standIn(n)])),
      ...scalerEnv,
    }),
  );
  const deploy = collect(issues, () => DEPLOY_PARAMETERS.parseAll(deployInput));
  if (config && deploy) {
    const tlsGiven = scalerEnv.LAGPILOT_KAFKA_TLS !== undefined;
    issues.push(...authIssues(config, deploy, tlsGiven), ...memoryRuleIssues(config, deploy));
  }
  if (issues.length > 0 || !config || !deploy) throw new ConfigError(HEADING, issues);

  return {
    brokers: config.LAGPILOT_BROKERS,
    groupId: config.LAGPILOT_GROUP_ID,
    topics: config.LAGPILOT_TOPICS,
    kafkaAuth: config.LAGPILOT_KAFKA_AUTH,
    kafkaSecretArn: config.LAGPILOT_KAFKA_SECRET_ARN,
    kafkaTls: resolveTls({
      kind: config.LAGPILOT_KAFKA_AUTH,
      brokers: config.LAGPILOT_BROKERS,
      tls: scalerEnv.LAGPILOT_KAFKA_TLS === undefined ? undefined : config.LAGPILOT_KAFKA_TLS,
    }),
    kafkaCaSecretArn: config.LAGPILOT_KAFKA_CA_SECRET_ARN,
    metricsNamespace: config.LAGPILOT_METRICS_NAMESPACE,
    rules: ruleProps(config, scalerEnv),
    deploy,
  };
}

/**
 * The memory rule must be able to fire before the worker's heap is full (lib/worker-heap.ts):
 * above that share of the task memory the process dies first.
 */
function memoryRuleIssues(config: RawConfig, d: DeploySettings): ConfigIssue[] {
  const full = heapFullPercent(d.workerMemory);
  if (config.LAGPILOT_MEMORY_HIGH < full) return [];
  return [
    {
      field: 'LAGPILOT_MEMORY_HIGH',
      label: AUTOSCALER_PARAMETERS.label('LAGPILOT_MEMORY_HIGH'),
      related: ['workerMemory'],
      message: `${config.LAGPILOT_MEMORY_HIGH} % is past where the worker's heap is full (about ${full} % of workerMemory ${d.workerMemory} MiB): the task would crash before scaling up; set it below ${full}`,
    },
  ];
}

/** `parse()`'s result, or its ConfigError's issues added to `issues` (labelled with both names). */
function collect<T>(issues: ConfigIssue[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...labelled(error));
    return undefined;
  }
}

/** The rules that were given, as construct props (durations back to `Duration`). */
function ruleProps(config: RawConfig, given: Record<string, string>): ScalingRuleProps {
  const props: Record<string, unknown> = {};
  for (const name of PROP_PARAMETERS) {
    if (given[name] === undefined) continue;
    const value = config[name];
    props[AUTOSCALER_PARAMETERS.contextKey(name)] = AUTOSCALER_PARAMETERS.isDuration(name)
      ? Duration.millis(value as number)
      : value;
  }
  return props as ScalingRuleProps;
}
