/**
 * The produce rate a budget floor must absorb: the peak the traffic reaches at this time of day.
 * Read from the hourly peaks the autoscaler already keeps (recurrence-week.ts): for each of the
 * last TIME_OF_DAY_DAYS days, the higher of that day's peak in this clock hour and the next (a
 * burst may come before this hour ends), and of those the upper quartile — with a week of history
 * the second highest, a peak reached on at least two days, not one day's outlier. Until
 * TIME_OF_DAY_MIN_DAYS days were seen, the highest peak of the last RECENT_PEAK_HOURS hours.
 * Quiet hours thus hold no floor that only the busy hours need. A topic quiet for an hour or more
 * holds at most the floor for what it rose to out of quiet on those days, picked the same way
 * (quiet-rises.ts): one that wakes to a trickle before each burst holds none while quiet. Pure.
 */

import { quietRisePeaks } from './quiet-rises.ts';
import { peakAt } from './recurrence-week.ts';
import type { EpochMs, QuietRises, WeeklyPeaks } from './types.ts';

const HOUR_MS = 3_600_000;
/** Past days compared at this time of day. */
export const TIME_OF_DAY_DAYS = 7;
/** Days of this time of day needed before they, not the last hours, size the floor. */
export const TIME_OF_DAY_MIN_DAYS = 3;
/** The quantile of the days' peaks the floor absorbs (nearest rank above). */
export const TIME_OF_DAY_QUANTILE = 0.75;
/** Until the time of day is known: the peak of this clock hour and the one before it. */
export const RECENT_PEAK_HOURS = 2;

/** The highest hourly produce-rate peak over the last `hours` hours, this one included. */
export function recentPeak(weekly: WeeklyPeaks, now: EpochMs, hours: number): number | null {
  const hour = Math.floor(now / HOUR_MS);
  let peak: number | null = null;
  for (let h = hour - hours + 1; h <= hour; h++) {
    const v = peakAt(weekly, h);
    if (v !== null) peak = Math.max(peak ?? 0, v);
  }
  return peak;
}

/** Each past day's peak over this clock hour and the next, for the days observed, ascending. */
export function timeOfDayPeaks(weekly: WeeklyPeaks, now: EpochMs): number[] {
  const hour = Math.floor(now / HOUR_MS);
  const peaks: number[] = [];
  for (let day = 1; day <= TIME_OF_DAY_DAYS; day++) {
    const [a, b] = [peakAt(weekly, hour - 24 * day), peakAt(weekly, hour + 1 - 24 * day)];
    if (a !== null || b !== null) peaks.push(Math.max(a ?? 0, b ?? 0));
  }
  return peaks.sort((x, y) => x - y);
}

/** The floor's pick of days' peaks (ascending): their upper quartile, once enough days were seen. */
const dayQuantile = (days: readonly number[]): number | null =>
  days.length < TIME_OF_DAY_MIN_DAYS ? null : days[Math.floor(days.length * TIME_OF_DAY_QUANTILE)]!;

/** The peak a floor absorbs now (see the module comment); null when nothing was observed. */
export function floorPeak(
  weekly: WeeklyPeaks,
  quietRises: QuietRises,
  now: EpochMs,
  produceRate: number | null,
): number | null {
  const peak =
    dayQuantile(timeOfDayPeaks(weekly, now)) ?? recentPeak(weekly, now, RECENT_PEAK_HOURS);
  const rises = quietRisePeaks(quietRises, now, produceRate, TIME_OF_DAY_DAYS);
  const rise = rises === null ? null : dayQuantile(rises);
  return peak !== null && rise !== null ? Math.min(peak, rise) : peak;
}
