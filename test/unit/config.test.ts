import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import {
  PARAMETERS,
  parseConfig,
  parseRawConfig,
  parseScalingRules,
} from '../../lambda/core/config.ts';

const REQUIRED = {
  LAGPILOT_BROKERS: 'b1:9092, b2:9092',
  LAGPILOT_GROUP_ID: 'mirror',
  LAGPILOT_TOPICS: 'events',
  LAGPILOT_CLUSTER: 'fleet',
  LAGPILOT_SERVICE: 'mirror-svc',
  LAGPILOT_STATE_TABLE: 'lagpilot-state',
};

function problemsOf(
  env: Record<string, string>,
  parse: (env: Record<string, string>) => unknown = parseConfig,
): string[] {
  try {
    parse(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the defaults chosen by the simulator (docs/autoscaler.md, Why these defaults)', () => {
    const c = parseConfig(REQUIRED);
    expect(c.rules).toEqual({
      minTasks: 1,
      maxTasks: 12,
      balancedCounts: true,
      lagHigh: 10_000,
      cpuHigh: 95,
      memoryHigh: 80,
      upWindowMs: 60_000,
      upFactor: 3,
      upCooldownMs: 120_000,
      lagLow: 4_000,
      cpuLow: 90,
      memoryLow: 50,
      downWindowMs: 120_000,
      downStep: 'fit',
      downCooldownMs: 300_000,
      stallSteps: 5,
      lagSloMs: 60_000,
      taskCapacity: null,
      headroom: 1,
      prescaleLeadMs: 180_000,
      stepIntervalMs: 15_000,
      stepWhen: 'always',
      sloAttainment: 99.9,
      taskStartMs: 60_000,
    });
    expect(c.kafka).toEqual({
      brokers: ['b1:9092', 'b2:9092'],
      groupId: 'mirror',
      topics: ['events'],
      auth: 'none',
      secretArn: undefined,
      tls: false,
      offsetReset: 'earliest',
    });
    expect(c.target).toEqual({ cluster: 'fleet', service: 'mirror-svc' });
    expect(c.stateTable).toBe('lagpilot-state');
    expect(c.dryRun).toBe(false);
    expect(c.metricsNamespace).toBe('Lagpilot');
  });

  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['0s', 0],
  ])('reads the duration %s', (text, ms) => {
    expect(parseScalingRules({ LAGPILOT_UP_COOLDOWN: text }).upCooldownMs).toBe(ms);
  });

  it('treats blank variables as unset', () => {
    expect(parseScalingRules({ LAGPILOT_MAX_TASKS: '  ' }).maxTasks).toBe(12);
  });

  it('lists every missing required field at once', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      [
        'LAGPILOT_BROKERS',
        'LAGPILOT_GROUP_ID',
        'LAGPILOT_TOPICS',
        'LAGPILOT_CLUSTER',
        'LAGPILOT_SERVICE',
        'LAGPILOT_STATE_TABLE',
      ].map((f) => `${f}: is required`),
    );
  });

  it('names each bad field, its value and the fix', () => {
    const problems = problemsOf({
      ...REQUIRED,
      LAGPILOT_UP_WINDOW: '5 minutes',
      LAGPILOT_DOWN_WINDOW: '-5m',
      LAGPILOT_CPU_HIGH: '120',
      LAGPILOT_MAX_TASKS: 'many',
      LAGPILOT_DRY_RUN: 'maybe',
    });
    expect(problems).toEqual([
      'LAGPILOT_MAX_TASKS="many": must be a number',
      'LAGPILOT_CPU_HIGH="120": must be 0–100',
      'LAGPILOT_UP_WINDOW="5 minutes": "5 minutes" is not a duration with a known unit: write a number followed by ms, s, m or h (e.g. 5m)',
      'LAGPILOT_DOWN_WINDOW="-5m": "-5m" is negative: a duration must be 0 or more',
      'LAGPILOT_DRY_RUN="maybe": must be true or false',
    ]);
  });

  it('wants every broker as host:port, as kafkajs and the worker do', () => {
    expect(problemsOf({ ...REQUIRED, LAGPILOT_BROKERS: 'b1:9092, b2' })).toEqual([
      'LAGPILOT_BROKERS="b1:9092, b2": each broker must be host:port (e.g. b-1.kafka.internal:9092)',
    ]);
    expect(problemsOf({ ...REQUIRED, LAGPILOT_BROKERS: ' , ' })).toEqual([
      'LAGPILOT_BROKERS=" , ": must name at least one value (comma-separated)',
    ]);
  });

  it('reports cross-field problems together with per-field ones', () => {
    const problems = problemsOf({
      ...REQUIRED,
      LAGPILOT_MIN_TASKS: '8',
      LAGPILOT_MAX_TASKS: '4',
      LAGPILOT_LAG_LOW: '20000',
      LAGPILOT_CPU_HIGH: 'lots',
      LAGPILOT_CPU_LOW: '90',
      LAGPILOT_KAFKA_AUTH: 'scram-sha-512',
    });
    expect(problems).toContain('LAGPILOT_CPU_HIGH="lots": must be a number');
    expect(problems).toContain(
      'LAGPILOT_MIN_TASKS="8": min (8) is above LAGPILOT_MAX_TASKS (4): lower the min or raise the max',
    );
    expect(problems).toContain(
      'LAGPILOT_LAG_LOW="20000": must be below LAGPILOT_LAG_HIGH (10000), or scale-up and scale-down fight',
    );
    expect(problems).toContain(
      'LAGPILOT_KAFKA_SECRET_ARN: SCRAM auth needs the ARN of a Secrets Manager secret holding {"username","password"}',
    );
    // CPU low vs high cannot be judged while CPU high is itself invalid.
    expect(problems.filter((p) => p.startsWith('LAGPILOT_CPU_LOW'))).toEqual([]);
    expect(problems).toHaveLength(4);
  });

  it('the error message lists the problems one per line', () => {
    expect(() => parseConfig({})).toThrow(
      /invalid autoscaler configuration:\n {2}- LAGPILOT_BROKERS: is required/,
    );
  });
});

describe('parseScalingRules', () => {
  it('needs none of the Lambda-only parameters', () => {
    expect(parseScalingRules({ LAGPILOT_MAX_TASKS: '30' }).maxTasks).toBe(30);
  });

  it('reports only rule problems, including cross-field ones', () => {
    const problems = problemsOf(
      {
        LAGPILOT_MEMORY_LOW: '85',
        LAGPILOT_STALL_STEPS: '0',
        LAGPILOT_KAFKA_AUTH: 'scram-sha-256',
      },
      parseScalingRules,
    );
    expect(problems).toHaveLength(2);
    expect(problems).toContain(
      'LAGPILOT_MEMORY_LOW="85": must be below LAGPILOT_MEMORY_HIGH (80), or scale-up and scale-down fight',
    );
    expect(problems).toContain('LAGPILOT_STALL_STEPS="0": must be at least 1');
  });

  it.each(['fit', 'one', 'half'] as const)('takes the down step %s', (step) => {
    expect(parseScalingRules({ LAGPILOT_DOWN_STEP: step }).downStep).toBe(step);
  });

  it.each([
    ['30s', 30_000],
    ['20s', 20_000],
    ['15s', 15_000],
    ['10s', 10_000],
    ['1m', 60_000],
  ])('takes the step interval %s', (text, ms) => {
    expect(parseScalingRules({ LAGPILOT_STEP_INTERVAL: text }).stepIntervalMs).toBe(ms);
  });

  it.each(['5s', '45s', '7s', '90s', '2m', '15500ms'])(
    'refuses a step interval %s that does not divide a minute into whole seconds, 10s–1m',
    (text) => {
      expect(problemsOf({ LAGPILOT_STEP_INTERVAL: text }, parseScalingRules)).toEqual([
        `LAGPILOT_STEP_INTERVAL="${text}": must divide a minute into whole seconds, from 10s to 1m (10s, 12s, 15s, 20s, 30s or 1m)`,
      ]);
    },
  );

  it('wants the up-window to span at least two steps', () => {
    const slow = { LAGPILOT_UP_WINDOW: '30s', LAGPILOT_STEP_INTERVAL: '1m' };
    expect(problemsOf(slow, parseScalingRules)).toEqual([
      'LAGPILOT_UP_WINDOW="30s": is shorter than one step (LAGPILOT_STEP_INTERVAL 60s): a window must span at least two readings; lengthen it or shorten the interval',
    ]);
    const fast = { LAGPILOT_UP_WINDOW: '30s', LAGPILOT_STEP_INTERVAL: '15s' };
    expect(parseScalingRules(fast).upWindowMs).toBe(30_000);
  });

  it('reads the sizing parameters, and names the field and the fix when one is wrong', () => {
    const r = parseScalingRules({
      LAGPILOT_LAG_SLO: '30s',
      LAGPILOT_TASK_CAPACITY: '1020',
      LAGPILOT_HEADROOM: '1.25',
    });
    expect(r).toMatchObject({ lagSloMs: 30_000, taskCapacity: 1020, headroom: 1.25 });
    expect(
      problemsOf(
        { LAGPILOT_LAG_SLO: '0s', LAGPILOT_TASK_CAPACITY: '0', LAGPILOT_HEADROOM: '0.8' },
        parseScalingRules,
      ),
    ).toEqual([
      'LAGPILOT_LAG_SLO="0s": must be at least 1s: the backlog is sized to drain within it',
      'LAGPILOT_TASK_CAPACITY="0": must be above 0 messages per second (or unset to learn it)',
      'LAGPILOT_HEADROOM="0.8": must be at least 1',
    ]);
  });

  it('names the down steps it knows', () => {
    expect(problemsOf({ LAGPILOT_DOWN_STEP: 'third' }, parseScalingRules)).toEqual([
      'LAGPILOT_DOWN_STEP="third": must be fit (rate-sized), one (−1) or half (÷2)',
    ]);
  });
});

describe('parseRawConfig', () => {
  it('keys every parameter by its environment name (the CDK app validates with it)', () => {
    const raw = parseRawConfig(REQUIRED);
    expect(Object.keys(raw).sort()).toEqual(Object.keys(PARAMETERS).sort());
    expect(raw.LAGPILOT_STATE_TABLE).toBe('lagpilot-state');
  });
});
