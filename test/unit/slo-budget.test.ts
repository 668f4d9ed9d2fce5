import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { recentPeak } from '../../lambda/core/floor-peak.ts';
import { recordWeekRate } from '../../lambda/core/recurrence-week.ts';
import {
  ATTAINMENT_HOURS,
  burnRate,
  floorRateFor,
  recordSlo,
} from '../../lambda/core/slo-budget.ts';
import type { Decision } from '../../lambda/core/types.ts';
import {
  EMPTY_STATE,
  type Reaction,
  type ScalerState,
  type SloRecord,
} from '../../lambda/core/types.ts';
import { metricsOf } from '../../lambda/handler/report.ts';
import { repeat, run, spread, type World } from '../helpers/scaler.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SLO = 60_000;
const T0 = 1_000 * HOUR; // on an hour boundary
const EMPTY: SloRecord = EMPTY_STATE.slo;

/** One step a minute for `minutes` minutes from `from`, at `age(i)` seconds behind. */
function record(from: number, minutes: number, age: (i: number) => number | null, kept = EMPTY) {
  let r = kept;
  for (let i = 0; i < minutes; i++) r = recordSlo(r, from + i * MINUTE, age(i), SLO);
  return r;
}

describe('the SLO record', () => {
  it('counts each observed minute once, violated when any of its steps saw the lag past the SLO', () => {
    let r = recordSlo(EMPTY, T0, 10, SLO);
    r = recordSlo(r, T0 + 15_000, 75, SLO); // same minute: violated
    r = recordSlo(r, T0 + 30_000, 5, SLO); // still violated
    r = recordSlo(r, T0 + MINUTE, null, SLO); // unobserved: not counted, the minute stays open
    r = recordSlo(r, T0 + 2 * MINUTE, 20, SLO); // closes the first minute
    expect(r.hours).toEqual([{ hour: T0 / HOUR, seen: 1, violated: 1 }]);
    expect(r).toMatchObject({ minute: T0 / MINUTE + 2, violated: false });
  });

  it('keeps the last 28 days of hours', () => {
    const long = record(T0, 3, () => 0);
    const later = recordSlo(long, T0 + (ATTAINMENT_HOURS + 2) * HOUR, 0, SLO);
    expect(later.hours.every((h) => h.hour > T0 / HOUR)).toBe(true);
  });

  it('burns at violated ÷ allowed minutes over the window', () => {
    // 6 hours, one violated minute: 1/360 against 0.1 % allowed.
    const h0 = T0 / HOUR;
    const hours = Array.from({ length: 6 }, (_, i) => ({ hour: h0 + i, seen: 60, violated: 0 }));
    hours[1]!.violated = 1;
    const r: SloRecord = { hours, minute: null, violated: false };
    const now = T0 + 359 * MINUTE; // the window is this hour and the 5 before
    expect(burnRate(r, now, 99.9, 6)).toBeCloseTo(1 / 360 / 0.001, 3);
    expect(burnRate(r, now, 99, 6)).toBeCloseTo(1 / 360 / 0.01, 3);
    expect(
      burnRate(
        record(T0, 360, () => 1),
        now,
        99.9,
        6,
      ),
    ).toBe(0);
    expect(burnRate(EMPTY, now, 99.9, 6)).toBeNull();
  });
});

describe('the floor a burning budget holds', () => {
  const reaction = (startS: number): Reaction => ({
    detectMs: 15_000,
    startMs: startS * 1000,
    startSource: 'measured',
    horizonMs: (15 + startS) * 1000,
  });

  it('carries the share of a returning peak that the SLO cannot absorb through a start', () => {
    // 9,000/s arriving on a floor: the oldest message ages 1 − floor/9,000 per second for 90 s.
    expect(floorRateFor(9_000, SLO, reaction(75))).toBeCloseTo(3_000);
    // A start shorter than the SLO needs no floor: reacting is enough.
    expect(floorRateFor(9_000, SLO, reaction(30))).toBe(0);
  });

  it('prepares for the peak of this hour and the one before it', () => {
    let weekly = EMPTY_STATE.weekly;
    weekly = recordWeekRate(weekly, T0 - 24 * HOUR, 9_800); // yesterday: forgotten
    weekly = recordWeekRate(weekly, T0 - 90 * MINUTE, 9_500); // two hours back: forgotten
    weekly = recordWeekRate(weekly, T0 - 10 * MINUTE, 8_000);
    weekly = recordWeekRate(weekly, T0 + 5 * MINUTE, 500);
    expect(recentPeak(weekly, T0 + 10 * MINUTE, 2)).toBe(8_000);
    expect(recentPeak(weekly, T0 + 10 * MINUTE, 1)).toBe(500);
    expect(recentPeak(EMPTY_STATE.weekly, T0, 2)).toBeNull();
  });

  /** Quiet traffic after a burning hour: 4 tasks, 100/s each configured, 120/s produced. */
  const quiet: World = { lag: spread(0), produced: 600, cpu: 20, memory: 30 };
  function burning(): ScalerState {
    const now = 1_000_000_000_000;
    let weekly = EMPTY_STATE.weekly;
    weekly = recordWeekRate(weekly, now - 20 * MINUTE, 900);
    const slo = record(now - 60 * MINUTE, 60, (i) => (i < 3 ? 90 : 1));
    return { ...EMPTY_STATE, weekly, slo };
  }
  const rulesAt = (attainment: string) =>
    parseScalingRules({
      LAGPILOT_TASK_CAPACITY: '100',
      LAGPILOT_SLO_ATTAINMENT: attainment,
      LAGPILOT_TASK_START: '2m',
      LAGPILOT_STEP_INTERVAL: '1m',
      LAGPILOT_PRESCALE_LEAD: '0s',
    });

  it('raises the fleet to the floor while the budget burns, and never scales down below it', () => {
    const r = run(rulesAt('99.9'), repeat(12, quiet), { desired: 1, state: burning() });
    // Horizon 1 min + 2 min: the floor carries 900 × (1 − 1/3) = 600/s: 6 tasks of 100/s.
    expect(r.decisions[0]).toMatchObject({ action: 'up', to: 6, cause: { rule: 'floor' } });
    expect(r.decisions[0]!.measures.budget).toMatchObject({ floor: 6, floorRate: 600 });
    expect(explain(r.decisions[0]!)[0]).toMatch(
      /^scale 1→6: error budget burning \d+\.\d× what 99\.9 % allows/,
    );
    expect(Math.min(...r.desired)).toBe(6);
  });

  it('holds the floor while the running attainment is below the target, the window clean', () => {
    const now = 1_000_000_000_000;
    // 3 violated minutes 22 h ago, in 22 h of minutes: 99.77 %; the 16 h window holds none.
    const slo = record(now - 22 * 60 * MINUTE, 22 * 60, (i) => (i < 3 ? 90 : 1));
    const state = { ...burning(), slo };
    const r = run(rulesAt('99.9'), repeat(3, quiet), { desired: 1, state });
    expect(r.decisions[0]).toMatchObject({
      action: 'up',
      to: 6,
      cause: { rule: 'floor', burn: 0 },
    });
    expect(explain(r.decisions[0]!)[0]).toMatch(
      /^scale 1→6: SLO held in 99\.77\d % of minutes, below the 99\.9 % target \(last 28 days\)/,
    );
    // At 99.5 % the same record meets the target: no floor.
    const met = run(rulesAt('99.5'), repeat(3, quiet), { desired: 1, state });
    expect(met.decisions.every((d) => d.cause.rule !== 'floor')).toBe(true);
  });

  it('holds no floor when the budget allows what was spent', () => {
    // 3 violated minutes of the last 60 are within a 95 % budget (burn 1).
    const r = run(rulesAt('95'), repeat(12, quiet), { desired: 1, state: burning() });
    expect(r.decisions.every((d) => d.cause.rule !== 'floor')).toBe(true);
    expect(r.decisions[0]!.measures.budget.floor).toBeNull();
    expect(Math.max(...r.desired)).toBe(1);
  });

  it('publishes a breach per step, the running attainment and the burn as metrics', () => {
    const r = run(rulesAt('99.9'), [quiet, { ...quiet, lag: spread(90_000) }], {
      desired: 6,
      state: burning(),
    });
    const metric = (d: Decision) => {
      const report = { at: 0, decision: d, acted: false, dryRun: false, errors: [] };
      const all = metricsOf({ ...report, observed: { lag: null, service: null } });
      return (name: string) => all.find((m) => m.name === name);
    };
    const [calm, late] = r.decisions.map(metric);
    expect(calm!('SloBreached')).toEqual({ name: 'SloBreached', unit: 'Count', value: 0 });
    // 90,000 behind at 120/s: the oldest message is minutes old.
    expect(late!('SloBreached')?.value).toBe(1);
    // 3 of the hour's 61 minutes broke the SLO: 95.1 %, burning 49× a 99.9 % budget.
    expect(calm!('SloAttainment')?.value).toBeCloseTo((100 * 58) / 61, 1);
    expect(calm!('SloAttainment')?.unit).toBe('Percent');
    expect(calm!('ErrorBudgetBurn')?.value).toBeCloseTo(3 / 61 / 0.001, 0);
  });
});
