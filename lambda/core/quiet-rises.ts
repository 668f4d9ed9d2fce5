/**
 * What the produce rate rose to out of quiet. A budget floor holds capacity for the jump that
 * comes faster than the rules react; while a topic is quiet, the jump that can come is the one
 * that came out of quiet before — on a topic that wakes to a trickle before each burst, none.
 * Kept: for each quiet reading (below QUIET_RATE) the highest rate read within one reaction
 * horizon after it, and of those each day's highest. They are read only once the topic has been
 * quiet for QUIET_HOLD_MS: a shorter lull is mostly a gap between bursts, where a lowered floor
 * saves little and costs two rebalances (down now, up when the traffic returns). Pure.
 */

import type { EpochMs, Millis, QuietRises } from './types.ts';

const DAY_MS = 86_400_000;
/** Below this produce rate (msg/s) a topic is quiet. */
export const QUIET_RATE = 1;
/** How long a topic must have been quiet before its floor is the one for rises out of quiet. */
export const QUIET_HOLD_MS = 3_600_000;

/** `days` with `peak` reached on `day`, keeping the days from `firstDay` on. */
function withDayPeak(days: QuietRises['days'], day: number, peak: number, firstDay: number) {
  const last = days.at(-1);
  if (last?.day === day) return last.peak >= peak ? days : [...days.slice(0, -1), { day, peak }];
  return [...days.filter((d) => d.day >= firstDay), { day, peak }];
}

/**
 * The kept rises with this step's produce rate read: quiet readings younger than `horizonMs`
 * take it as their peak, older ones close into their day; `keepDays` days are kept. An unobserved
 * rate (null) or a clock gone back leaves them as they were.
 */
export function recordQuietRise(
  kept: QuietRises,
  now: EpochMs,
  produceRate: number | null,
  horizonMs: Millis,
  keepDays: number,
): QuietRises {
  const quiet = produceRate !== null && produceRate < QUIET_RATE;
  if (produceRate === null || (!quiet && kept.open.length === 0 && kept.quietSince === null)) {
    return kept;
  }
  let days = kept.days;
  const open: QuietRises['open'] = [];
  for (const r of kept.open) {
    if (r.at > now) return kept;
    if (r.at >= now - horizonMs) {
      open.push(produceRate > r.peak ? { ...r, peak: produceRate } : r);
    } else {
      const day = Math.floor(r.at / DAY_MS);
      days = withDayPeak(days, day, Math.round(r.peak), Math.floor(now / DAY_MS) - keepDays + 1);
    }
  }
  if (quiet) open.push({ at: now, peak: produceRate });
  return { open, days, quietSince: quiet ? (kept.quietSince ?? now) : null };
}

/**
 * The days' highest rises out of quiet over the last `days` days, ascending — or null unless the
 * topic is quiet now (`produceRate`) and has been for QUIET_HOLD_MS.
 */
export function quietRisePeaks(
  kept: QuietRises,
  now: EpochMs,
  produceRate: number | null,
  days: number,
): number[] | null {
  if (produceRate === null || produceRate >= QUIET_RATE) return null;
  if (kept.quietSince === null || now - kept.quietSince < QUIET_HOLD_MS) return null;
  const from = Math.floor(now / DAY_MS) - days + 1;
  return kept.days
    .filter((d) => d.day >= from)
    .map((d) => d.peak)
    .sort((a, b) => a - b);
}
