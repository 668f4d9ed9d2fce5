/**
 * The history the sustain windows need, and how a step appends to it. The Lambda, the local
 * system and the simulator all keep history through recordStep, so they judge alike.
 */

import { learn } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { TIME_OF_DAY_DAYS } from './floor-peak.ts';
import { mergeResources, trackPartitions, within } from './measure.ts';
import { recordQuietRise } from './quiet-rises.ts';
import { recordStart } from './reaction.ts';
import { recordRate } from './recurrence.ts';
import { recordWeekRate } from './recurrence-week.ts';
import { recordSlo } from './slo-budget.ts';
import type {
  Decision,
  EpochMs,
  LagSnapshot,
  LastAction,
  Millis,
  Observations,
  ScalerState,
  ServiceSnapshot,
} from './types.ts';

/**
 * How much shorter than a full window (or cooldown) a span may be and still cover it:
 * scheduled invocations jitter by a few seconds, so a 5-minute window sampled every minute
 * may span 4 min 59 s.
 */
export const windowSlack = (windowMs: Millis): Millis => Math.min(windowMs * 0.1, 10_000);

/** History older than this many longest-windows is dropped (lag seconds interpolate on it). */
const KEEP_WINDOWS = 2;
/** At most this many samples of each kind: bounds the stored item whatever the cadence. */
const MAX_SAMPLES = 500;
const latest = <S>(samples: readonly S[]): readonly S[] =>
  samples.length > MAX_SAMPLES ? samples.slice(-MAX_SAMPLES) : samples;

/**
 * How long `holds` has been true without interruption up to the newest sample, counted from
 * the first sample of that run (and not before `notBefore`). 0 when the newest sample fails.
 * Two samples further apart than `maxGapMs` also interrupt the run: time nobody observed is
 * missing data, and missing data never counts as a signal that held.
 */
export function heldFor<S extends { at: EpochMs }>(
  samples: readonly S[],
  holds: (s: S) => boolean,
  now: EpochMs,
  maxGapMs: Millis,
  notBefore: EpochMs = Number.NEGATIVE_INFINITY,
): Millis {
  let start: EpochMs | undefined;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i]!;
    if (s.at < notBefore || !holds(s)) break;
    if (start !== undefined && start - s.at > maxGapMs) break;
    start = s.at;
  }
  return start === undefined ? 0 : now - start;
}

/**
 * The longest gap between two samples of a series taken every `intervalMs` that a sustain
 * window bridges: half the window, so a window is judged on at least three observations spread
 * across it (one missed step of a 5-minute window is tolerated, a 15-minute silence is not). A
 * window of one or two intervals is judged on consecutive readings instead (a gap of up to one
 * interval plus the jitter allowance, and never more than the window plus it): the shortest
 * window a cadence can see spans two of them, and a missed step breaks it. Lag is sampled at
 * every control step (LAGPILOT_STEP_INTERVAL), CPU/memory once a minute (CloudWatch's period).
 */
export const maxSampleGap = (windowMs: Millis, intervalMs: Millis): Millis =>
  Math.max(windowMs / 2, Math.min(windowMs, intervalMs) + windowSlack(windowMs));

/** True when `held` covers the window (allowing for invocation jitter). */
export const covers = (held: Millis, windowMs: Millis): boolean =>
  held > 0 && held >= windowMs - windowSlack(windowMs);

/** The state after this step: new samples, trimmed history, partition tracks, the action taken. */
export function recordStep(
  rules: ScalingRules,
  obs: Observations,
  decision: Decision,
  now: EpochMs,
): ScalerState {
  const state = obs.state;
  const horizon = now - KEEP_WINDOWS * Math.max(rules.upWindowMs, rules.downWindowMs);
  const m = decision.measures;
  const samples = latest(
    [
      ...state.samples,
      { at: now, totalLag: m.totalLag, scalingLag: m.scalingLag, endSum: m.endSum },
    ].filter((s) => s.at >= horizon),
  );
  const resources = latest(
    within(
      mergeResources(state.resources, obs.resources.ok ? obs.resources.value : []),
      horizon,
      now,
    ),
  );

  const lag = obs.lag.ok ? obs.lag.value : null;
  const service = obs.service.ok ? obs.service.value : null;
  let lastAction = actionAfter(state.lastAction, decision, lag, service, now);
  const settledNow = lag !== null && service !== null && isSettled(lag, service);
  const start = recordStart(
    state.starts,
    decision.action === 'hold' ? state.lastAction : null,
    service?.running ?? null,
    settledNow,
    now,
  );
  if (start.measured && lastAction) lastAction = { ...lastAction, startMeasured: true };
  return {
    samples,
    resources,
    partitions: lag ? trackPartitions(state.partitions, lag) : state.partitions,
    partitionCount: lag ? lag.partitionCount : state.partitionCount,
    lastAction,
    capacity: learn(state.capacity, m.capacitySample, service?.taskDefinition ?? null),
    recurring: rules.prescaleLeadMs > 0 ? recordRate(state.recurring, now, m.produceRate) : [],
    // Kept with pre-scaling off too: the budget floor reads the recent hours' peaks.
    weekly: recordWeekRate(state.weekly, now, m.produceRate),
    quietRises: recordQuietRise(
      state.quietRises,
      now,
      m.produceRate,
      m.reaction.horizonMs,
      TIME_OF_DAY_DAYS,
    ),
    starts: start.starts,
    slo: recordSlo(state.slo, now, m.lagSeconds, rules.lagSloMs),
  };
}

/**
 * The last action after this step: a new one, the scale-up a trim amends (its cooldown and start
 * measurement stay the scale-up's), or the same one, settled once the group is.
 */
function actionAfter(
  last: LastAction | null,
  decision: Decision,
  lag: LagSnapshot | null,
  service: ServiceSnapshot | null,
  now: EpochMs,
): LastAction | null {
  const m = decision.measures;
  if (decision.cause.rule === 'trim' && last) return { ...last, to: decision.to };
  if (decision.action !== 'hold') {
    const sized = decision.cause.rule === 'up' && decision.sizing;
    return {
      action: decision.action,
      from: decision.from,
      to: decision.to,
      at: now,
      settled: false,
      ...(sized && m.produceRate !== null && sized.produceRate > m.produceRate
        ? { sizedNow: m.produceRate }
        : {}),
    };
  }
  const settles =
    last &&
    !last.settled &&
    lag &&
    service &&
    // At the action's count: a group stable without the tasks still starting settles again when
    // they join (a pause a capacity sample must not span).
    service.running === service.desired &&
    isSettled(lag, service);
  return settles ? { ...last, settled: true } : last;
}

/** The fleet has settled: the group is stable with a member for every running task (or both are empty). */
export function isSettled(lag: LagSnapshot, service: ServiceSnapshot): boolean {
  if (service.running === 0) return lag.group.members === 0;
  return lag.group.state === 'Stable' && lag.group.members >= service.running;
}
