/**
 * Rate-based sizing: how many tasks carry a produce rate (× headroom) plus a backlog drained
 * within the lag SLO, at a known per-task capacity, on a partition-balanced count. Pure.
 */

import { type Capacity, groupCapacity } from './capacity.ts';
import type { Drain, Recurrence, Signal } from './cause.ts';
import type { ScalingRules } from './config.ts';
import { balancedCounts } from './counts.ts';
import { projectedAgeS } from './reaction.ts';
import { expectedRate, RECUR_HOURS, RECUR_OF } from './recurrence.ts';
import { expectedWeekRate } from './recurrence-week.ts';
import type {
  EpochMs,
  LagSample,
  Measures,
  Millis,
  Partitions,
  RecurringHour,
  Sizing,
  TaskCount,
  WeeklyPeaks,
} from './types.ts';

/**
 * The share of the SLO a backlog may keep aging down from once added tasks consume: what is older
 * than this when they start is drained within the SLO, the younger part at the pace of the spare
 * capacity. Draining all of it within the SLO sized every jump to the cap and held it for
 * minutes (docs/autoscaler.md, Sizing a scale-up).
 */
export const SETTLE_AGE_SHARE = 0.5;

/**
 * The backlog a scale-up sizes for: the lag now plus its growth until added tasks consume (one
 * reaction horizon), of which only the part older than SETTLE_AGE_SHARE × the SLO by then — the
 * oldest message's projected age tells how much — is drained within the SLO.
 */
export function arrivingBacklog(
  rules: ScalingRules,
  m: Measures,
  carried: number,
): { backlog: number; olderThanS?: number } {
  const produceRate = m.produceRate ?? 0;
  const horizonS = m.reaction.horizonMs / 1000;
  const arriving = (m.scalingLag ?? 0) + Math.max(0, produceRate - carried) * horizonS;
  if (m.lagSeconds === null) return { backlog: arriving };
  const ageS = projectedAgeS(m.lagSeconds, produceRate, carried, m.reaction.horizonMs);
  const olderThanS = (SETTLE_AGE_SHARE * rules.lagSloMs) / 1000;
  if (ageS <= 0) return { backlog: arriving };
  // Produced steadily over `ageS` seconds: the part older than `olderThanS` is its oldest share.
  const share = Math.max(0, 1 - olderThanS / ageS);
  return { backlog: arriving * share, olderThanS };
}

/**
 * How far the produce rate may exceed what the count in place carries and still be read as that
 * count's: medians of saturated samples differ by a few percent from run to run, and a fleet at
 * its exact capacity reads as short on half its steps.
 */
export const ESTIMATE_SPREAD = 0.05;

/**
 * The count in place, when it falls short by no more than ESTIMATE_SPREAD and keeps the oldest
 * message younger than SETTLE_AGE_SHARE of the SLO until tasks asked for at the next step could
 * consume: the SLO absorbs that, and a task added for it would flip the count on every wobble of
 * the estimate. Never for memory (more tasks alone relieve it), a projected breach (the rate at
 * the step outruns the interval's average), or no tasks.
 */
export function withinSpread(
  rules: ScalingRules,
  m: Measures,
  carried: number,
  signals: readonly Signal[],
): { shortfall: number; spread: number; projectedS: number; olderThanS: number } | null {
  if (m.lagSeconds === null || m.produceRate === null || m.running === 0 || carried <= 0) {
    return null;
  }
  const overdue = signals.some(
    (s) => s.kind === 'memory' || (s.kind === 'rate' && s.overdueMs !== null),
  );
  if (overdue) return null;
  const shortfall = (m.produceRate * rules.headroom) / carried - 1;
  if (shortfall > ESTIMATE_SPREAD) return null;
  const ahead = m.reaction.horizonMs + rules.stepIntervalMs;
  const projectedS = projectedAgeS(m.lagSeconds, m.produceRate, carried, ahead);
  const olderThanS = (SETTLE_AGE_SHARE * rules.lagSloMs) / 1000;
  return projectedS < olderThanS
    ? { shortfall: Math.max(0, shortfall), spread: ESTIMATE_SPREAD, projectedS, olderThanS }
    : null;
}

/**
 * The sizing for `produceRate` plus `backlog` within the SLO, between `floor` and `cap`: the
 * smallest count (balanced when balancing is on) whose busiest task carries its share, or the
 * cap when none does.
 */
export function sizeFor(
  rules: ScalingRules,
  capacity: Capacity,
  partitions: Partitions | null,
  load: { produceRate: number; backlog: number; olderThanS?: number },
  floor: TaskCount,
  cap: TaskCount,
): Sizing {
  const sloS = rules.lagSloMs / 1000;
  const need = load.produceRate * rules.headroom + load.backlog / sloS;
  const counts =
    rules.balancedCounts && partitions !== null
      ? [...new Set([floor, ...balancedCounts(partitions), cap])]
      : Array.from({ length: cap }, (_, i) => i + 1);
  const fits = counts
    .filter((n) => n >= floor && n <= cap)
    .sort((a, b) => a - b)
    .find((n) => groupCapacity(capacity.perTask, partitions, n) >= need);
  return {
    perTask: capacity.perTask,
    capacitySource: capacity.source,
    produceRate: load.produceRate,
    headroom: rules.headroom,
    backlog: load.backlog,
    ...(load.olderThanS === undefined ? {} : { olderThanS: load.olderThanS }),
    sloS,
    neededTasks: need / capacity.perTask,
    balanced: fits ?? cap,
  };
}

/**
 * The highest produce rate between consecutive samples since `from`, or null when no pair of
 * samples covers it (missing observations never size a scale-down).
 */
export function peakProduceRate(
  samples: readonly LagSample[],
  from: EpochMs,
  maxGapMs: Millis,
): number | null {
  let peak: number | null = null;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    if (b.at <= from || a.endSum === null || b.endSum === null) continue;
    if (b.at - a.at > maxGapMs || b.at <= a.at || b.endSum < a.endSum) continue;
    const r = ((b.endSum - a.endSum) * 1000) / (b.at - a.at);
    peak = Math.max(peak ?? 0, r);
  }
  return peak;
}

/**
 * The sizing for a produce rate that recurred within the next LAGPILOT_PRESCALE_LEAD, at the
 * same minutes of the last hours (recurrence.ts) or the same hour of the last weeks
 * (recurrence-week.ts), the higher of the two; null when pre-scaling is off, the capacity
 * unknown or nothing recurs; `recurrence` says which burst.
 */
export function recurringSizing(
  rules: ScalingRules,
  capacity: Capacity | null,
  partitions: Partitions | null,
  kept: { recurring: readonly RecurringHour[]; weekly: WeeklyPeaks },
  produceRate: number | null,
  now: EpochMs,
  bounds: { floor: TaskCount; cap: TaskCount },
): { sizing: Sizing; recurrence: Recurrence } | null {
  if (!capacity || rules.prescaleLeadMs <= 0 || produceRate === null) return null;
  const ahead = { now, leadMs: rules.prescaleLeadMs, produceRate };
  const hourly = expectedRate(kept.recurring, ahead);
  const weekly = expectedWeekRate(kept.weekly, ahead);
  const byMinute = hourly && {
    rate: hourly.rate,
    recurrence: {
      period: 'hour',
      minute: hourly.minute,
      of: RECUR_OF,
      last: RECUR_HOURS,
    } satisfies Recurrence,
  };
  const expected = weekly && (!byMinute || weekly.rate > byMinute.rate) ? weekly : byMinute;
  if (!expected) return null;
  const load = { produceRate: expected.rate, backlog: 0 };
  const sizing = sizeFor(rules, capacity, partitions, load, bounds.floor, bounds.cap);
  return { sizing, recurrence: expected.recurrence };
}

/**
 * How many tasks the lag needs: enough to absorb the produce rate and drain the backlog
 * within one up-window, at the per-task rate the fleet consumed since the last step (under
 * sustained lag the workers are saturated, so that is their capacity). Null when unmeasured.
 */
export function tasksForLag(rules: ScalingRules, m: Measures): TaskCount | null {
  if (m.scalingLag === null || m.produceRate === null || m.consumeRate === null) return null;
  if (m.running === null || m.running === 0 || m.consumeRate <= 0) return null;
  const perTask = m.consumeRate / m.running;
  const needed = m.produceRate + m.scalingLag / Math.max(rules.upWindowMs / 1000, 1);
  return Math.ceil(needed / perTask);
}

/** What `tasks` absorb and drain within one up-window, at the rate the fleet consumed per task. */
export function drainOf(rules: ScalingRules, tasks: TaskCount, m: Measures): Drain {
  const perTask = (m.consumeRate ?? 0) / (m.running ?? 1);
  return { tasks, produceRate: m.produceRate ?? 0, perTask, withinMs: rules.upWindowMs };
}
