import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAPACITY_SAMPLES, estimate, groupCapacity, learn } from '../../lambda/core/capacity.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { type CapacityMemory, EMPTY_STATE } from '../../lambda/core/types.ts';
import { repeat, run, spread, type World } from '../helpers/scaler.ts';

// The defaults, with a 12-partition topic and 1-minute steps. A world's `produced` is per
// partition per step, so 1,000 → 200/s over 12 partitions.
// The mechanism at the guide's cadence: one-minute steps, a 5-minute down-window, a 1.1 margin.
const rules = (env: Record<string, string> = {}) =>
  parseScalingRules({
    LAGPILOT_STEP_INTERVAL: '1m',
    LAGPILOT_DOWN_WINDOW: '5m',
    LAGPILOT_HEADROOM: '1.1',
    ...env,
  });
const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

/**
 * A saturated spell: the backlog holds at 60,000 while 4 tasks consume what is produced,
 * 1,000 per partition per minute (200/s, 50/s per task on 3 partitions each).
 */
const SATURATED: World = { lag: spread(60_000), produced: 1_000, cpu: 50, memory: 40 };

describe('per-task capacity', () => {
  it('is learned from saturated, settled steps: consume rate × ceil(P/n) / P', () => {
    // Held at 4 tasks by a long up-cooldown's worth of CPU below every trigger.
    const r = run(
      rules({ LAGPILOT_LAG_HIGH: '100000', LAGPILOT_CPU_HIGH: '99' }),
      repeat(4, SATURATED),
    );
    // The first step has no rate yet; each later step is a sample of 200/s × 3/12 = 50/s.
    expect(r.states.map((s) => s.capacity.samples.length)).toEqual([0, 1, 2, 3]);
    expect(last(r.states).capacity.samples.every((s) => Math.abs(s - 50) < 1e-9)).toBe(true);
    expect(r.decisions[2]!.measures.taskCapacity).toBeNull();
    expect(r.decisions[3]!.measures.taskCapacity).toBeCloseTo(50);
  });

  it('is not sampled while the group is not saturated, not settled, or one partition is hot', () => {
    const quiet: World = { lag: spread(120), produced: 1_000 };
    const rebalancing: World = { ...SATURATED, group: { state: 'PreparingRebalance', members: 4 } };
    const hot: World = { lag: [55_000, ...Array(11).fill(100)], produced: 1_000 };
    const short: World = { ...SATURATED, running: 3 };
    for (const w of [quiet, rebalancing, hot, short]) {
      const r = run(rules({ LAGPILOT_LAG_HIGH: '100000' }), repeat(5, w));
      expect(last(r.states).capacity.samples, JSON.stringify(w)).toEqual([]);
    }
  });

  it('is not sampled over the step in which the tasks of a scale-up joined', () => {
    // Raised 2 → 4 a minute ago: two tasks still start while the two running ones form a stable
    // group; they join by the next step, whose interval spans that rebalance.
    const start = 1_000_000_000_000;
    const settledAt2 = run(rules(), [{ ...SATURATED, running: 2 }], { desired: 2, start })
      .states[0]!;
    const r = run(
      rules({ LAGPILOT_LAG_HIGH: '100000', LAGPILOT_CPU_HIGH: '99' }),
      [{ ...SATURATED, running: 2 }, { ...SATURATED, running: 2 }, SATURATED, SATURATED, SATURATED],
      {
        desired: 4,
        start: start + 60_000,
        state: {
          ...settledAt2,
          lastAction: { action: 'up', from: 2, to: 4, at: start + 30_000, settled: false },
        },
      },
    );
    // Not at 2 (its interval holds the join), from 3 on (the group settled at 4 by then).
    expect(r.decisions.map((d) => d.measures.capacitySample)).toEqual([
      null,
      null,
      null,
      expect.closeTo(50),
      expect.closeTo(50),
    ]);
  });

  it('needs a backlog of 5 s of consumption at both ends of the step', () => {
    // 200/s consumed: 1,400 is 7 s of it (saturated), 600 is 3 s (a group that keeps up).
    const at = (backlog: number) =>
      run(
        rules({ LAGPILOT_LAG_HIGH: '100000', LAGPILOT_CPU_HIGH: '99', LAGPILOT_LAG_LOW: '100' }),
        repeat(4, { ...SATURATED, lag: spread(backlog) }),
      ).states.at(-1)!.capacity.samples.length;
    expect(at(1_400)).toBe(3);
    expect(at(600)).toBe(0);
  });

  it('is relearned when the task definition changes', () => {
    // A new task definition every step: each sample starts the evidence over, never enough.
    const r = run(rules(), repeat(5, SATURATED), { learn: false });
    expect(Math.max(...r.states.map((s) => s.capacity.samples.length))).toBe(1);
    expect(r.decisions.every((d) => d.measures.taskCapacity === null)).toBe(true);
  });

  it('the configured LAGPILOT_TASK_CAPACITY stands in until it is learned', () => {
    const r = run(rules({ LAGPILOT_TASK_CAPACITY: '80' }), [SATURATED]);
    expect(r.decisions[0]!.measures.taskCapacity).toBe(80);
  });
});

describe('rate-based sizing', () => {
  it('scales up in one step to the balanced count that carries produce × headroom + backlog within the SLO', () => {
    // 50/s per task (configured), 200/s produced, backlog 60,000 (5 min of production). Of it,
    // the 54,000 older than half the SLO are drained within 1 min = 900/s:
    // (200 × 1.1 + 900) / 50 = 22.4 tasks, capped at 12: no ×3 limit once capacity is known.
    const r = run(rules({ LAGPILOT_TASK_CAPACITY: '50' }), repeat(3, SATURATED), { learn: false });
    const d = r.decisions.find((x) => x.action === 'up')!;
    expect(d).toMatchObject({ from: 4, to: 12 });
    expect(d.cause).toMatchObject({ rule: 'up', step: { kind: 'sized' } });
    expect(explain(d)[0]).toBe(
      'scale 4→12: need 22.4 tasks (produce 200/s × 1.1 + backlog 54k older than 30 s within 1 min at 50/s per task (configured)); balanced 12',
    );
    expect(d.sizing).toMatchObject({ perTask: 50, olderThanS: 30, sloS: 60, balanced: 12 });
    expect(d.sizing!.backlog).toBeCloseTo(54_000, -2);
  });

  it('fires on one reading when the backlog would be past the SLO of work by the next', () => {
    // 4 tasks carry 50 × 12 / 3 = 200/s, all that is produced. A backlog of 60,000 is 5 min of
    // their work: one reading is enough. 5,000 (25 s of work) waits for a second reading. The
    // log-end offsets grow by at least the backlog in the step it appears (committed offsets do
    // not go back), then by 200/s again.
    const calm: World = { lag: spread(120), produced: 1_000, cpu: 40, memory: 30 };
    const go = (backlog: number) => {
      const behind = { ...calm, lag: spread(backlog) };
      return run(
        rules({ LAGPILOT_TASK_CAPACITY: '50' }),
        [calm, { ...behind, produced: Math.max(1_000, backlog / 12) }, behind],
        { learn: false },
      ).decisions.map((d) => d.action);
    };
    expect(go(60_000)).toEqual(['hold', 'up', 'hold']);
    expect(go(5_000)).toEqual(['hold', 'hold', 'up']);
  });

  it('sizes a smaller backlog to a smaller balanced count, and a longer SLO to fewer tasks', () => {
    const w: World = { lag: spread(12_000), produced: 1_000 };
    const at = (slo: string) =>
      run(rules({ LAGPILOT_TASK_CAPACITY: '50', LAGPILOT_LAG_SLO: slo }), repeat(3, w), {
        learn: false,
        desired: 1,
      }).decisions.find((x) => x.action === 'up');
    // (220 + 200) / 50 = 8.4 tasks: 6 carry 50 × 12 / 2 = 300/s, too few; 12.
    expect(at('1m')?.to).toBe(12);
    // (220 + 20) / 50 = 4.8: 6 carry 300/s (4 carry only 200/s).
    expect(at('10m')?.to).toBe(6);
    // 30 min: (220 + 6.7) / 50 = 4.5; the SLO only lowers the count, never below the rate.
    expect(at('30m')!.sizing!.neededTasks).toBeLessThan(at('1m')!.sizing!.neededTasks);
  });

  it('scales down only to the count that carries the peak produce rate of the down-window', () => {
    // 12 tasks at 50/s (configured); 10 calm minutes at 200/s except one minute at 400/s.
    const calm = (produced: number): World => ({ lag: spread(120), produced, cpu: 10, memory: 30 });
    const worlds = [...repeat(3, calm(1_000)), calm(2_000), ...repeat(4, calm(1_000))];
    const r = run(rules({ LAGPILOT_TASK_CAPACITY: '50' }), worlds, { desired: 12, learn: false });
    const d = r.decisions.find((x) => x.action === 'down')!;
    // Peak 400/s × 1.1 = 440/s: 6 tasks carry 50 × 12 / 2 = 300/s, too few; 12 stay.
    expect(d).toBeUndefined();
    const steady = run(rules({ LAGPILOT_TASK_CAPACITY: '50' }), repeat(8, calm(1_000)), {
      desired: 12,
      learn: false,
    });
    const down = steady.decisions.find((x) => x.action === 'down')!;
    // 200/s × 1.1 = 220/s: 6 tasks (300/s) carry it, 4 (200/s) do not.
    expect(down).toMatchObject({ from: 12, to: 6 });
    expect(down.cause).toMatchObject({ rule: 'down', step: { kind: 'sized' } });
    expect(down.sizing).toMatchObject({
      produceRate: 200,
      headroom: 1.1,
      backlog: 120,
      balanced: 6,
    });
    expect(explain(down)[0]).toBe(
      'scale 12→6: need 4.4 tasks (peak produce 200/s × 1.1 + backlog 120 within 1 min at 50/s per task (configured)); balanced 6',
    );
  });

  it('steps down without a planned capacity, never below what the samples so far say', () => {
    // 6 tasks, 200/s calm; two saturated samples said 50/s a task, one short of planning with.
    const calm: World = { lag: spread(120), produced: 1_000, cpu: 10, memory: 30 };
    const sampled = { ...EMPTY_STATE, capacity: { samples: [50, 50], taskDefinition: null } };
    const r = run(rules(), repeat(8, calm), { desired: 6, state: sampled });
    expect(r.decisions.every((d) => d.measures.taskCapacity === null)).toBe(true);
    // 200/s × 1.1 on 50/s tasks: 4.4, balanced 6; the fixed step (6→4) would fall behind.
    expect(r.decisions.filter((d) => d.action === 'down')).toEqual([]);
    expect(last(r.decisions).sizing).toMatchObject({ perTask: 50, balanced: 6 });
    // Without a sample, the fixed step.
    const blind = run(rules(), repeat(8, calm), { desired: 6 });
    expect(blind.decisions.find((d) => d.action === 'down')).toMatchObject({ from: 6, to: 4 });
  });

  // No margin, a configured capacity, and the lag trigger's band wide enough for the rate trigger.
  const noMargin = (perTask: string, env: Record<string, string> = {}) =>
    rules({
      LAGPILOT_TASK_CAPACITY: perTask,
      LAGPILOT_HEADROOM: '1',
      LAGPILOT_LAG_HIGH: '3000',
      LAGPILOT_LAG_LOW: '500',
      ...env,
    });
  // 4 tasks carry 200/s × per-task / 50; 200/s produced; the rate trigger fires.
  const atCapacity = (perTask: string, backlog: number, lagHigh = '3000') =>
    run(
      noMargin(perTask, { LAGPILOT_LAG_HIGH: lagHigh }),
      repeat(4, { lag: spread(backlog), produced: 1_000, cpu: 40, memory: 30 }),
      { learn: false },
    ).decisions;

  it('holds a fleet at its exact capacity while the backlog stays young; adds when it ages or the gap is real', () => {
    // 2 % short (196/s) on a backlog 12 s old: it ages 0.02 s a second, 15.6 s by the time a
    // task asked for a step later consumes (3 min), short of half the SLO — the estimate's wobble.
    const young = atCapacity('49', 2_400);
    expect(young.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'hold']);
    expect(young[2]!.cause).toMatchObject({
      rule: 'hold',
      hold: { kind: 'within-spread', spread: 0.05, olderThanS: 30 },
    });
    expect(young[2]!.cause).toMatchObject({ hold: { shortfall: expect.closeTo(200 / 196 - 1) } });
    expect(explain(young[2]!)[0]).toMatch(
      /4 tasks fall short by 2\.0%, within the capacity estimate's spread \(5%\), and the oldest message is 15\.6 s old by the time tasks added a step later consume, under 30 s$/,
    );
    // The same 2 % on a backlog already 30 s old: the task is added.
    expect(atCapacity('49', 6_000, '10000').map((d) => d.action)).toContain('up');
    // 10 % short (180/s): a real gap, added even though the backlog is young.
    expect(atCapacity('45', 2_400).map((d) => d.action)).toContain('up');
  });

  it('wakes a service scaled to zero on a backlog its first task is sized for', () => {
    // LAGPILOT_MIN_TASKS=0, nothing running, 200/s produced onto a young backlog of 2,400 (under
    // LAG_HIGH): no tasks carry nothing, so the rate trigger's sizing wakes it — for the rate and
    // the backlog that grows until the first tasks start — instead of calling 0 "enough".
    const r = run(
      noMargin('200', { LAGPILOT_MIN_TASKS: '0' }),
      repeat(3, { lag: spread(2_400), produced: 1_000 }),
      { learn: false, desired: 0 },
    );
    const up = r.decisions.find((d) => d.action === 'up');
    expect(up).toMatchObject({ from: 0, cause: { rule: 'up', step: { kind: 'sized' } } });
    expect(up!.to).toBeGreaterThanOrEqual(1);
    expect(groupCapacity(200, 12, 0)).toBe(0);
  });

  it('never holds memory pressure as the spread: more tasks alone relieve it', () => {
    // The young, 2 % case above, with memory over its threshold for the up-window.
    const r = run(
      noMargin('49'),
      repeat(8, { lag: spread(2_400), produced: 1_000, cpu: 40, memory: 95 }),
      { learn: false },
    );
    expect(r.decisions.some((d) => d.action === 'up')).toBe(true);
    expect(r.decisions.map((d) => d.cause)).not.toContainEqual(
      expect.objectContaining({ hold: expect.objectContaining({ kind: 'within-spread' }) }),
    );
  });

  it('never holds a jump within the last interval as the spread: the rate at the step projects a breach', () => {
    // 100/s, then an interval averaging 205/s (4.6 % over 196/s): read as a jump in mid-interval,
    // 310/s now, the oldest message would be 1.3 min old by the time added tasks consume.
    const worlds = [500, 500, 500, 1_025].map((produced) => ({ lag: spread(2_400), produced }));
    const r = run(noMargin('49'), worlds, { learn: false });
    expect(r.decisions.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'up']);
    expect(last(r.decisions).cause).toMatchObject({
      rule: 'up',
      signals: [{ kind: 'rate', overdueMs: expect.any(Number) }],
    });
  });

  it('holds on a steady saturated load once the fleet carries it: no flapping', () => {
    // The fleet carries what is produced and the backlog is gone: nothing to do, forever.
    const r = run(
      rules({ LAGPILOT_TASK_CAPACITY: '100' }),
      repeat(30, { lag: spread(120), produced: 1_000, cpu: 40, memory: 30 }),
      { desired: 3, learn: false },
    );
    expect(r.decisions.filter((d) => d.action !== 'hold')).toEqual([]);
  });
});

describe('capacity estimate', () => {
  const samples = fc.array(fc.double({ min: 1, max: 10_000, noNaN: true }), {
    minLength: 3,
    maxLength: CAPACITY_SAMPLES,
  });

  it('is bounded by its evidence, and its memory by CAPACITY_SAMPLES', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 10_000, noNaN: true }), { maxLength: 60 }),
        (xs) => {
          let kept: CapacityMemory = { samples: [], taskDefinition: null };
          for (const x of xs) kept = learn(kept, x, null);
          expect(kept.samples.length).toBeLessThanOrEqual(CAPACITY_SAMPLES);
          const e = estimate(kept.samples);
          if (e === null) return;
          expect(e).toBeGreaterThanOrEqual(Math.min(...kept.samples));
          expect(e).toBeLessThanOrEqual(Math.max(...kept.samples));
        },
      ),
    );
  });

  it('is monotone in its evidence: a higher sample never lowers it', () => {
    fc.assert(
      fc.property(
        samples,
        fc.nat(),
        fc.double({ min: 0, max: 5_000, noNaN: true }),
        (xs, i, up) => {
          const raised = xs.map((x, j) => (j === i % xs.length ? x + up : x));
          expect(estimate(raised)!).toBeGreaterThanOrEqual(estimate(xs)!);
        },
      ),
    );
  });

  it('a group of n tasks carries per-task × P / ceil(P/n)', () => {
    expect(groupCapacity(100, 12, 5)).toBe(400);
    expect(groupCapacity(100, 12, 6)).toBe(600);
    expect(groupCapacity(100, null, 5)).toBe(500);
  });
});

describe('pre-scaling for recurring bursts', () => {
  const HOUR = 3_600_000;
  const start = Math.ceil(1_000_000_000_000 / HOUR) * HOUR;
  /** A minute's world: 1,000/s, or 5,000/s at minutes 5–8 of the hour in `burstHours`. */
  const minute = (i: number, burstHours: (h: number) => boolean): World => {
    const [h, m] = [Math.floor(i / 60), i % 60];
    const burst = burstHours(h) && m >= 5 && m < 9;
    return { lag: spread(120), produced: burst ? 25_000 : 5_000, cpu: 10, memory: 30 };
  };
  const hours = (n: number, burstHours: (h: number) => boolean = () => true) =>
    Array.from({ length: n * 60 }, (_, i) => minute(i, burstHours));
  const rulesAt = (lead: string) =>
    rules({ LAGPILOT_TASK_CAPACITY: '1000', LAGPILOT_PRESCALE_LEAD: lead });

  it('raises capacity before a burst that came in 3 of the last 4 hours, and releases it after', () => {
    const r = run(rulesAt('3m'), hours(5), { desired: 2, start, learn: false });
    const ups = r.decisions.flatMap((d, i) => (d.action === 'up' ? [i] : []));
    // Hour 3 is the first with three past hours of evidence: up at :02, three minutes ahead.
    expect(ups[0]).toBe(3 * 60 + 2);
    const prescaled = r.decisions[ups[0]!]!;
    expect(prescaled.cause).toEqual({
      rule: 'prescale',
      recurrence: { period: 'hour', minute: 5, of: 3, last: 4 },
    });
    expect(prescaled.sizing).toMatchObject({ produceRate: 5_000, balanced: 6 });
    expect(explain(prescaled)[0]).toBe(
      'scale 2→6: ahead of a burst recurring by :05 (3 of the last 4 hours); need 5.5 tasks (recurring produce 5,000/s × 1.1 at 1,000/s per task (configured)); balanced 6',
    );
    // Released once the burst minutes have passed and the calm held: back to 2 before :59.
    expect(r.desired[3 * 60 + 59]).toBe(2);
    expect(r.desired[4 * 60 + 2]).toBe(6);
  });

  it('does not pre-scale a burst that came in only 2 of the last 4 hours, nor when off', () => {
    const rare = run(
      rulesAt('3m'),
      hours(5, (h) => h % 2 === 0),
      { desired: 2, start, learn: false },
    );
    expect(rare.decisions.filter((d) => d.cause.rule === 'prescale')).toEqual([]);
    const off = run(rulesAt('0s'), hours(5), { desired: 2, start, learn: false });
    expect(off.decisions.filter((d) => d.action === 'up')).toEqual([]);
    expect(off.states.at(-1)!.recurring).toEqual([]);
  });

  it('keeps the profile compact: at most five hours of 60 minutes', () => {
    const r = run(rulesAt('3m'), hours(7), { desired: 2, start, learn: false });
    const kept = r.states.at(-1)!.recurring;
    expect(kept.length).toBeLessThanOrEqual(5);
    expect(kept.every((h) => h.peaks.length === 60)).toBe(true);
  });
});
