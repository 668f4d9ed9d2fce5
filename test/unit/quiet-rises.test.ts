import { describe, expect, it } from 'vitest';
import { floorPeak } from '../../lambda/core/floor-peak.ts';
import { QUIET_HOLD_MS, quietRisePeaks, recordQuietRise } from '../../lambda/core/quiet-rises.ts';
import { recordWeekRate } from '../../lambda/core/recurrence-week.ts';
import { EMPTY_STATE, type QuietRises } from '../../lambda/core/types.ts';

const S = 1_000;
const MINUTE = 60 * S;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = 1_000 * DAY + 9 * HOUR;
const HORIZON = 90 * S;

/** Readings `[at, rate]` recorded in order from the empty state. */
const rises = (readings: [number, number | null][], from = EMPTY_STATE.quietRises) =>
  readings.reduce((kept, [at, rate]) => recordQuietRise(kept, at, rate, HORIZON, 7), from);

describe('what a quiet topic rose to', () => {
  it('keeps, per day, the highest rate read within one reaction horizon of a quiet reading', () => {
    const kept = rises([
      [T0, 0],
      [T0 + 15 * S, 0.5],
      [T0 + 30 * S, 3_000],
      [T0 + 90 * S, 4_000], // within 90 s of the reading at T0 + 15 s
      [T0 + 300 * S, 8_000], // beyond every quiet reading's horizon
    ]);
    expect(kept.days).toEqual([{ day: 1_000, peak: 4_000 }]);
    expect(kept.open).toEqual([]);
    expect(kept.quietSince).toBeNull();
  });

  it('counts a day on which the quiet never broke as a rise to nothing', () => {
    const kept = rises([0, 1, 2, 3].map((m): [number, number] => [T0 + m * MINUTE, 0]));
    expect(kept.quietSince).toBe(T0);
    expect(kept.days).toEqual([{ day: 1_000, peak: 0 }]);
    expect(kept.open).toHaveLength(2);
  });

  it('is left as it was by an unobserved rate, a clock gone back and steady traffic', () => {
    const kept = rises([[T0, 0]]);
    expect(recordQuietRise(kept, T0 + 15 * S, null, HORIZON, 7)).toBe(kept);
    expect(recordQuietRise(kept, T0 - 15 * S, 0, HORIZON, 7)).toBe(kept);
    const flowing = rises([[T0, 500]]);
    expect(flowing).toBe(EMPTY_STATE.quietRises);
  });

  it('forgets the days older than it keeps', () => {
    const kept = rises(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((d): [number, number][] => [
        [T0 + d * DAY, 0],
        [T0 + d * DAY + 30 * S, 100 * (d + 1)],
      ]),
    );
    expect(kept.days.map((d) => d.day)).toEqual([1_003, 1_004, 1_005, 1_006, 1_007, 1_008]);
  });
});

describe('the rises a floor reads', () => {
  const quiet = (since: number, peaks: number[]): QuietRises => ({
    open: [],
    days: peaks.map((peak, i) => ({ day: 1_000 - peaks.length + i, peak })),
    quietSince: since,
  });

  it('are read only while the topic is quiet now and has been for the hold', () => {
    const kept = quiet(T0 - QUIET_HOLD_MS, [300, 0, 9_000]);
    expect(quietRisePeaks(kept, T0, 0, 7)).toEqual([0, 300, 9_000]);
    expect(quietRisePeaks(kept, T0, 50, 7)).toBeNull();
    expect(quietRisePeaks(kept, T0, null, 7)).toBeNull();
    expect(quietRisePeaks(quiet(T0 - QUIET_HOLD_MS + MINUTE, [0]), T0, 0, 7)).toBeNull();
    expect(quietRisePeaks(kept, T0, 0, 3)).toEqual([0, 9_000]);
  });

  // A burst to 9,000/s at this time on each of the last seven days.
  const weekly = [7, 6, 5, 4, 3, 2, 1].reduce(
    (w, d) => recordWeekRate(w, T0 - d * DAY, 9_000),
    EMPTY_STATE.weekly,
  );

  it('lower the floor of a long-quiet topic whose bursts came out of a trickle', () => {
    const trickleFirst = quiet(T0 - 2 * HOUR, [0, 0, 0, 0, 0]);
    expect(floorPeak(weekly, trickleFirst, T0, 0)).toBe(0);
    // Quiet for less than the hold, or flowing: the time of day's floor.
    expect(floorPeak(weekly, quiet(T0 - 10 * MINUTE, [0, 0, 0, 0, 0]), T0, 0)).toBe(9_000);
    expect(floorPeak(weekly, trickleFirst, T0, 20)).toBe(9_000);
  });

  it('keep the floor of a topic that bursts straight out of quiet, never raise it', () => {
    expect(floorPeak(weekly, quiet(T0 - 2 * HOUR, [9_500, 0, 9_000, 12_000]), T0, 0)).toBe(9_000);
    // Too few days seen: the time of day's floor.
    expect(floorPeak(weekly, quiet(T0 - 2 * HOUR, [0, 0]), T0, 0)).toBe(9_000);
  });
});
