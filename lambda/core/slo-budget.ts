/**
 * The lag SLO as an attainment (LAGPILOT_SLO_ATTAINMENT: the share of minutes the oldest message
 * is younger than LAGPILOT_LAG_SLO), measured by the autoscaler itself: every minute a step saw is
 * counted, violated when any step of it saw the lag older than the SLO (or the readings show it
 * peaked there between two steps). While the violated minutes of the budget window have spent what
 * the target allows there, the rules hold a floor: enough tasks that the peak this time of day
 * reaches (floor-peak.ts), arriving on that floor, stays within the SLO through one reaction
 * horizon. The floor falls back once the window is clean. Pure.
 */

import type { Capacity } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { floorPeak } from './floor-peak.ts';
import { lastCallOn } from './memo.ts';
import { sizeFor } from './sizing.ts';
import type {
  Budget,
  EpochMs,
  Millis,
  Partitions,
  QuietRises,
  Reaction,
  Sizing,
  SloHour,
  SloRecord,
  TaskCount,
  WeeklyPeaks,
} from './types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The running attainment covers this many hours (the usual 28-day SLO period). */
export const ATTAINMENT_HOURS = 28 * 24;
/**
 * The window the floor's burn is judged over: the longest span of whole hours in which the target
 * allows less than one violated minute (1 / (1 − target) minutes: 16 h at 99.9 %, 1 h at 99 %,
 * 166 h at 99.99 %), so one violated minute there already spends it. A stricter target remembers a
 * breach longer — the trade LAGPILOT_SLO_ATTAINMENT makes.
 */
export function budgetWindowHours(target: number): number {
  const minutes = 1 / (1 - target / 100);
  return Math.min(ATTAINMENT_HOURS, Math.max(1, Math.floor(minutes / 60)));
}

/** Readings further apart than this are not interpolated (a missed invocation is unobserved). */
const MAX_READING_GAP_MS = 2 * MINUTE_MS;

/**
 * The highest age (s) the readings allow since the last one: the age now, or — when it fell after
 * growing into the last reading — where that growth would have taken it by now, since new
 * capacity may have started consuming at any moment in between (the age peaks then). Steps read
 * the lag seconds apart; a peak between them is what breaks a minute's SLO unseen.
 */
export function peakSinceLastS(record: SloRecord, now: EpochMs, ageS: number): number {
  const last = record.reading;
  if (!last || now <= last.at || now - last.at > MAX_READING_GAP_MS) return ageS;
  if (ageS >= last.ageS || last.growth <= 0) return ageS;
  return Math.max(ageS, last.ageS + (last.growth * (now - last.at)) / 1000);
}

/** The record after this step: the minute's verdict, closed into its hour when a new minute starts. */
export const recordSlo = lastCallOn(function recordSlo(
  record: SloRecord,
  now: EpochMs,
  lagSeconds: number | null,
  sloMs: Millis,
): SloRecord {
  if (lagSeconds === null) return record;
  const minute = Math.floor(now / MINUTE_MS);
  const violated = peakSinceLastS(record, now, lagSeconds) * 1000 > sloMs;
  const last = record.reading;
  const interval = last && now > last.at ? (now - last.at) / 1000 : 0;
  // The age grows by at most one second a second (nothing consumed).
  const growth = interval > 0 ? Math.min(1, (lagSeconds - last!.ageS) / interval) : 0;
  const reading = { at: now, ageS: lagSeconds, growth };
  if (record.minute === minute) {
    return { ...record, violated: record.violated || violated, reading };
  }
  if (record.minute !== null && minute < record.minute) return record;
  return { hours: closeMinute(record, minute), minute, violated, reading };
});

function closeMinute(record: SloRecord, newMinute: number): SloHour[] {
  const oldest = Math.floor((newMinute * MINUTE_MS) / HOUR_MS) - ATTAINMENT_HOURS;
  const hours =
    (record.hours[0]?.hour ?? oldest + 1) > oldest
      ? record.hours
      : record.hours.filter((h) => h.hour > oldest);
  const hour = Math.floor(((record.minute ?? 0) * MINUTE_MS) / HOUR_MS);
  if (record.minute === null || hour <= oldest) return hours;
  const last = hours.at(-1);
  const add = record.violated ? 1 : 0;
  if (last?.hour === hour) {
    return [...hours.slice(0, -1), { hour, seen: last.seen + 1, violated: last.violated + add }];
  }
  return [...hours, { hour, seen: 1, violated: add }];
}

/** Minutes seen and violated in the closed hours since `fromHour` (inclusive). */
function closedTotals(
  hours: readonly SloHour[],
  fromHour: number,
): { seen: number; violated: number } {
  let seen = 0;
  let violated = 0;
  // Hours are kept oldest first: walk back from the newest while they are in the window.
  for (let i = hours.length - 1; i >= 0; i--) {
    const h = hours[i]!;
    if (h.hour < fromHour) break;
    seen += h.seen;
    violated += h.violated;
  }
  return { seen, violated };
}

/** The same over the whole attainment period: its hours change once a minute, not every step. */
const periodTotals = lastCallOn(closedTotals);

/** Minutes seen and violated since `fromHour` (inclusive), the open minute included. */
function totals(
  record: SloRecord,
  fromHour: number,
  closed: typeof closedTotals = closedTotals,
): { seen: number; violated: number } {
  const hours = closed(record.hours, fromHour);
  const open = record.minute === null ? 0 : 1;
  return { seen: hours.seen + open, violated: hours.violated + (open && record.violated ? 1 : 0) };
}

/** Violated minutes over the window ÷ the budget the target grants that window's minutes. */
export function burnRate(
  record: SloRecord,
  now: EpochMs,
  target: number,
  hours: number,
): number | null {
  const { seen, violated } = totals(record, Math.floor(now / HOUR_MS) - hours + 1);
  if (seen === 0) return null;
  return violated / seen / (1 - target / 100);
}

/**
 * The produce rate the floor must carry so that `peak`, arriving on it, is consumed within the
 * SLO: until added tasks consume (the horizon) the oldest message ages by 1 − carried / peak per
 * second, which stays within the SLO when carried ≥ peak × (1 − SLO / horizon).
 */
export const floorRateFor = (peak: number, sloMs: Millis, reaction: Reaction): number =>
  (peak * Math.max(0, reaction.horizonMs - sloMs)) / reaction.horizonMs;

/** The budget this step: running attainment, burn, and the rate a floor must carry (sized by the caller). */
export function budgetOf(
  rules: ScalingRules,
  state: { slo: SloRecord; weekly: WeeklyPeaks; quietRises: QuietRises },
  reaction: Reaction,
  now: EpochMs,
  produceRate: number | null,
): Omit<Budget, 'floor' | 'breached'> {
  const all = totals(state.slo, Math.floor(now / HOUR_MS) - ATTAINMENT_HOURS + 1, periodTotals);
  const attainment = all.seen === 0 ? null : (100 * (all.seen - all.violated)) / all.seen;
  const burn = burnRate(
    state.slo,
    now,
    rules.sloAttainment,
    budgetWindowHours(rules.sloAttainment),
  );
  // The window forgets a breach after its hours; the running attainment does not: a service that
  // spends each window's budget would otherwise stay just under its target for good.
  const behind = attainment !== null && attainment < rules.sloAttainment;
  // The peak is read only while a floor is held: most steps hold none.
  const peak =
    (burn !== null && burn >= 1) || behind
      ? floorPeak(state.weekly, state.quietRises, now, produceRate)
      : null;
  const floorRate = peak === null ? null : floorRateFor(peak, rules.lagSloMs, reaction);
  return { attainment, burn, floorRate: floorRate !== null && floorRate > 0 ? floorRate : null };
}

/** The floor's sizing: the smallest count within bounds that carries `floorRate`; null without one. */
export function floorSizing(
  rules: ScalingRules,
  capacity: Capacity | null,
  floorRate: number | null,
  bounds: { floor: TaskCount; cap: TaskCount; partitions: Partitions | null },
): Sizing | null {
  if (!capacity || floorRate === null) return null;
  const load = { produceRate: floorRate, backlog: 0 };
  return sizeFor(rules, capacity, bounds.partitions, load, bounds.floor, bounds.cap);
}
