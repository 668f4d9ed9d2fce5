/**
 * Which task counts to step to. Partition-balanced counts are the counts n where ceil(P/n)
 * changes (12 partitions: 1, 2, 3, 4, 6, 12): the busiest worker owns ceil(P/n) partitions, so
 * 5 workers on 12 partitions drain no faster than 4.
 */

import type { ScalingRules } from './config.ts';
import type { Partitions, TaskCount } from './types.ts';

/** Smallest count n with ceil(P/n) = k, for every k: ascending. */
export function balancedCounts(partitions: Partitions): TaskCount[] {
  const counts: TaskCount[] = [];
  let previous = Number.POSITIVE_INFINITY;
  for (let n = 1; n <= partitions; n++) {
    const perWorker = Math.ceil(partitions / n);
    if (perWorker < previous) counts.push(n);
    previous = perWorker;
  }
  return counts;
}

/** The most a scale-up may reach in one step: ×factor, and always at least one more. */
export function upLimit(rules: ScalingRules, current: TaskCount): TaskCount {
  return Math.max(current + 1, Math.floor(current * rules.upFactor));
}

/** The fixed scale-down target before balancing: −1, or ÷2 (rounded up, at least −1). */
export function downTarget(step: 'one' | 'half', current: TaskCount): TaskCount {
  return step === 'one' ? current - 1 : Math.min(current - 1, Math.ceil(current / 2));
}

/**
 * The counts a scale-down may pick, descending from just below current to the floor: the
 * partition-balanced ones when balancing is on (and the floor itself when it is unbalanced).
 */
export function countsBelow(
  rules: ScalingRules,
  current: TaskCount,
  floor: TaskCount,
  partitions: Partitions | null,
): TaskCount[] {
  const all =
    rules.balancedCounts && partitions !== null
      ? [...new Set([...balancedCounts(partitions), floor])]
      : Array.from({ length: current }, (_, i) => i + 1);
  return all.filter((n) => n >= floor && n < current).sort((a, b) => b - a);
}

/** Partitions the busiest of n workers owns (range assignment; at least one). */
export const busiestShare = (partitions: Partitions, n: TaskCount): number =>
  Math.max(1, Math.ceil(partitions / Math.max(n, 1)));

/** A wanted move from the current count to a target, within a bound: the cap up, the floor down. */
export interface Move {
  current: TaskCount;
  target: TaskCount;
  bound: TaskCount;
  partitions: Partitions | null;
}

/**
 * The count to scale up to, given a wanted target (> current) and the cap; returns current
 * when no useful count is reachable. With balancing on: the largest balanced count up to the
 * target, or — if none lies between — the next balanced count above current even past the
 * factor (an unbalanced count would buy no throughput, so it is the smallest useful step).
 */
export function stepUp(rules: ScalingRules, move: Move): TaskCount {
  const { current, target, bound: cap, partitions } = move;
  const bounded = Math.min(target, cap);
  if (!rules.balancedCounts || partitions === null) return Math.max(current, bounded);
  const above = balancedCounts(partitions).filter((n) => n > current && n <= cap);
  const within = above.filter((n) => n <= bounded);
  return within.at(-1) ?? above[0] ?? current;
}

/**
 * The count to scale down to, given a wanted target (< current) and the floor. With balancing
 * on: the balanced count closest to the target without going below it, or — if none lies
 * between — the next balanced count below current (any count in between drains no faster).
 */
export function stepDown(rules: ScalingRules, move: Move): TaskCount {
  const { current, target, bound: floor, partitions } = move;
  const bounded = Math.max(target, floor);
  if (!rules.balancedCounts || partitions === null) return Math.min(current, bounded);
  const below = balancedCounts(partitions).filter((n) => n < current);
  const within = below.filter((n) => n >= bounded);
  const to = within[0] ?? below.at(-1) ?? floor;
  return Math.min(current, Math.max(to, floor));
}
