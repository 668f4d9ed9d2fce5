/**
 * Recurring bursts: the produce-rate profile by minute of the hour, learned from the
 * autoscaler's own readings and kept compactly in the state (the peak per minute of the last
 * few hours, 60 numbers each). A rate reached at the same minutes in at least RECUR_OF of the
 * last RECUR_HOURS hours is expected again; the rules raise capacity LAGPILOT_PRESCALE_LEAD
 * before it, and release it through the ordinary scale-down once the minutes have passed
 * without it. Pure.
 */

import type { EpochMs, Millis, RecurringHour } from './types.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** How many past hours are compared, and in how many of them the rate must have come. */
export const RECUR_HOURS = 4;

/** Where an expectation looks from: now, how far ahead, and the produce rate already here. */
export interface Lookahead {
  readonly now: EpochMs;
  readonly leadMs: Millis;
  readonly produceRate: number;
}
export const RECUR_OF = 3;

const hourOf = (at: EpochMs): number => Math.floor(at / HOUR_MS);
const minuteOf = (at: EpochMs): number => Math.floor((at % HOUR_MS) / MINUTE_MS);

/** The kept profile with this step's produce rate recorded at its minute; older hours dropped. */
export function recordRate(
  kept: readonly RecurringHour[],
  now: EpochMs,
  produceRate: number | null,
): RecurringHour[] {
  const hour = hourOf(now);
  const inRange = (h: RecurringHour) => h.hour >= hour - RECUR_HOURS && h.hour <= hour;
  // Most steps change nothing: the kept profile is returned as it is, without a copy.
  const recent = kept.every(inRange) ? (kept as RecurringHour[]) : kept.filter(inRange);
  if (produceRate === null) return recent;
  // Hours are kept oldest first, all at or before this one: this hour, if kept, is the last.
  const newest = recent.at(-1);
  const current = newest?.hour === hour ? newest : undefined;
  const minute = minuteOf(now);
  const value = Math.round(Math.max(current?.peaks[minute] ?? 0, produceRate));
  if (current?.peaks.length === 60 && current.peaks[minute] === value) return recent;
  const peaks =
    current?.peaks.length === 60
      ? current.peaks.slice()
      : Array.from({ length: 60 }, (_, i) => current?.peaks[i] ?? null);
  peaks[minute] = value;
  return [...(current ? recent.slice(0, -1) : recent), { hour, peaks }];
}

/** A recurring rate counts as a burst from this multiple of its hour's median rate. */
export const BURST_RATIO = 1.5;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * Each kept hour's median, computed once: a past hour is never changed in place (recordRate
 * replaces an hour it updates), so its median holds for as long as the hour is kept.
 */
const medians = new WeakMap<RecurringHour, number>();
function medianOf(h: RecurringHour): number {
  let m = medians.get(h);
  if (m === undefined) {
    m = median(h.peaks.filter((p): p is number => p !== null));
    medians.set(h, m);
  }
  return m;
}

/**
 * The produce rate expected within the next `leadMs`, when a burst recurs there: in at least
 * RECUR_OF of the last RECUR_HOURS whole hours, the peak of the minutes from now to now + lead
 * stood at BURST_RATIO × that hour's median or more (so a trend, a ramp or a daily cycle, is no
 * burst). The expected rate is the RECUR_OF-th highest of those peaks. Null until that many
 * hours were observed, when nothing recurs, or when the rate is already here.
 */
export function expectedRate(
  kept: readonly RecurringHour[],
  { now, leadMs, produceRate }: Lookahead,
): { rate: number; minute: number } | null {
  if (leadMs <= 0) return null;
  const hour = hourOf(now);
  const minutes: number[] = [];
  for (let at = now + MINUTE_MS; at <= now + leadMs; at += MINUTE_MS) minutes.push(minuteOf(at));
  if (minutes.length === 0) minutes.push(minuteOf(now + leadMs));
  const bursts: number[] = [];
  for (const h of kept) {
    if (h.hour >= hour || h.hour < hour - RECUR_HOURS) continue;
    let peak = Number.NEGATIVE_INFINITY;
    for (const m of minutes) peak = Math.max(peak, h.peaks[m] ?? Number.NEGATIVE_INFINITY);
    // A peak the rate already reaches expects nothing: no need for the hour's median.
    if (Number.isFinite(peak) && peak > produceRate && peak >= BURST_RATIO * medianOf(h)) {
      bursts.push(peak);
    }
  }
  bursts.sort((a, b) => b - a);
  const rate = bursts[RECUR_OF - 1];
  if (rate === undefined || rate <= produceRate) return null;
  return { rate, minute: minutes.at(-1)! };
}
