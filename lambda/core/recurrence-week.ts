/**
 * Recurring bursts by hour of the week: the produce rate's peak per hour over the last weeks,
 * kept compactly in the state (one number per hour, at most RECUR_WEEKS weeks and two hours:
 * 674 numbers). An hour whose peak jumped to BURST_RATIO × the hour before it in at least
 * RECUR_OF of the last RECUR_WEEKS weeks is expected to jump again; the rules raise capacity
 * LAGPILOT_PRESCALE_LEAD before it starts. The expectation ends when the jump has come this
 * hour, or with the hour when it has not: the ordinary scale-down then releases the capacity.
 * Pure.
 */

import type { Recurrence } from './cause.ts';
import { BURST_RATIO, type Lookahead, RECUR_OF } from './recurrence.ts';
import type { EpochMs, WeeklyPeaks } from './types.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const WEEK_HOURS = 168;
/** How many past weeks are compared (the burst must have come in RECUR_OF of them). */
export const RECUR_WEEKS = 4;
/** Hours kept: every compared week's hour and the hour before it, for the next hour too. */
export const KEEP_HOURS = RECUR_WEEKS * WEEK_HOURS + 2;

const hourOf = (at: EpochMs): number => Math.floor(at / HOUR_MS);

/** The kept peak of an hour (hours since the epoch); null when not observed or not kept. */
export const peakAt = (kept: WeeklyPeaks, hour: number): number | null =>
  kept.peaks[hour - kept.firstHour] ?? null;

/** The kept peaks with this step's produce rate recorded at its hour; hours beyond KEEP_HOURS dropped. */
export function recordWeekRate(
  kept: WeeklyPeaks,
  now: EpochMs,
  produceRate: number | null,
): WeeklyPeaks {
  const hour = hourOf(now);
  const last = kept.firstHour + kept.peaks.length - 1;
  // Hours are recorded forward only: a step timed before the newest kept hour changes nothing.
  if (kept.peaks.length > 0 && hour < last) return kept;
  // Within the newest hour, a rate at or below its peak changes nothing: no copy.
  const peak = kept.peaks.at(-1);
  if (
    hour === last &&
    (produceRate === null || (peak != null && Math.round(produceRate) <= peak))
  ) {
    return kept;
  }
  // Nothing kept, or all of it older than KEEP_HOURS: start over at this hour.
  const fresh = kept.peaks.length === 0 || hour - last >= KEEP_HOURS;
  const peaks = fresh ? [null] : kept.peaks.slice();
  for (let h = fresh ? hour + 1 : last + 1; h <= hour; h++) peaks.push(null);
  const drop = Math.max(0, peaks.length - KEEP_HOURS);
  const recent = drop > 0 ? peaks.slice(drop) : peaks;
  if (produceRate !== null) {
    recent[recent.length - 1] = Math.round(Math.max(recent.at(-1) ?? 0, produceRate));
  }
  return { firstHour: fresh ? hour : kept.firstHour + drop, peaks: recent };
}

/** The hour's peak stood at BURST_RATIO × the peak of the hour before it (both observed). */
function jumped(kept: WeeklyPeaks, hour: number): number | null {
  const [peak, before] = [peakAt(kept, hour), peakAt(kept, hour - 1)];
  return peak !== null && before !== null && before > 0 && peak >= BURST_RATIO * before
    ? peak
    : null;
}

/** "Mon 09:00 UTC". */
/**
 * The produce rate expected within the next `leadMs` from a burst that recurred at this hour of
 * the week: the RECUR_OF-th highest of the jumps seen at that hour in the last RECUR_WEEKS
 * weeks. Null until RECUR_OF such weeks were seen, when the jump already came this hour, or
 * when the rate is already here.
 */
export function expectedWeekRate(
  kept: WeeklyPeaks,
  { now, leadMs, produceRate }: Lookahead,
): { rate: number; recurrence: Recurrence } | null {
  if (leadMs <= 0) return null;
  const current = hourOf(now);
  const hours = [...new Set([hourOf(now + MINUTE_MS), hourOf(now + leadMs)])];
  let best: { rate: number; recurrence: Recurrence } | null = null;
  for (const hour of hours) {
    if (hour === current && jumped(kept, current) !== null) continue;
    const bursts = Array.from({ length: RECUR_WEEKS }, (_, k) =>
      jumped(kept, hour - (k + 1) * WEEK_HOURS),
    )
      .filter((p): p is number => p !== null)
      .sort((a, b) => b - a);
    const rate = bursts[RECUR_OF - 1];
    if (rate !== undefined && rate > produceRate && rate > (best?.rate ?? 0)) {
      best = {
        rate,
        recurrence: {
          period: 'week',
          // Hours since the epoch, which began on a Thursday (weekday 4), 00:00 UTC.
          weekday: (Math.floor(hour / 24) + 4) % 7,
          hour: hour % 24,
          of: RECUR_OF,
          last: RECUR_WEEKS,
        },
      };
    }
  }
  return best;
}
