import { describe, expect, it } from 'vitest';
import { keepStepping } from '../../lambda/core/cadence.ts';
import type { RateSignal } from '../../lambda/core/cause.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { projectedAgeS, rateNow, reactionOf, recordStart } from '../../lambda/core/reaction.ts';
import { overrule } from '../../lambda/core/step.ts';
import type { Decision, LastAction } from '../../lambda/core/types.ts';
import { repeat, run, spread, type World } from '../helpers/scaler.ts';

const SECOND = 1_000;
const STEP = 15 * SECOND;
/** 100 msg/s per task, configured: 4 tasks on 12 partitions carry 400/s. */
const rules = (env: Record<string, string> = {}) =>
  parseScalingRules({ LAGPILOT_TASK_CAPACITY: '100', ...env });
/** A 15-second step producing `rate` msg/s over 12 partitions, with `lag` behind. */
const at = (rate: number, lag: number): World => ({
  lag: spread(lag),
  produced: (rate * STEP) / SECOND / 12,
  cpu: 50,
  memory: 40,
});
const rateSignal = (d: Decision): RateSignal | undefined => {
  const c = d.cause;
  const signals =
    c.rule === 'up' ? c.signals : c.rule === 'hold' && 'signals' in c.hold ? c.hold.signals : [];
  return signals.find((s): s is RateSignal => s.kind === 'rate');
};

describe('the reaction horizon', () => {
  const up = (at: number, to = 8): LastAction => ({
    action: 'up',
    from: 4,
    to,
    at,
    settled: false,
  });

  it('measures a start from the raised count to every task running in a settled group, once', () => {
    const pending = up(0);
    // Tasks still starting, or running but the group not settled: nothing measured yet.
    expect(recordStart([], pending, 4, true, 30 * SECOND)).toEqual({ starts: [], measured: false });
    expect(recordStart([], pending, 8, false, 60 * SECOND)).toEqual({
      starts: [],
      measured: false,
    });
    expect(recordStart([], pending, 8, true, 75 * SECOND)).toEqual({
      starts: [75 * SECOND],
      measured: true,
    });
    // A measured action is not measured again; a scale-down measures nothing.
    const measured = { ...pending, startMeasured: true };
    expect(recordStart([75_000], measured, 8, true, 90 * SECOND).starts).toEqual([75_000]);
    const down: LastAction = { ...pending, action: 'down', to: 2 };
    expect(recordStart([], down, 2, true, 90 * SECOND).measured).toBe(false);
  });

  it('plans with the median of the last five starts, the configured one until then', () => {
    const r = rules({ LAGPILOT_TASK_START: '2m' });
    expect(reactionOf(r, [])).toEqual({
      detectMs: STEP,
      startMs: 120 * SECOND,
      startSource: 'configured',
      horizonMs: 135 * SECOND,
    });
    const starts = [60, 75, 300, 70, 65].map((s) => s * SECOND);
    expect(reactionOf(r, starts)).toMatchObject({ startMs: 70 * SECOND, startSource: 'measured' });
    const kept = starts.reduce<number[]>(
      (s, ms, i) => recordStart(s, up(i), 8, true, ms + i).starts,
      [1, 2, 3].map((s) => s * SECOND),
    );
    expect(kept).toHaveLength(5);
  });

  it('projects the age by 1 − carried / produce per second while the rate outruns the fleet', () => {
    expect(projectedAgeS(10, 2_000, 400, 90 * SECOND)).toBeCloseTo(10 + 0.8 * 90);
    expect(projectedAgeS(10, 300, 400, 90 * SECOND)).toBe(10);
    expect(projectedAgeS(0, 0, 400, 90 * SECOND)).toBe(0);
  });
});

describe('the projected-breach trigger', () => {
  it('acts on the first reading of a jump the fleet cannot absorb through a task start', () => {
    // 400/s → 2,000/s: 24,000 behind after one step; by the time tasks added a step later
    // consume, the oldest message would be over a minute old.
    const r = run(rules(), [at(400, 0), at(2_000, 24_000)], { stepMs: STEP });
    const jump = r.decisions[1]!;
    expect(jump.action).toBe('up');
    const signal = rateSignal(jump)!;
    expect(signal.overdueMs).toBeGreaterThan(60 * SECOND);
    // Sized for the backlog the new tasks will find, one horizon later: the cap.
    expect(jump.to).toBe(12);
    expect(explain(jump)).toContainEqual(
      'reaction horizon 1.3 min: step 15 s + task start 1 min (configured)',
    );
  });

  it('reads a jump inside the last interval at its height, on the first reading that sees it', () => {
    // 400/s, then 800/s on average over the last 15 s: read as 1,200/s from halfway through,
    // where the average alone would have waited for a second reading.
    const r = run(rules(), [at(400, 0), at(400, 0), at(800, 6_000)], { stepMs: STEP });
    const jump = r.decisions[2]!;
    expect(jump.action).toBe('up');
    expect(rateSignal(jump)!.overdueMs).toBeGreaterThan(60 * SECOND);
    const unaided = projectedAgeS(jump.measures.lagSeconds!, 800, 400, 90 * SECOND);
    expect(unaided).toBeLessThan(60);
    // Sized for the jump's height in this one action, not for the interval's average.
    expect(jump.sizing!.produceRate).toBeCloseTo(1_200);
    expect(explain(jump)[0]).toMatch(/produce now 1,200\/s/);
  });

  it('takes the rate now as a jump in mid-interval, never below the last interval', () => {
    const sample = (at: number, endSum: number | null) => ({
      at: at * SECOND,
      totalLag: 0,
      scalingLag: 0,
      endSum,
    });
    const rate = (...ends: (number | null)[]) => rateNow(ends.map((e, i) => sample(i * 15, e)));
    expect(rate(0, 6_000, 12_000)).toBe(400);
    expect(rate(0, 6_000, 18_000)).toBe(1_200);
    expect(rate(0, 0, 6_000)).toBe(800);
    expect(rate(0, 12_000, 18_000)).toBe(400);
    // An unobserved step is skipped; fewer than three observed, no reading.
    expect(rate(0, null, 6_000, 18_000)).toBe(1_400); // 200/s over 30 s, then 800/s
    expect(rate(0, null, 6_000)).toBeNull();
  });

  it('reads twice a backlog that appeared with committed offsets going back', () => {
    // 400/s steady, then the committed offsets read 60,000 behind where they were (a stale read
    // during a hand-over): no consume rate, so the next reading must confirm it.
    const stale = [...repeat(3, at(400, 0)), at(400, 60_000)];
    const once = run(rules(), [...stale, at(400, 0)], { stepMs: STEP });
    expect(once.decisions.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'hold', 'hold']);
    expect(once.decisions[3]!.measures.consumeRate).toBeNull();
    const confirmed = run(rules(), [...stale, at(400, 60_000)], { stepMs: STEP });
    const up = confirmed.decisions[4]!;
    expect(up.action).toBe('up');
    expect(rateSignal(up)!.overdueMs).toBeGreaterThan(60 * SECOND);
  });

  it('waits for a second reading when the projection stays within the SLO', () => {
    // 400/s → 700/s: 4,500 behind; the age would stay under a minute through the horizon.
    const r = run(rules(), [at(400, 0), at(700, 4_500), at(700, 9_000)], { stepMs: STEP });
    expect(r.decisions.map((d) => d.action)).toEqual(['hold', 'hold', 'up']);
    expect(rateSignal(r.decisions[2]!)?.overdueMs).toBeNull();
  });

  it('is the one judgment a cooldown does not hold', () => {
    const calmThenJump = [...repeat(10, at(400, 0)), at(2_000, 24_000)];
    const cooling = { LAGPILOT_DOWN_COOLDOWN: '10m' };
    // Scaled down 8 → 4 just before the jump: a 10-minute cooldown runs.
    const start = 1_000_000_000_000;
    const r = run(rules(cooling), calmThenJump, {
      stepMs: STEP,
      desired: 4,
      start,
      state: {
        ...run(rules(), [at(400, 0)], { start: start - STEP }).states[0]!,
        lastAction: { action: 'down', from: 8, to: 4, at: start - 60 * SECOND, settled: true },
      },
    });
    for (const held of r.decisions.slice(0, 10)) {
      expect(held.cause).toMatchObject({ rule: 'hold', hold: { kind: 'waiting' } });
    }
    expect(r.decisions[10]).toMatchObject({ action: 'up', to: 12 });
  });

  it('after a scale-down, yields to a shortfall on consecutive readings; after a scale-up, does not', () => {
    // 400/s carried by 4, the rate creeps to 450/s: no projected breach, but a step down undershot.
    const creeping = [at(450, 5_000), at(450, 5_750), at(450, 6_500)];
    const start = 1_000_000_000_000;
    const cooling = (action: 'up' | 'down') =>
      run(rules({ LAGPILOT_DOWN_COOLDOWN: '10m', LAGPILOT_UP_COOLDOWN: '10m' }), creeping, {
        stepMs: STEP,
        desired: 4,
        start,
        state: {
          // Its log-end offsets continue into this run's: 450/s over the step before, too.
          ...run(rules(), [{ ...at(400, 0), produced: 0 }], { start: start - STEP }).states[0]!,
          lastAction: {
            action,
            from: action === 'down' ? 8 : 2,
            to: 4,
            at: start - 60 * SECOND,
            settled: true,
          },
        },
      });
    // One reading is no evidence; the second is, within the cooldown after the step down.
    const down = cooling('down').decisions;
    expect(down[0]!.cause).toMatchObject({ rule: 'hold', hold: { kind: 'waiting' } });
    expect(down[1]).toMatchObject({ action: 'up', from: 4 });
    expect(rateSignal(down[1]!)?.overdueMs).toBeNull();
    for (const held of cooling('up').decisions) {
      expect(held.cause).toMatchObject({ rule: 'hold', hold: { kind: 'waiting' } });
    }
  });
});

describe('while added tasks start', () => {
  // 1 task of 1,000/s; the rate jumps to 11,000/s during a step: the first reading sees 3,500/s.
  const fast = () => rules({ LAGPILOT_TASK_CAPACITY: '1000' });
  const jump = [at(1_000, 0), at(3_500, 37_500), { ...at(11_000, 187_500), running: 1 }];

  it('raises again on a breach projected even once they consume', () => {
    const r = run(fast(), jump, { stepMs: STEP, desired: 1 });
    expect(r.decisions[1]).toMatchObject({ action: 'up', from: 1, to: 6 });
    // The 5 tasks of the first step still start: the full rate is read, the breach projected
    // with them counted, and the count raised at once rather than a start later.
    expect(r.decisions[2]).toMatchObject({ action: 'up', from: 6, to: 12 });
    expect(rateSignal(r.decisions[2]!)?.overdueMs).toBeGreaterThan(60 * SECOND);
  });

  it('holds when the tasks asked for are not running a reaction horizon later (stuck)', () => {
    const late = { ...at(3_500, 37_500), running: 1 };
    const stuck = [...jump.slice(0, 2), ...repeat(6, late), { ...at(11_000, 187_500), running: 1 }];
    const r = run(fast(), stuck, { stepMs: STEP, desired: 1 });
    // Seven steps (1 min 45 s) after the action, past its 1 min 15 s horizon: no more raises.
    expect(r.decisions.at(-1)!.cause).toMatchObject({
      rule: 'hold',
      hold: { kind: 'waiting', waits: [{ kind: 'not-running' }] },
    });
  });
});

describe('steps within an invocation (LAGPILOT_STEP_WHEN)', () => {
  const decided = (world: World, env: Record<string, string>): Decision =>
    run(rules(env), [at(100, 0), world], { stepMs: STEP }).decisions[1]!;
  const moving = { LAGPILOT_STEP_WHEN: 'moving' };

  it('always steps on with `always`, the default', () => {
    expect(keepStepping(rules(), decided(at(40, 0), {}))).toBe(true);
  });

  it('with `moving`, ends the invocation on a quiet fleet and steps on while something moves', () => {
    // 40/s on 4 tasks carrying 400/s, nothing behind: quiet.
    expect(keepStepping(rules(moving), decided(at(40, 0), moving))).toBe(false);
    // Half of what the fleet carries: a 2× jump would outrun it.
    expect(keepStepping(rules(moving), decided(at(250, 0), moving))).toBe(true);
    // A backlog older than a tenth of the SLO.
    expect(keepStepping(rules(moving), decided(at(100, 1_500), moving))).toBe(true);
  });

  it('ends a step that lost the state race, with either setting: the step beside it goes on', () => {
    const busy = decided(at(250, 1_500), {});
    const lost = overrule(busy, { kind: 'state-conflict', error: 'version moved' });
    expect(keepStepping(rules(), busy)).toBe(true);
    expect(keepStepping(rules(), lost)).toBe(false);
    expect(keepStepping(rules(moving), lost)).toBe(false);
  });
});
