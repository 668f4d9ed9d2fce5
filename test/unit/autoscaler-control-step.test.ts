import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../lambda/adapters/state-store.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { type ControlStepDeps, controlStep } from '../../lambda/core/control-step.ts';
import { BrokerUnreachableError } from '../../lambda/core/errors.ts';
import { explain } from '../../lambda/core/explain.ts';
import type { StepReport } from '../../lambda/core/ports.ts';
import type { LagSnapshot, ServiceSnapshot } from '../../lambda/core/types.ts';
import { headline, JsonLineReporter, metricsOf } from '../../lambda/handler/report.ts';

const MINUTE = 60_000;
const rules = parseScalingRules({
  LAGPILOT_UP_WINDOW: '2m',
  LAGPILOT_UP_COOLDOWN: '1m',
  LAGPILOT_UP_FACTOR: '2',
});

function lagOf(perPartition: number, partitions = 12): LagSnapshot {
  return {
    topics: ['t'],
    partitions: Array.from({ length: partitions }, (_, p) => ({
      topic: 't',
      partition: p,
      committed: 1_000,
      end: 1_000 + perPartition,
      start: 0,
      lag: perPartition,
    })),
    partitionCount: partitions,
    group: { state: 'Stable', members: 2 },
  };
}

/** A fleet of fakes behind the ports; each piece can be made to fail. */
function world(lag: LagSnapshot | Error, overrides: Partial<ControlStepDeps> = {}) {
  let clock = 1_000_000 * MINUTE;
  const service: ServiceSnapshot = { desired: 2, running: 2, pending: 0, deploying: false };
  const sets: number[] = [];
  const reports: StepReport[] = [];
  const deps: ControlStepDeps = {
    rules,
    lag: { observe: async () => (lag instanceof Error ? Promise.reject(lag) : lag) },
    metrics: { resources: async (now) => [{ at: now, cpu: 50, memory: 60 }] },
    target: {
      describe: async () => ({ ...service }),
      setDesired: async (n) => {
        sets.push(n);
        service.desired = n;
        service.running = n;
      },
    },
    store: new MemoryStateStore(),
    reporter: { report: (r) => reports.push(r) },
    dryRun: false,
    now: () => clock,
    ...overrides,
  };
  const step = async () => {
    const report = await controlStep(deps);
    clock += MINUTE;
    return report;
  };
  return { deps, step, sets, reports, service };
}

describe('controlStep', () => {
  it('observes, decides over the kept history, acts once the window is covered, and reports', async () => {
    const w = world(lagOf(5_000));
    const first = await w.step();
    expect(first.decision.action).toBe('hold');
    await w.step();
    const third = await w.step();
    expect(third).toMatchObject({ acted: true, decision: { action: 'up', from: 2, to: 4 } });
    expect(w.sets).toEqual([4]);
    expect(w.reports).toHaveLength(3);
  });

  it('in dry run decides the same but never sets the count', async () => {
    const w = world(lagOf(5_000), { dryRun: true });
    for (let i = 0; i < 3; i++) await w.step();
    expect(w.sets).toEqual([]);
    const last = w.reports.at(-1)!;
    expect(last).toMatchObject({ acted: false, dryRun: true, decision: { action: 'up' } });
    expect(headline(last)).toMatch(/^dry run, would scale 2→4/);
  });

  it('an unreachable broker is a hold with the error reported, never a throw', async () => {
    const w = world(new BrokerUnreachableError(['b:9092'], new Error('connect ECONNREFUSED')));
    const report = await w.step();
    expect(report.decision.action).toBe('hold');
    expect(report.errors).toEqual([
      {
        source: 'kafka',
        error:
          'Kafka brokers b:9092 unreachable (connect ECONNREFUSED): check LAGPILOT_BROKERS, the security group and the auth settings',
      },
    ]);
    expect(metricsOf(report)).toContainEqual({ name: 'Errors', unit: 'Count', value: 1 });
    expect(metricsOf(report).find((m) => m.name === 'TotalLag')).toBeUndefined();
  });

  it('holds when the state cannot be read, and does not write', async () => {
    const store = new MemoryStateStore();
    const w = world(lagOf(5_000), {
      store: {
        load: () => Promise.reject(new Error('DynamoDB down')),
        save: store.save.bind(store),
      },
      rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '3' }),
    });
    const report = await w.step();
    expect(report.decision).toMatchObject({ action: 'hold', from: 2, to: 2 });
    expect(report.decision).toMatchObject({
      cause: { rule: 'bounds', bound: 'min', min: 3 },
      vetoed: {
        veto: { kind: 'state-unreadable', error: 'DynamoDB down' },
        was: { action: 'up', to: 3 },
      },
    });
    expect(explain(report.decision).slice(0, 2)).toEqual([
      'hold at 2: state not readable (DynamoDB down): cooldowns and windows unknown',
      'was: scale 2→3: below the minimum 3',
    ]);
    expect(w.sets).toEqual([]);
    expect((await store.load()).version).toBe(0);
  });

  it('of two overlapping steps only one acts', async () => {
    const store = new MemoryStateStore();
    const a = world(lagOf(5_000), { store, rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '4' }) });
    const [r1, r2] = await Promise.all([controlStep(a.deps), controlStep(a.deps)]);
    expect([r1.acted, r2.acted].sort()).toEqual([false, true]);
    const loser = r1.acted ? r2 : r1;
    expect(loser.decision.action).toBe('hold');
    expect(loser.decision.vetoed).toMatchObject({
      veto: { kind: 'state-conflict' },
      was: { action: 'up', to: 4 },
    });
    expect(a.sets).toEqual([4]);
  });

  it('does not act when the state cannot be saved, whatever the reason', async () => {
    const w = world(lagOf(5_000), { rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '4' }) });
    w.deps.store.save = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
    const report = await w.step();
    expect(report).toMatchObject({ acted: false, decision: { action: 'hold', from: 2, to: 2 } });
    expect(report.decision.vetoed).toEqual({
      veto: { kind: 'state-unsaved', error: 'ProvisionedThroughputExceeded' },
      was: { action: 'up', to: 4 },
    });
    expect(report.errors).toEqual([{ source: 'state', error: 'ProvisionedThroughputExceeded' }]);
    expect(w.sets).toEqual([]);
  });

  it('a failed UpdateService holds, reports the error, and starts no cooldown', async () => {
    const store = new MemoryStateStore();
    const w = world(lagOf(5_000), {
      store,
      rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '4' }),
    });
    w.deps.target.setDesired = () =>
      Promise.reject(new Error('UpdateService mirror to 4 failed: throttled'));
    const report = await w.step();
    expect(report).toMatchObject({ acted: false, decision: { action: 'hold' } });
    expect(report.decision.vetoed).toEqual({
      veto: { kind: 'act-failed', error: 'UpdateService mirror to 4 failed: throttled' },
      was: { action: 'up', to: 4 },
    });
    expect(report.errors).toEqual([
      { source: 'act', error: 'UpdateService mirror to 4 failed: throttled' },
    ]);
    const kept = await store.load();
    expect(kept.version).toBe(2);
    expect(kept.value.lastAction).toBeNull();
  });
});

describe('report', () => {
  it('emits the contract metrics, one datapoint each', async () => {
    const w = world(lagOf(5_000), { rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '4' }) });
    const report = await w.step();
    expect(Object.fromEntries(metricsOf(report).map((m) => [m.name, [m.value, m.unit]]))).toEqual({
      TotalLag: [60_000, 'Count'],
      MaxPartitionLag: [5_000, 'Count'],
      Partitions: [12, 'Count'],
      StalledPartitions: [0, 'Count'],
      DesiredTasks: [4, 'Count'],
      RunningTasks: [2, 'Count'],
      TaskCap: [12, 'Count'],
      ScaleUp: [1, 'Count'],
      ScaleDown: [0, 'Count'],
      Errors: [0, 'Count'],
    });
    // From the second step on, rates are known; lag seconds need the log end to move.
    const second = metricsOf(await w.step());
    expect(second).toContainEqual({ name: 'ProduceRate', unit: 'Count/Second', value: 0 });
    expect(second).toContainEqual({ name: 'ConsumeRate', unit: 'Count/Second', value: 0 });
    expect(second.find((m) => m.name === 'LagSeconds')).toBeUndefined();
  });

  it('writes one self-explaining JSON line per step, in a stable shape', async () => {
    const lines: string[] = [];
    const w = world(lagOf(5_000), { reporter: new JsonLineReporter((l) => lines.push(l)) });
    const report = await w.step();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(Object.keys(line)).toEqual([
      'level',
      'timestamp',
      'message',
      'decision',
      'observed',
      'errors',
      'metrics',
    ]);
    expect(line).toMatchObject({
      level: 'INFO',
      timestamp: new Date(report.at).toISOString(),
      message: 'hold at 2: lag 60,000 > 10,000 for 0/2 min',
      decision: {
        action: 'hold',
        from: 2,
        to: 2,
        cap: 12,
        capBy: 'partitions',
        acted: false,
        reasons: ['hold at 2: lag 60,000 > 10,000 for 0/2 min'],
        cause: {
          rule: 'hold',
          hold: {
            kind: 'not-sustained',
            signals: [{ kind: 'lag', value: 60_000, threshold: 10_000, side: 'above', held: 0 }],
          },
        },
        vetoed: null,
        unobserved: [],
      },
      observed: { totalLag: 60_000, partitions: 12, group: { state: 'Stable', members: 2 } },
      errors: [],
      metrics: { TotalLag: 60_000, Errors: 0 },
    });
  });

  it('logs a step with errors at WARN, the error named', async () => {
    const lines: string[] = [];
    const w = world(new BrokerUnreachableError(['b:9092'], new Error('ECONNREFUSED')), {
      reporter: new JsonLineReporter((l) => lines.push(l)),
    });
    await w.step();
    const line = JSON.parse(lines[0]!);
    expect(line.level).toBe('WARN');
    expect(line.errors).toEqual([{ source: 'kafka', error: expect.stringMatching(/unreachable/) }]);
    expect(line.observed.totalLag).toBeNull();
  });
});
