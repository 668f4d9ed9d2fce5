import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { readParameters } from '../../bin/params.ts';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { RULE_PROPS_FILE, renderRuleProps, withParameterTable } from '../../dev/parameter-docs.ts';
import { PARAMETERS } from '../../lambda/config.ts';
import {
  type ContextKey,
  contextKeyOf,
  envNameOf,
  type RuleEnvName,
} from '../../lib/parameters.ts';
import type { ScalingRuleProps } from '../../lib/scaling-rule-props.ts';

const read = (values: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  readParameters({ ...cdkJson.context, ...values }, env);

describe('parameter names', () => {
  it('derives every context key from its variable and back', () => {
    for (const name of Object.keys(PARAMETERS)) {
      expect(envNameOf(contextKeyOf(name))).toBe(name);
    }
    expect(contextKeyOf('LAGPILOT_LAG_HIGH')).toBe('lagHigh');
    expect(contextKeyOf('LAGPILOT_KAFKA_SECRET_ARN')).toBe('kafkaSecretArn');
  });
});

describe('readParameters', () => {
  it('reads the cdk.json defaults with no environment (what an offline synth sees)', () => {
    const p = read();
    expect(p.brokers).toEqual(cdkJson.context.brokers.split(','));
    expect(p.topics).toEqual(['orders']);
    expect(p.rules).toEqual({});
    expect(p.deploy).toMatchObject({ workerCpu: 512, workerMemory: 1024, lagSecondsSlo: 300 });
  });

  it('lets the environment win over context', () => {
    const p = read({ lagHigh: 5000 }, { LAGPILOT_LAG_HIGH: '20000', LAGPILOT_WORKER_CPU: '1024' });
    expect(p.rules.lagHigh).toBe(20_000);
    expect(p.deploy.workerCpu).toBe(1024);
  });

  it('takes typed context values and turns durations into Durations', () => {
    const p = read({ lagHigh: 5000, upWindow: '90s', dryRun: true, downStep: 'half' });
    expect(p.rules).toMatchObject({ lagHigh: 5000, dryRun: true, downStep: 'half' });
    expect(p.rules.upWindow?.toSeconds()).toBe(90);
    expect(p.rules.upWindow).toBeInstanceOf(Duration);
  });

  it('treats a blank variable as unset', () => {
    expect(read({ lagHigh: 5000 }, { LAGPILOT_LAG_HIGH: ' ' }).rules.lagHigh).toBe(5000);
  });

  it('fails naming the context key and the variable of a bad autoscaler value', () => {
    expect(() => read({ lagHigh: 'abc' })).toThrow(
      /lagHigh \(LAGPILOT_LAG_HIGH\)="abc": must be a number/,
    );
    expect(() => read({}, { LAGPILOT_UP_WINDOW: '5 minutes' })).toThrow(
      /upWindow \(LAGPILOT_UP_WINDOW\)="5 minutes": .*not a duration/,
    );
  });

  it('fails when minTasks is above maxTasks, saying how to fix it', () => {
    expect(() => read({ minTasks: 6, maxTasks: 4 })).toThrow(
      /minTasks \(LAGPILOT_MIN_TASKS\)="6": min \(6\) is above LAGPILOT_MAX_TASKS \(4\): lower the min or raise the max/,
    );
  });

  it('lists every bad field at once, autoscaler and deployment alike', () => {
    let message = '';
    try {
      read({ lagHigh: 'abc', workerCpu: 300, workerTransform: '{oops' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/lagHigh \(LAGPILOT_LAG_HIGH\)/);
    expect(message).toMatch(/workerCpu \(LAGPILOT_WORKER_CPU\)="300": must be one of 256, 512/);
    expect(message).toMatch(
      /workerTransform \(LAGPILOT_WORKER_TRANSFORM\)="\{oops": must be valid JSON/,
    );
  });

  it("holds worker settings to the worker's own bounds", () => {
    expect(read({ workerThreads: 256 }).deploy.workerThreads).toBe(256);
    expect(() => read({ workerThreads: 257 })).toThrow(
      /workerThreads \(LAGPILOT_WORKER_THREADS\)="257": must be at most 256/,
    );
    expect(() => read({ brokers: 'b-1.kafka.example.internal' })).toThrow(
      /brokers \(LAGPILOT_BROKERS\)="b-1.kafka.example.internal": each broker must be host:port/,
    );
  });

  it('needs a dead-letter topic unless failing messages are skipped', () => {
    expect(() => read({ workerDlqTopic: null })).toThrow(
      /workerDlqTopic \(LAGPILOT_WORKER_DLQ_TOPIC\): is required while workerOnError is dlq/,
    );
    expect(read({ workerDlqTopic: null, workerOnError: 'skip' }).deploy.workerOnError).toBe('skip');
  });

  it('needs the subnets and AZs of an existing VPC, one subnet per AZ', () => {
    expect(() => read({ vpcId: 'vpc-0123456789abcdef0' })).toThrow(
      /vpcId \(LAGPILOT_VPC_ID\).*needs vpcAzs and vpcPrivateSubnetIds/,
    );
    expect(() =>
      read({ vpcId: 'vpc-0123456789abcdef0', vpcAzs: 'a,b', vpcPrivateSubnetIds: 'subnet-1' }),
    ).toThrow(
      /vpcPrivateSubnetIds \(LAGPILOT_VPC_PRIVATE_SUBNET_IDS\).*one subnet per AZ \(2 AZs given\)/,
    );
  });

  it('requires the Kafka coordinates when cdk.json lacks them', () => {
    expect(() => readParameters({}, {})).toThrow(/brokers \(LAGPILOT_BROKERS\): is required/);
  });

  it('refuses a misspelt name instead of ignoring it, suggesting the right one', () => {
    expect(() => read({ lagHihg: 5000 })).toThrow(
      /lagHihg \(context\): unknown parameter; did you mean lagHigh\?/,
    );
    expect(() => read({}, { LAGPILOT_MAX_TASK: '8' })).toThrow(
      /LAGPILOT_MAX_TASK \(environment\): unknown parameter; did you mean LAGPILOT_MAX_TASKS\?/,
    );
    // CDK's own context (feature flags, lookups) is not a parameter.
    expect(() =>
      read({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:x': 1 }),
    ).not.toThrow();
  });

  it('refuses SCRAM without a secret and MSK IAM for the worker fleet', () => {
    expect(() => read({ kafkaAuth: 'scram-sha-512' })).toThrow(/kafkaSecretArn/);
    expect(() => read({ kafkaAuth: 'msk-iam' })).toThrow(/worker fleet authenticates with SCRAM/);
  });
});

describe('the CDK app', () => {
  it('fails synth on a typo, naming the field, before building anything', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lagpilot-synth-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: { ...process.env, LAGPILOT_LAG_HIGH: 'abc', CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('lagHigh (LAGPILOT_LAG_HIGH)="abc": must be a number');
  });
});

describe('generated parameter docs (npm run docs:params)', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

  it('README documents every parameter exactly as the schemas define them', () => {
    const readme = read('README.md');
    expect(readme).toBe(withParameterTable(readme));
  });

  it('the construct documents every scaling rule as a prop, with its default', () => {
    expect(read(RULE_PROPS_FILE)).toBe(renderRuleProps());
    expect(renderRuleProps()).toContain('@default Duration.minutes(5)');
    // A rule in the schema but not in the props (or the reverse) does not compile.
    expectTypeOf<keyof ScalingRuleProps>().toEqualTypeOf<ContextKey<RuleEnvName>>();
  });
});
