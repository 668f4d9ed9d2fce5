import { describe, expect, it } from 'vitest';
import { parseScalingRules, type ScalingRules } from '../../lambda/core/config.ts';
import { balancedCounts } from '../../lambda/core/counts.ts';
import { decide } from '../../lambda/core/decide.ts';
import { explain } from '../../lambda/core/explain.ts';
import { maxSampleGap, recordStep } from '../../lambda/core/history.ts';
import { lagSeconds } from '../../lambda/core/measure.ts';
import { EMPTY_STATE, type Observations } from '../../lambda/core/types.ts';
import {
  MINUTE,
  OPERATORS_GUIDE,
  repeat,
  run as runLearning,
  spread,
  type World,
} from '../helpers/scaler.ts';

/**
 * The guide's rule mechanics, with the per-task capacity never known (these scripted worlds
 * consume a fixed rate whatever the count); the learned sizing is tested in decide-sizing.
 */
const run = (...[r, w, o]: Parameters<typeof runLearning>) =>
  runLearning(r, w, { learn: false, ...o });

// The rule mechanics are pinned on the operators' guide's values; the defaults' own
// behaviour (right-sized scale-down, 1-minute up-window) is tested below.
const rules = (overrides: Record<string, string> = {}): ScalingRules =>
  parseScalingRules({ ...OPERATORS_GUIDE, ...overrides });
const DEFAULTS = rules();
const HIGH: World = { lag: spread(52_310) };
const MID: World = { lag: spread(5_000) };
const CALM: World = { lag: spread(120), cpu: 12, memory: 40 };
const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
/** A threshold signal as judged, with how long it held (the rest of its fields are free). */
const held = (kind: string, value: number, threshold: number, heldMs: number, windowMs: number) =>
  expect.objectContaining({ kind, value, threshold, held: heldMs, windowMs });

describe('balanced counts', () => {
  it.each([
    [12, [1, 2, 3, 4, 6, 12]],
    [10, [1, 2, 3, 4, 5, 10]],
    [1, [1]],
    [7, [1, 2, 3, 4, 7]],
  ])('%i partitions → %j', (p, counts) => {
    expect(balancedCounts(p)).toEqual(counts);
  });
});

describe('scale up', () => {
  it('scales up once lag stays above the threshold for the whole up-window', () => {
    // Lag grows on 16 partitions: the fleet consumes little, so the step is the full ×2.
    const growing = [20_000, 30_000, 40_000, 45_000, 50_000, 52_310].map((l) => ({
      lag: spread(l, 16),
    }));
    // An SLO of 1 h: this backlog is not yet overdue, so the ×2 limit applies (see below).
    const r = run(rules({ LAGPILOT_MAX_TASKS: '20', LAGPILOT_LAG_SLO: '1h' }), [
      { lag: spread(8_000, 16) },
      ...growing,
    ]);
    expect(r.decisions.slice(0, 6).map((d) => d.action)).toEqual(Array(6).fill('hold'));
    expect(r.decisions[5]!.cause).toEqual({
      rule: 'hold',
      hold: {
        kind: 'not-sustained',
        signals: [held('lag', 50_000, 10_000, 4 * MINUTE, 5 * MINUTE)],
      },
    });
    const d = last(r.decisions);
    expect(d).toMatchObject({ action: 'up', from: 4, to: 8, cap: 16, capBy: 'partitions' });
    expect(d.cause).toMatchObject({
      rule: 'up',
      signals: [held('lag', 52_310, 10_000, 5 * MINUTE, 5 * MINUTE)],
      step: { kind: 'drain', factor: 2, limit: 8 },
    });
    // The wording, once: the headline and the step.
    expect(explain(r.decisions[5]!)[0]).toBe('hold at 4: lag 50,000 > 10,000 for 4/5 min');
    expect(explain(d)[0]).toBe('scale 4→8: lag 52,310 > 10,000 for 5/5 min; cap 16 (partitions)');
    expect(explain(d)[1]).toMatch(
      /^rate-based step: \d+ tasks .*limit ×2 \(8\) until the per-task capacity is known$/,
    );
  });

  it('a single dip below the threshold restarts the window', () => {
    const r = run(DEFAULTS, [...repeat(3, HIGH), MID, ...repeat(6, HIGH)]);
    expect(r.decisions.slice(0, 8).every((d) => d.action === 'hold')).toBe(true);
    expect(last(r.decisions).action).toBe('up');
  });

  it('a missing lag sample breaks coverage: one point is never a window', () => {
    const r = run(DEFAULTS, [HIGH, { ...HIGH, lag: 'broker down' }, ...repeat(4, HIGH)]);
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
  });

  it('tolerates a few seconds of invocation jitter', () => {
    const r = run(DEFAULTS, repeat(6, HIGH), { stepMs: MINUTE - 1_000 });
    expect(last(r.decisions).action).toBe('up');
  });

  it.each([
    ['cpu', { cpu: 91 }, held('cpu', 91, 80, 5 * MINUTE, 5 * MINUTE)],
    ['memory', { memory: 85 }, held('memory', 85, 80, 5 * MINUTE, 5 * MINUTE)],
  ])('scales up on %s alone, by the factor to a balanced count', (_, w, signal) => {
    const r = run(DEFAULTS, repeat(6, { ...MID, ...w }));
    // ×2 = 8, but on 12 partitions 8 workers drain no faster than 6.
    expect(last(r.decisions)).toMatchObject({ action: 'up', from: 4, to: 6 });
    expect(last(r.decisions).cause).toMatchObject({ rule: 'up', signals: [signal] });
  });

  it('steps by the rate the lag needs, never more than the factor', () => {
    // 12 partitions × 1,000 msgs/min produced and consumed by 4 tasks (50/s each), lag
    // steady at 52,310: 200/s + 52,310/300 s needs ceil(374/50) = 8 tasks, the ×2 limit.
    const unbalanced = { LAGPILOT_BALANCED_COUNTS: 'false', LAGPILOT_LAG_SLO: '1h' };
    const steady = run(rules(unbalanced), repeat(6, HIGH));
    expect(last(steady.decisions).to).toBe(8);
    expect(last(steady.decisions).cause).toMatchObject({
      step: { kind: 'drain', drain: { tasks: 8, produceRate: 200, perTask: 50 } },
    });
    // A smaller backlog needs fewer: 200/s + 12,000/300 s = 240/s → 5 tasks.
    const small = run(rules(unbalanced), repeat(6, { lag: spread(12_000) }));
    expect(last(small.decisions)).toMatchObject({ action: 'up', from: 4, to: 5 });
    // ×1.5 limits the same need to 6.
    const limited = run(rules({ ...unbalanced, LAGPILOT_UP_FACTOR: '1.5' }), repeat(6, HIGH));
    expect(last(limited.decisions).to).toBe(6);
  });

  it('lifts the factor limit once the backlog is more than the SLO of what the fleet consumes', () => {
    // 52,310 at 200/s is 4.4 min of consumption: past a 1-minute SLO, the fleet is saturated and
    // its consumed rate per task sizes the step in full; within a 10-minute SLO the ×1.5 holds.
    const at = (slo: string) =>
      last(
        run(
          rules({
            LAGPILOT_BALANCED_COUNTS: 'false',
            LAGPILOT_UP_FACTOR: '1.5',
            LAGPILOT_LAG_SLO: slo,
          }),
          repeat(6, HIGH),
        ).decisions,
      );
    expect(at('10m').to).toBe(6);
    const overdue = at('1m');
    expect(overdue).toMatchObject({ action: 'up', from: 4, to: 8 });
    expect(overdue.cause).toMatchObject({
      rule: 'up',
      step: { kind: 'overdue', factor: 1.5, sloMs: MINUTE, drain: { tasks: 8 } },
    });
    expect(explain(overdue)[1]).toMatch(
      /no ×1\.5 limit: the backlog is more than 1 min of the fleet's consumption$/,
    );
  });

  it('picks a partition-balanced count when on, any count when off', () => {
    const worlds = repeat(6, { lag: spread(12_000) });
    expect(last(run(DEFAULTS, worlds).decisions).to).toBe(6); // 5 is not balanced on 12
    expect(last(run(rules({ LAGPILOT_BALANCED_COUNTS: 'false' }), worlds).decisions).to).toBe(5);
  });

  it('caps at the partition count', () => {
    const r = run(DEFAULTS, repeat(6, { lag: spread(52_310, 10) }), { desired: 8 });
    expect(last(r.decisions)).toMatchObject({ action: 'up', from: 8, to: 10, cap: 10 });
  });

  it('caps at max when max is below the partition count', () => {
    const r = run(
      rules({ LAGPILOT_MAX_TASKS: '6', LAGPILOT_BALANCED_COUNTS: 'false' }),
      repeat(6, { lag: spread(52_310, 24) }),
    );
    expect(last(r.decisions)).toMatchObject({ action: 'up', to: 6, cap: 6, capBy: 'max' });
    expect(last(r.decisions).cause).toMatchObject({ rule: 'up', step: { kind: 'overdue' } });
  });

  it('holds at the cap, saying so', () => {
    const r = run(DEFAULTS, repeat(6, HIGH), { desired: 12 });
    expect(last(r.decisions).action).toBe('hold');
    expect(last(r.decisions).cause).toMatchObject({
      rule: 'hold',
      hold: { kind: 'no-useful-count', signals: [expect.objectContaining({ kind: 'lag' })] },
    });
  });

  it('holds when max is not balanced and the next balanced count is above it', () => {
    const r = run(rules({ LAGPILOT_MAX_TASKS: '10' }), repeat(6, HIGH), { desired: 6 });
    expect(last(r.decisions).action).toBe('hold');
  });
});

describe('scale down', () => {
  it('scales down only after everything is calm for the whole down-window', () => {
    const r = run(DEFAULTS, repeat(17, CALM), { desired: 6 });
    const firstDown = r.decisions.findIndex((d) => d.action === 'down');
    expect(firstDown).toBe(15);
    // −1 from 6 is 5, which drains no faster than 4 on 12 partitions.
    expect(r.decisions[15]).toMatchObject({ from: 6, to: 4 });
    const calm = (kind: string, value: number, threshold: number) =>
      expect.objectContaining({ kind, value, threshold, side: 'below', windowMs: 15 * MINUTE });
    expect(r.decisions[15]!.cause).toEqual({
      rule: 'down',
      min: 1,
      step: { kind: 'fixed', step: 'one', capacityUnknown: false },
      calm: {
        // 200/s produced: a tenth of the 1-minute SLO's worth (1,200) is above LAGPILOT_LAG_LOW.
        signals: [calm('lag', 120, 1_200), calm('cpu', 12, 30), calm('memory', 40, 50)],
        forMs: 15 * MINUTE,
        windowMs: 15 * MINUTE,
      },
    });
    expect(explain(r.decisions[15]!)).toEqual([
      'scale 6→4: lag 120 < 1,200, cpu 12% < 30%, memory 40% < 50% for 15/15 min; min 1',
      'step down by one',
    ]);
  });

  it.each([
    [{}, 5],
    [{ LAGPILOT_DOWN_STEP: 'half' }, 3],
  ])('step %j without balancing: 6 → %i', (env, to) => {
    const r = run(rules({ LAGPILOT_BALANCED_COUNTS: 'false', ...env }), repeat(16, CALM), {
      desired: 6,
    });
    expect(last(r.decisions)).toMatchObject({ action: 'down', to });
  });

  it.each([
    ['lag above low', { lag: spread(2_000) }],
    ['cpu above low', { cpu: 35 }],
    ['memory above low', { memory: 55 }],
  ])('does not scale down with %s', (_, w) => {
    const r = run(DEFAULTS, repeat(20, { ...CALM, ...w }), { desired: 6 });
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
  });

  it.each([
    ['lag fails', { lag: 'broker unreachable' }],
    ['CPU/memory fail', { cpu: 'GetMetricData throttled' }],
    ['CPU has no datapoints', { cpu: null }],
  ])('never scales down when %s', (_, w) => {
    const r = run(DEFAULTS, [...repeat(15, CALM), ...repeat(5, { ...CALM, ...w })], { desired: 6 });
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
  });

  it('never bridges unobserved time: calm readings 15 minutes apart are not 15 calm minutes', () => {
    const sparse = run(DEFAULTS, repeat(3, CALM), { desired: 6, stepMs: 15 * MINUTE });
    expect(sparse.decisions.every((d) => d.action === 'hold')).toBe(true);
    // One missed invocation (2 minutes between readings) is still a sustained calm.
    const gappy = run(DEFAULTS, repeat(9, CALM), { desired: 6, stepMs: 2 * MINUTE });
    expect(gappy.decisions.some((d) => d.action === 'down')).toBe(true);
  });

  it('counts the calm from the last action, not before it', () => {
    const r = run(rules({ LAGPILOT_BALANCED_COUNTS: 'false' }), repeat(32, CALM), { desired: 6 });
    const downs = r.decisions.flatMap((d, i) => (d.action === 'down' ? [i] : []));
    expect(downs).toEqual([15, 30]);
  });

  it('holds at the minimum', () => {
    const r = run(rules({ LAGPILOT_MIN_TASKS: '2' }), repeat(17, CALM), { desired: 2 });
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
    expect(last(r.decisions).cause).toMatchObject({
      rule: 'hold',
      hold: { kind: 'at-minimum', min: 2 },
    });
  });
});

describe('bounds', () => {
  it('corrects a count below min at once, without signals', () => {
    const r = run(rules({ LAGPILOT_MIN_TASKS: '3' }), [MID], { desired: 1 });
    expect(r.decisions[0]).toMatchObject({ action: 'up', from: 1, to: 3 });
    expect(r.decisions[0]!.cause).toEqual({ rule: 'bounds', bound: 'min', min: 3 });
    expect(explain(r.decisions[0]!)[0]).toBe('scale 1→3: below the minimum 3');
  });

  it('corrects a count above the partition cap at once', () => {
    const r = run(DEFAULTS, [{ lag: spread(5_000, 6) }], { desired: 9 });
    expect(r.decisions[0]).toMatchObject({ action: 'down', from: 9, to: 6 });
    expect(r.decisions[0]!.cause).toEqual({ rule: 'bounds', bound: 'cap' });
    expect(explain(r.decisions[0]!)[0]).toBe('scale 9→6: above the cap 6 (partitions)');
  });

  it('without a lag reading only max corrects down (the partition count may be stale)', () => {
    const r = run(DEFAULTS, [
      { lag: spread(5_000, 6) },
      { lag: 'timeout', desired: 9 },
      { lag: 'timeout', desired: 14 },
    ]);
    expect(r.decisions[1]!.action).toBe('hold');
    expect(r.decisions[2]).toMatchObject({
      action: 'down',
      from: 14,
      to: 12,
      cap: 12,
      capBy: 'max',
    });
    expect(r.decisions[2]!.cause).toEqual({ rule: 'bounds', bound: 'cap' });
  });

  it('min wins over a partition count below it', () => {
    const r = run(rules({ LAGPILOT_MIN_TASKS: '4' }), repeat(6, { lag: spread(52_310, 2) }), {
      desired: 4,
    });
    expect(last(r.decisions)).toMatchObject({ action: 'hold', cap: 4, capBy: 'min' });
  });
});

describe('holds', () => {
  it.each<[string, World, Record<string, unknown>]>([
    ['a deployment rolls', { ...HIGH, deploying: true }, { kind: 'rolling' }],
    [
      'tasks fail to start',
      { ...HIGH, running: 2 },
      { kind: 'not-running', running: 2, desired: 4, pending: 0 },
    ],
    [
      'the group rebalances',
      { ...HIGH, group: { state: 'PreparingRebalance', members: 4 } },
      { kind: 'rebalancing', state: 'PreparingRebalance' },
    ],
  ])('holds while %s', (_, w, wait) => {
    const r = run(DEFAULTS, repeat(8, w));
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
    expect(last(r.decisions).cause).toEqual({
      rule: 'hold',
      hold: { kind: 'waiting', waits: [wait] },
    });
  });

  it('holds through the up-cooldown, then judges again', () => {
    const unbalanced = rules({ LAGPILOT_BALANCED_COUNTS: 'false', LAGPILOT_LAG_SLO: '1h' });
    const r = run(unbalanced, repeat(10, { lag: spread(200_000) }), { desired: 1 });
    const ups = r.decisions.flatMap((d, i) => (d.action === 'up' ? [i] : []));
    expect(ups).toEqual([5, 8]);
    expect(r.decisions[6]!.cause).toEqual({
      rule: 'hold',
      hold: {
        kind: 'waiting',
        waits: [
          {
            kind: 'cooldown',
            action: 'up',
            from: 1,
            to: 2,
            sinceMs: MINUTE,
            cooldownMs: 3 * MINUTE,
          },
        ],
      },
    });
    expect(explain(r.decisions[6]!)[0]).toBe(
      'hold at 2: cooldown after scale up 1→2 1 min ago (3 min)',
    );
    // Invocations a second early each still end the cooldown on the third step after.
    const early = run(unbalanced, repeat(10, { lag: spread(200_000) }), {
      desired: 1,
      stepMs: MINUTE - 1_000,
    });
    expect(early.decisions.flatMap((d, i) => (d.action === 'up' ? [i] : []))).toEqual([5, 8]);
  });

  it('holds after an action until the group has a member per running task', () => {
    const r = run(DEFAULTS, [
      ...repeat(6, HIGH),
      ...repeat(4, { ...HIGH, group: { state: 'Stable', members: 4 } }),
      HIGH,
    ]);
    expect(r.decisions[5]!.action).toBe('up');
    expect(r.decisions[9]!.cause).toMatchObject({
      rule: 'hold',
      hold: {
        kind: 'waiting',
        waits: [
          {
            kind: 'not-settled',
            action: 'up',
            from: 4,
            to: 6,
            members: 4,
            state: 'Stable',
            running: 6,
          },
        ],
      },
    });
    expect(r.decisions[10]!.action).toBe('up');
  });

  it('holds, from the last known count, when the service cannot be read', () => {
    const r = run(DEFAULTS, repeat(7, { ...HIGH, serviceError: 'AccessDenied' }));
    expect(last(r.decisions)).toMatchObject({ action: 'hold', from: 1, to: 1 });
    expect(last(r.decisions).cause).toEqual({
      rule: 'hold',
      hold: { kind: 'service-unobserved', error: 'AccessDenied' },
    });
    expect(explain(last(r.decisions))[0]).toBe('hold: service not observed (AccessDenied)');
  });

  it('scales up on CPU when lag is unobservable, and says so', () => {
    const r = run(DEFAULTS, repeat(6, { lag: 'group not found', cpu: 95 }));
    expect(last(r.decisions)).toMatchObject({ action: 'up', to: 8 });
    expect(last(r.decisions).unobserved).toEqual([{ what: 'lag', error: 'group not found' }]);
    expect(last(r.decisions).cause).toMatchObject({
      rule: 'up',
      signals: [expect.objectContaining({ kind: 'cpu', value: 95 })],
    });
    expect(explain(last(r.decisions))).toContain(
      'lag not observed (group not found): no scale-down; scale-up on CPU/memory only',
    );
  });
});

describe('diagnoses', () => {
  it('a partition whose commits froze with lag stops counting toward scale-up', () => {
    // Partition 0 holds 40,000 of the lag, frozen; the rest is small: no scale-up.
    const lag = [40_000, ...spread(2_000, 11)];
    const r = run(DEFAULTS, repeat(8, { lag, frozen: [0] }));
    expect(r.decisions.every((d) => d.action === 'hold')).toBe(true);
    const d = last(r.decisions);
    expect(d.diagnoses).toContainEqual(
      expect.objectContaining({ kind: 'stalled', topic: 't', partition: 0, steps: 7 }),
    );
    expect(d.measures.scalingLag).toBe(d.measures.totalLag! - d.measures.maxPartitionLag!);
    expect(explain(d).some((x) => x.startsWith('partition t/0 stalled'))).toBe(true);
  });

  it('a frozen partition is not stalled while the group has no members', () => {
    const r = run(
      DEFAULTS,
      repeat(8, { lag: spread(52_310), frozen: [0], group: { state: 'Empty', members: 0 } }),
      { desired: 0 },
    );
    expect(last(r.decisions).diagnoses).toEqual([]);
  });

  it('reports a hot partition that already has its own worker', () => {
    const lag = [50_000, 100, 100];
    const r = run(DEFAULTS, repeat(6, { lag }), { desired: 3 });
    expect(last(r.decisions).diagnoses).toContainEqual(
      expect.objectContaining({ kind: 'hot', partition: 0, ownWorker: true }),
    );
    expect(explain(last(r.decisions)).join('\n')).toMatch(/more workers cannot drain it/);
  });
});

describe('measures', () => {
  it('estimates lag seconds by interpolating the log end over time', () => {
    // The log end advances 100/s; the group sits 3,000 behind → 30 s.
    const samples = [0, 1, 2, 3].map((i) => ({
      at: i * MINUTE,
      totalLag: 0,
      scalingLag: 0,
      endSum: i * 6_000,
    }));
    expect(lagSeconds(samples, 4 * MINUTE, 24_000, 3_000)).toBeCloseTo(30);
    // Older than the history: extrapolated at the average rate.
    expect(lagSeconds(samples, 4 * MINUTE, 24_000, 30_000)).toBeCloseTo(300);
    expect(lagSeconds([], 0, 100, 50)).toBeNull();
    expect(lagSeconds(samples, 4 * MINUTE, 24_000, 0)).toBe(0);
  });

  it('reports produce and consume rates between steps', () => {
    const r = run(DEFAULTS, repeat(2, { lag: spread(1_200), produced: 600 }));
    expect(last(r.decisions).measures).toMatchObject({
      produceRate: 120,
      consumeRate: 120,
      partitions: 12,
    });
  });
});

describe('recordStep', () => {
  it('keeps only what the windows need and records the action', () => {
    const r = run(DEFAULTS, repeat(40, CALM), { desired: 2 });
    const state = last(r.states);
    expect(state.samples.length).toBeLessThanOrEqual(31);
    expect(state.samples[0]!.at).toBeGreaterThanOrEqual(
      1_000_000_000_000 + 39 * MINUTE - 30 * MINUTE,
    );
    expect(state.lastAction).toMatchObject({ action: 'down', from: 2, to: 1 });
  });

  it('is what decide reads next: a decision from an empty state holds', () => {
    const obs: Observations = {
      lag: { ok: false, error: 'x' },
      resources: { ok: true, value: [] },
      service: { ok: true, value: { desired: 2, running: 2, pending: 0, deploying: false } },
      state: EMPTY_STATE,
    };
    const d = decide(DEFAULTS, obs, 0);
    expect(d.action).toBe('hold');
    const state = recordStep(DEFAULTS, obs, d, 0);
    expect(state.samples).toEqual([{ at: 0, totalLag: null, scalingLag: null, endSum: null }]);
  });
});

describe('rate-based scale-up whenever lag fired', () => {
  // Lag falls 15,000 a minute: the fleet consumes 450/s (112.5/s per task) against 200/s produced.
  const draining = [90_000, 75_000, 60_000, 45_000, 30_000, 15_000].map((l) => ({
    lag: spread(l),
  }));

  it('sizes the step by the rate when CPU fired with lag (not the bare factor)', () => {
    // 200/s + 12,000/300 s = 240/s at 50/s per task → 5, where ×2 would give 8.
    const r = run(
      rules({ LAGPILOT_BALANCED_COUNTS: 'false' }),
      repeat(6, { lag: spread(12_000), cpu: 91 }),
    );
    expect(last(r.decisions)).toMatchObject({ action: 'up', from: 4, to: 5 });
    expect(last(r.decisions).cause).toMatchObject({
      rule: 'up',
      signals: [
        held('lag', 12_000, 10_000, 5 * MINUTE, 5 * MINUTE),
        held('cpu', 91, 80, 5 * MINUTE, 5 * MINUTE),
      ],
      step: { kind: 'overdue', drain: { tasks: 5 } },
    });
  });

  it.each([
    ['lag alone', {}],
    ['lag with CPU (saturated workers draining run hot)', { cpu: 91 }],
  ])('holds when the current count drains the lag within the window: %s', (_, extra) => {
    const r = run(
      DEFAULTS,
      draining.map((w) => ({ ...w, ...extra })),
    );
    const d = last(r.decisions);
    expect(d.action).toBe('hold');
    expect(d.cause).toMatchObject({
      rule: 'hold',
      hold: {
        kind: 'drains',
        signals: expect.arrayContaining([held('lag', 15_000, 10_000, 5 * MINUTE, 5 * MINUTE)]),
        drain: { tasks: 4, produceRate: 200, perTask: 112.5, withinMs: 5 * MINUTE },
      },
    });
  });

  it('still scales up when memory fired too: draining faster does not relieve memory', () => {
    const r = run(
      DEFAULTS,
      draining.map((w) => ({ ...w, memory: 85 })),
    );
    expect(last(r.decisions)).toMatchObject({ action: 'up', from: 4, to: 6 });
  });
});

describe('the default rules', () => {
  const defaults = parseScalingRules({});

  it('scale up once the lag held for the 1-minute window: five 15-second readings, never four', () => {
    const every15s = { stepMs: 15_000 };
    const r = run(defaults, repeat(5, HIGH), every15s);
    expect(r.decisions.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'hold', 'up']);
    expect(r.decisions[4]!.cause).toMatchObject({
      rule: 'up',
      signals: [held('lag', 52_310, 10_000, MINUTE, MINUTE)],
    });
    expect(
      run(defaults, repeat(4, HIGH), every15s).decisions.every((d) => d.action === 'hold'),
    ).toBe(true);
  });

  it('right-size the scale-down after two calm minutes', () => {
    const r = run(defaults, repeat(12, { lag: spread(120), cpu: 40, memory: 40 }), {
      desired: 12,
      stepMs: 15_000,
    });
    const firstDown = r.decisions.findIndex((d) => d.action === 'down');
    expect(firstDown * 15_000).toBe(2 * MINUTE);
    expect(r.decisions[firstDown]).toMatchObject({ from: 12, to: 6 });
  });
});

describe('sub-minute cadence (LAGPILOT_STEP_INTERVAL)', () => {
  const at = (step: string) => parseScalingRules({ LAGPILOT_STEP_INTERVAL: step });
  const SECOND = 1_000;
  const actions = (r: ReturnType<typeof run>) => r.decisions.map((d) => d.action);

  it('a window of one or two steps is judged on consecutive readings at the cadence', () => {
    expect(maxSampleGap(MINUTE, MINUTE)).toBe(66 * SECOND); // 1m steps: as before
    expect(maxSampleGap(MINUTE, 30 * SECOND)).toBe(36 * SECOND);
    // Longer windows keep the half-window rule: one missed step of four is tolerated.
    expect(maxSampleGap(MINUTE, 15 * SECOND)).toBe(30 * SECOND);
    expect(maxSampleGap(5 * MINUTE, 15 * SECOND)).toBe(150 * SECOND);
    expect(maxSampleGap(5 * MINUTE, MINUTE)).toBe(150 * SECOND);
  });

  it('every 30 s: scales up once lag held for the 1-minute window (three readings), not on a missed step', () => {
    const rules = at('30s');
    const r = run(rules, repeat(3, HIGH), { stepMs: 30 * SECOND });
    expect(actions(r)).toEqual(['hold', 'hold', 'up']);
    expect(r.decisions[2]!.cause).toMatchObject({
      rule: 'up',
      signals: [expect.objectContaining({ kind: 'lag', held: MINUTE, windowMs: MINUTE })],
    });
    // A jittered reading (33 s later) still counts; a missed step (60 s between readings) does not.
    expect(last(run(rules, repeat(3, HIGH), { stepMs: 33 * SECOND }).decisions).action).toBe('up');
    expect(actions(run(rules, repeat(4, HIGH), { stepMs: MINUTE }))).toEqual(Array(4).fill('hold'));
  });

  it('every 15 s: the 1-minute window takes five readings; one missed step is tolerated, two are not', () => {
    const rules = at('15s');
    expect(actions(run(rules, repeat(5, HIGH), { stepMs: 15 * SECOND }))).toEqual([
      ...Array(4).fill('hold'),
      'up',
    ]);
    expect(last(run(rules, repeat(3, HIGH), { stepMs: 30 * SECOND }).decisions).action).toBe('up');
    expect(actions(run(rules, repeat(4, HIGH), { stepMs: 45 * SECOND }))).toEqual(
      Array(4).fill('hold'),
    );
  });

  it('every 15 s: a shorter up-window reacts within the cadence, still on two readings at least', () => {
    const rules = parseScalingRules({ LAGPILOT_STEP_INTERVAL: '15s', LAGPILOT_UP_WINDOW: '15s' });
    expect(actions(run(rules, repeat(2, HIGH), { stepMs: 15 * SECOND }))).toEqual(['hold', 'up']);
  });

  it("CPU/memory stay judged on CloudWatch's 1-minute datapoints, whatever the cadence", () => {
    // Two 1-minute CPU datapoints above 95 % with lag read every 15 s: the CPU series is
    // not "broken" by its own 1-minute spacing (a 15 s cadence bridges at most 30 s of lag).
    const rules = at('15s');
    const start = 1_000_000_000_000;
    const resources = [0, 1].map((i) => ({ at: start + i * MINUTE, cpu: 97, memory: 40 }));
    const now = start + MINUTE;
    const obs: Observations = {
      lag: {
        ok: true,
        value: {
          topics: ['t'],
          partitions: spread(5_000).map((lag, partition) => ({
            topic: 't',
            partition,
            committed: 1_000,
            end: 1_000 + lag,
            start: 0,
            lag,
          })),
          partitionCount: 12,
          group: { state: 'Stable', members: 4 },
        },
      },
      resources: { ok: true, value: resources },
      service: { ok: true, value: { desired: 4, running: 4, pending: 0, deploying: false } },
      state: EMPTY_STATE,
    };
    const d = decide(rules, obs, now);
    expect(d).toMatchObject({ action: 'up', from: 4 });
    expect(d.cause).toMatchObject({
      rule: 'up',
      signals: [held('cpu', 97, 95, MINUTE, MINUTE)],
    });
  });
});

describe('calm at high throughput', () => {
  it('counts the lag in flight at the produce rate as calm: a tenth of the SLO of production', () => {
    // 12 tasks, 9,000/s produced: 4,500 behind is half a second of it, above LAGPILOT_LAG_LOW
    // (4,000) but far below 6 s (54,000) of production.
    const busy: World = { lag: spread(4_500), produced: (9_000 * 15) / 12, cpu: 30, memory: 30 };
    const r = run(parseScalingRules({ LAGPILOT_TASK_CAPACITY: '3000' }), repeat(12, busy), {
      desired: 12,
      stepMs: 15_000,
    });
    const down = r.decisions.find((d) => d.action === 'down');
    // 9,000/s plus the 4,500 within the SLO: more than 3 tasks of 3,000/s carry.
    expect(down).toMatchObject({ from: 12, to: 4 });
    expect(down!.cause).toMatchObject({
      rule: 'down',
      calm: {
        signals: expect.arrayContaining([
          expect.objectContaining({ kind: 'lag', value: 4_500, threshold: 54_000 }),
        ]),
      },
    });
    // The same lag at 300/s is 15 s of production: not calm.
    const slow = { ...busy, produced: (300 * 15) / 12 };
    const held = run(parseScalingRules({ LAGPILOT_TASK_CAPACITY: '3000' }), repeat(12, slow), {
      desired: 12,
      stepMs: 15_000,
    });
    expect(held.decisions.every((d) => d.action === 'hold')).toBe(true);
  });
});
