/**
 * The reaction horizon: a scale-up decided now adds consumption only after the next step could
 * have seen the change (detection) and the new tasks started and joined the group (start). The
 * start is measured from the service's own counts — a raised desired count until the group is
 * settled with a member for every running task — so a slow image pull or a long rebalance is in
 * it; until measured, LAGPILOT_TASK_START stands in. Pure.
 */

import type { ScalingRules } from './config.ts';
import type { EpochMs, LagSample, LastAction, Millis, Reaction, TaskCount } from './types.ts';

/** Starts kept: the median of the last few follows a changed image or platform within a day. */
export const START_SAMPLES = 5;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The horizon this step plans with. */
export function reactionOf(rules: ScalingRules, starts: readonly Millis[]): Reaction {
  const measured = starts.length > 0;
  const startMs = measured ? median(starts) : rules.taskStartMs;
  const detectMs = rules.stepIntervalMs;
  return {
    detectMs,
    startMs,
    startSource: measured ? 'measured' : 'configured',
    horizonMs: detectMs + startMs,
  };
}

/**
 * The kept starts after this step: a scale-up whose tasks all run and joined a settled group by
 * this step adds how long that took. The step that sees it may come up to one interval late, so a
 * sample errs long: the safe side.
 */
export function recordStart(
  starts: Millis[],
  pending: LastAction | null,
  running: TaskCount | null,
  settled: boolean,
  now: EpochMs,
): { starts: Millis[]; measured: boolean } {
  const done =
    pending !== null &&
    pending.action === 'up' &&
    !pending.startMeasured &&
    running !== null &&
    running >= pending.to &&
    settled;
  return done
    ? { starts: [...starts, now - pending.at].slice(-START_SAMPLES), measured: true }
    : { starts, measured: false };
}

/**
 * The age (s) the oldest message reaches by the time capacity added one step from now would
 * consume: while the produce rate outruns what the fleet carries, the age grows by 1 − carried /
 * produce every second (the fleet reaches ever newer messages more slowly than time passes).
 */
export function projectedAgeS(
  ageS: number,
  produceRate: number,
  carried: number,
  aheadMs: Millis,
): number {
  const growth = produceRate > 0 ? Math.max(0, 1 - carried / produceRate) : 0;
  return ageS + (growth * aheadMs) / 1000;
}

/**
 * The produce rate at the newest sample, read as a jump in the middle of the last interval: an
 * interval's rate is its average, so a rate that went from r0 to R halfway through reads
 * (r0 + R) / 2, and R = 2 × last − previous. A jump from nothing thus counts at its height on the
 * first reading that sees it, not at half of it one step later. Never below the last interval's
 * rate: it only hastens a scale-up. Null without three samples of the log-end offsets.
 */
export function rateNow(samples: readonly LagSample[]): number | null {
  // The last three samples with log-end offsets, newest first, read from the end (a hot path).
  const known: { at: EpochMs; endSum: number }[] = [];
  for (let i = samples.length - 1; i >= 0 && known.length < 3; i--) {
    const { at, endSum } = samples[i]!;
    if (endSum !== null) known.push({ at, endSum });
  }
  const [c, b, a] = known;
  if (!a || !b || !c || b.at <= a.at || c.at <= b.at) return null;
  const r0 = ((b.endSum - a.endSum) * 1000) / (b.at - a.at);
  const r1 = ((c.endSum - b.endSum) * 1000) / (c.at - b.at);
  if (r0 < 0 || r1 < 0) return null;
  return Math.max(r1, 2 * r1 - r0);
}
