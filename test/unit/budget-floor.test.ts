import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { floorPeak, RECENT_PEAK_HOURS, timeOfDayPeaks } from '../../lambda/core/floor-peak.ts';
import { recordWeekRate } from '../../lambda/core/recurrence-week.ts';
import {
  ATTAINMENT_HOURS,
  budgetOf,
  budgetWindowHours,
  peakSinceLastS,
  recordSlo,
} from '../../lambda/core/slo-budget.ts';
import { EMPTY_STATE, type Reaction, type SloRecord } from '../../lambda/core/types.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SLO = 60_000;
const T0 = 1_000 * DAY + 9 * HOUR; // 09:00 on a day boundary's ninth hour
const NO_RISES = EMPTY_STATE.quietRises;

/** Hourly peaks: `at` → rate, recorded in time order. */
const weeklyOf = (peaks: [number, number][]) =>
  peaks
    .sort(([a], [b]) => a - b)
    .reduce((w, [at, rate]) => recordWeekRate(w, at, rate), EMPTY_STATE.weekly);

describe('the peak a budget floor absorbs', () => {
  it('is the upper quartile of this hour and the next on the last seven days', () => {
    // Each past day at 09:xx or 10:xx; two days had a burst (9,000 and 8,000).
    const days = [100, 9_000, 200, 8_000, 150, 120, 300];
    const weekly = weeklyOf([
      ...days.map((rate, i): [number, number] => [T0 - (i + 1) * DAY + (i % 2) * HOUR, rate]),
      [T0 - 30 * MINUTE, 50],
    ]);
    expect(timeOfDayPeaks(weekly, T0)).toEqual([100, 120, 150, 200, 300, 8_000, 9_000]);
    // With a week of days: the second highest, a peak reached on at least two days.
    expect(floorPeak(weekly, NO_RISES, T0, 100)).toBe(8_000);
    // A quiet hour of the day (no burst at 15:00 on any day) holds no floor the busy hours need.
    const quietHour = weeklyOf(
      days.map((_, i): [number, number] => [T0 + 6 * HOUR - (i + 1) * DAY, 100]),
    );
    expect(floorPeak(quietHour, NO_RISES, T0 + 6 * HOUR, 100)).toBe(100);
  });

  it('is the peak of the last two hours until three days of this time of day were seen', () => {
    const weekly = weeklyOf([
      [T0 - DAY, 9_000],
      [T0 - 2 * DAY, 9_000],
      [T0 - 2 * HOUR, 9_500], // 07:00: before this clock hour and the one before it
      [T0 - 50 * MINUTE, 700],
      [T0 + 5 * MINUTE, 400],
    ]);
    expect(timeOfDayPeaks(weekly, T0)).toHaveLength(2);
    expect(RECENT_PEAK_HOURS).toBe(2);
    expect(floorPeak(weekly, NO_RISES, T0 + 10 * MINUTE, 400)).toBe(700);
    expect(floorPeak(EMPTY_STATE.weekly, NO_RISES, T0, null)).toBeNull();
  });
});

describe('the budget window', () => {
  it('is the whole hours in which the target allows less than one violated minute', () => {
    expect(budgetWindowHours(99.9)).toBe(16);
    expect(budgetWindowHours(99.5)).toBe(3);
    expect(budgetWindowHours(99)).toBe(1);
    expect(budgetWindowHours(95)).toBe(1);
    expect(budgetWindowHours(99.99)).toBe(166);
    expect(budgetWindowHours(99.999)).toBe(ATTAINMENT_HOURS);
  });

  const reaction: Reaction = {
    detectMs: 15_000,
    startMs: 75_000,
    startSource: 'measured',
    horizonMs: 90_000,
  };
  /** One breach `agoH` hours before T0, every other minute of the last `days` days clean. */
  function oneBreach(agoH: number, days = 3): SloRecord {
    let r = EMPTY_STATE.slo;
    for (let m = days * 24 * 60; m >= 0; m--) {
      const at = T0 - m * MINUTE;
      r = recordSlo(r, at, at === T0 - agoH * HOUR ? 75 : 5, SLO);
    }
    return r;
  }
  const weekly = weeklyOf([[T0 - 20 * MINUTE, 9_000]]);
  const floorRate = (attainment: string, agoH: number, days = 3) =>
    budgetOf(
      parseScalingRules({ LAGPILOT_SLO_ATTAINMENT: attainment }),
      { slo: oneBreach(agoH, days), weekly, quietRises: NO_RISES },
      reaction,
      T0,
      9_000,
    ).floorRate;

  it('holds the floor after one violated minute for as long as the target remembers it', () => {
    // 9,000/s through a 90 s horizon with a 60 s SLO: the floor carries a third of it.
    expect(floorRate('99.9', 10)).toBeCloseTo(3_000);
    expect(floorRate('99.9', 17)).toBeNull();
    // 99 %: one minute in 100 is allowed, so a breach two hours ago is within budget.
    expect(floorRate('99', 2)).toBeNull();
    expect(floorRate('99.99', 20)).toBeCloseTo(3_000);
  });

  it('holds the floor while the running attainment is below the target, once the window forgot', () => {
    // The breach (two violated minutes: the age grew into it) in one day of minutes: 99.86 %.
    expect(floorRate('99.9', 17, 1)).toBeCloseTo(3_000);
    expect(floorRate('99.8', 17, 1)).toBeNull();
  });
});

describe('a peak between two readings', () => {
  it('counts where the growth into the last reading would have taken the age by now', () => {
    // 20 s → 50 s in 15 s (growth 1 s/s), then 10 s: new capacity consumed somewhere in
    // between, after the age may have reached 65 s.
    let r = recordSlo(EMPTY_STATE.slo, T0, 20, SLO);
    r = recordSlo(r, T0 + 15_000, 35, SLO);
    r = recordSlo(r, T0 + 30_000, 50, SLO);
    expect(r.violated).toBe(false);
    expect(peakSinceLastS(r, T0 + 45_000, 10)).toBe(65);
    expect(recordSlo(r, T0 + 45_000, 10, SLO).violated).toBe(true);
    // Still rising, or falling after a fall: the readings are the peak.
    expect(peakSinceLastS(r, T0 + 45_000, 55)).toBe(55);
    const falling = recordSlo(r, T0 + 45_000, 30, SLO);
    expect(peakSinceLastS(falling, T0 + 60_000, 20)).toBe(20);
    // A missed invocation in between: nothing is interpolated over unobserved time.
    expect(peakSinceLastS(r, T0 + 5 * MINUTE, 10)).toBe(10);
  });
});
