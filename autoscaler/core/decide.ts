/**
 * The scaling rules, in one pure function: decide(rules, observations, now) → Decision.
 * No I/O and no clock of its own; the history the windows need comes in with the observations.
 *
 * Order of judgment:
 *   1. bounds — a desired count outside [min, cap] is corrected at once;
 *   2. holds — service unknown, deployment rolling, tasks not running, cooldown, group
 *      rebalancing or not yet settled after the last action;
 *   3. scale up when ANY present signal (lag without stalled partitions, CPU, memory) stayed
 *      above its threshold for the whole up-window, or the learned capacity cannot carry the
 *      produce rate and backlog: in one step to the count the measured throughput needs;
 *   4. pre-scale ahead of a burst that recurred at the same minutes of the last hours or the
 *      same hour of the last weeks;
 *   5. scale down when ALL signals are present and stayed below their thresholds for the whole
 *      down-window, counted from the last action (calm must hold at the current size): never
 *      below the count whose capacity carries the peak produce rate of the window (`fit`: to
 *      it; one / half: toward it);
 *   6. otherwise hold, saying how close each rule is.
 */

import type { Capacity } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { downTarget, stepDown, stepUp, upLimit } from './counts.ts';
import { duration, heldOf, rate, tasksThat } from './format.ts';
import { covers, maxSampleGap } from './history.ts';
import { describeDiagnosis, measure } from './measure.ts';
import {
  capacityShort,
  downSignals,
  holdReasons,
  type Signal,
  sentence,
  series,
  upSignals,
} from './signals.ts';
import { describeSizing, peakProduceRate, recurringSizing, sizeFor } from './sizing.ts';
import type {
  Decision,
  EpochMs,
  Measures,
  Millis,
  Observations,
  Partitions,
  ServiceSnapshot,
  TaskCount,
} from './types.ts';

interface Bounds {
  floor: TaskCount;
  cap: TaskCount;
  capBy: Decision['capBy'];
  /** Partition count for balancing (the last known one when lag is unobservable). */
  partitions: Partitions | null;
}

/**
 * min ≤ desired ≤ min(max, partitions). When min exceeds the partition count, min wins: it
 * is the operator's floor, and the extra tasks idle as standbys.
 */
function boundsOf(rules: ScalingRules, obs: Observations): Bounds {
  const partitions = obs.lag.ok ? obs.lag.value.partitionCount : obs.state.partitionCount;
  const byPartitions = partitions !== null && partitions <= rules.maxTasks;
  const upper = byPartitions ? partitions : rules.maxTasks;
  if (upper < rules.minTasks) {
    return { floor: rules.minTasks, cap: rules.minTasks, capBy: 'min', partitions };
  }
  return {
    floor: rules.minTasks,
    cap: upper,
    capBy: byPartitions ? 'partitions' : 'max',
    partitions,
  };
}

/**
 * How many tasks the lag needs: enough to absorb the produce rate and drain the backlog
 * within one up-window, at the per-task rate the fleet consumed since the last step (under
 * sustained lag the workers are saturated, so that is their capacity). Null when unmeasured.
 */
function tasksForLag(rules: ScalingRules, m: Measures): TaskCount | null {
  if (m.scalingLag === null || m.produceRate === null || m.consumeRate === null) return null;
  if (m.running === null || m.running === 0 || m.consumeRate <= 0) return null;
  const perTask = m.consumeRate / m.running;
  const needed = m.produceRate + m.scalingLag / Math.max(rules.upWindowMs / 1000, 1);
  return Math.ceil(needed / perTask);
}

/** "4 tasks absorb 200/s and drain the lag within 1 min at 112.5/s per task". */
function drains(rules: ScalingRules, tasks: TaskCount, m: Measures): string {
  const perTask = (m.consumeRate ?? 0) / (m.running ?? 1);
  return `${tasksThat(tasks, 'absorb')} ${rate(m.produceRate ?? 0)} and drain the lag within ${duration(rules.upWindowMs)} at ${rate(perTask)} per task`;
}

function capNote(b: Bounds): string {
  return `cap ${b.cap} (${b.capBy === 'min' ? 'min, above the partition count' : b.capBy})`;
}

function observationNotes(obs: Observations): string[] {
  const notes: string[] = [];
  if (!obs.lag.ok) {
    notes.push(`lag not observed (${obs.lag.error}): no scale-down; scale-up on CPU/memory only`);
  }
  if (!obs.resources.ok) {
    notes.push(`CPU/memory not observed (${obs.resources.error}): no scale-down`);
  }
  return notes;
}

type Verdict = Pick<Decision, 'action' | 'to' | 'reasons'> & { sizing?: Decision['sizing'] };

const holdAt = (current: TaskCount, why: string): Verdict => ({
  action: 'hold',
  to: current,
  reasons: [`hold at ${current}: ${why}`],
});

/** Bounds first: a count outside [min, cap] is corrected at once, with no signal needed. */
function correction(rules: ScalingRules, bounds: Bounds, current: TaskCount): Verdict | undefined {
  if (current < bounds.floor) {
    return {
      action: 'up',
      to: bounds.floor,
      reasons: [`scale ${current}→${bounds.floor}: below the minimum ${rules.minTasks}`],
    };
  }
  if (current > bounds.cap) {
    return {
      action: 'down',
      to: bounds.cap,
      reasons: [`scale ${current}→${bounds.cap}: above the ${capNote(bounds)}`],
    };
  }
  return undefined;
}

/** The step up while the per-task capacity is unknown: at most ×LAGPILOT_UP_FACTOR. */
function conservativeUp(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  fired: readonly Signal[],
  m: Measures,
): Verdict {
  const needed = tasksForLag(rules, m);
  // A backlog worth more than the SLO of what the fleet consumes proves it saturated, so its
  // consumed rate per task is a capacity measure: the ×N limit would only add a breach per step.
  const overdue =
    needed !== null &&
    m.scalingLag !== null &&
    m.consumeRate !== null &&
    m.scalingLag / m.consumeRate >= rules.lagSloMs / 1000;
  const limit = overdue ? bounds.cap : upLimit(rules, current);
  const why = fired.map(sentence).join(', ');
  // Saturated workers draining a backlog run hot (and CPU datapoints trail by minutes), so CPU
  // is no reason of its own while the consumed rate drains the lag; memory is, since draining
  // faster does not relieve it.
  if (needed !== null && needed <= current && fired.every((s) => s.kind !== 'memory')) {
    return holdAt(current, `${why}, but ${drains(rules, current, m)}`);
  }
  const target = needed === null ? limit : Math.min(limit, Math.max(current + 1, needed));
  const to = stepUp(rules, current, target, bounds.cap, bounds.partitions);
  if (to <= current) {
    return holdAt(
      current,
      `${why}, but no useful count above ${current} within the ${capNote(bounds)}`,
    );
  }
  const step =
    needed === null
      ? `step up to ×${rules.upFactor} (${limit}): per-task capacity not known yet`
      : overdue
        ? `rate-based step: ${drains(rules, needed, m)}; no ×${rules.upFactor} limit: the backlog is more than ${duration(rules.lagSloMs)} of the fleet's consumption`
        : `rate-based step: ${drains(rules, needed, m)}; limit ×${rules.upFactor} (${limit}) until the per-task capacity is known`;
  return {
    action: 'up',
    to,
    reasons: [`scale ${current}→${to}: ${why}; ${capNote(bounds)}`, step],
  };
}

/**
 * Scale up. With a known per-task capacity and a lag, rate or CPU trigger: in one step to the
 * smallest balanced count that carries the produce rate × headroom plus the backlog within the
 * SLO (CPU triggers, the throughput sizes). Memory alone, or no capacity yet: conservative steps.
 */
function scaleUp(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  fired: readonly Signal[],
  m: Measures,
  capacity: Capacity | null,
): Verdict {
  const bySize = fired.some((s) => s.kind !== 'memory');
  if (!capacity || !bySize || m.produceRate === null || m.scalingLag === null) {
    return conservativeUp(rules, bounds, current, fired, m);
  }
  const why = fired.map(sentence).join(', ');
  const sizing = sizeFor(
    rules,
    capacity,
    bounds.partitions,
    { produceRate: m.produceRate, backlog: m.scalingLag },
    bounds.floor,
    bounds.cap,
  );
  // Memory is relieved by more tasks only, whatever the throughput says.
  const memory = fired.some((s) => s.kind === 'memory');
  if (sizing.balanced <= current && !memory) {
    return { ...holdAt(current, `${why}, but ${describeSizing(sizing)}`), sizing };
  }
  const to = stepUp(
    rules,
    current,
    Math.max(sizing.balanced, current + 1),
    bounds.cap,
    bounds.partitions,
  );
  if (to <= current) {
    return holdAt(
      current,
      `${why}, but no useful count above ${current} within the ${capNote(bounds)}`,
    );
  }
  return {
    action: 'up',
    to,
    reasons: [`scale ${current}→${to}: ${describeSizing(sizing)}`, `${why}; ${capNote(bounds)}`],
    sizing,
  };
}

/**
 * Scale down, never below the smallest balanced count whose per-task capacity carries the
 * peak produce rate of the down-window × headroom. `fit` goes straight there; one / half step
 * toward it. Without a known capacity, `fit` steps down by one; with a known capacity but no
 * measured peak (missing samples), it holds.
 */
function scaleDown(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  calm: { signals: readonly Signal[]; forMs: Millis; peakProduce: number | null },
  m: Measures,
  capacity: Capacity | null,
): Verdict {
  const why = `${calm.signals.map((s) => s.text).join(', ')} for ${heldOf(calm.forMs, rules.downWindowMs)}`;
  if (capacity && calm.peakProduce === null) {
    return holdAt(current, `${why}; produce rate over the down-window not measured`);
  }
  const sizing =
    capacity && calm.peakProduce !== null
      ? sizeFor(
          rules,
          capacity,
          bounds.partitions,
          { produceRate: calm.peakProduce, backlog: m.scalingLag ?? 0 },
          bounds.floor,
          bounds.cap,
        )
      : null;
  const step = rules.downStep === 'fit' ? 'one' : rules.downStep;
  const stepped = stepDown(
    rules,
    current,
    downTarget(step, current),
    bounds.floor,
    bounds.partitions,
  );
  const to = sizing
    ? rules.downStep === 'fit'
      ? sizing.balanced
      : Math.max(stepped, sizing.balanced)
    : stepped;
  const how = sizing
    ? describeSizing(sizing, 'peak produce')
    : `step down by ${step === 'one' ? 'one' : 'half'}${rules.downStep === 'fit' ? ': per-task capacity not known yet' : ''}`;
  if (to >= current) {
    return {
      ...holdAt(
        current,
        current <= bounds.floor ? `${why}; at the minimum ${rules.minTasks}` : `${why}; ${how}`,
      ),
      sizing,
    };
  }
  return {
    action: 'down',
    to,
    // The sizing is the headline when there is one; otherwise the calm that allowed the step.
    reasons: sizing
      ? [`scale ${current}→${to}: ${how}`, `${why}; min ${rules.minTasks}`]
      : [`scale ${current}→${to}: ${why}; min ${rules.minTasks}`, how],
    sizing,
  };
}

/** Steps 2–5 for a service that was observed and is within bounds. */
function judge(
  rules: ScalingRules,
  obs: Observations,
  bounds: Bounds,
  service: ServiceSnapshot,
  m: Measures,
  capacity: Capacity | null,
  now: EpochMs,
): Verdict {
  const current = service.desired;
  const holds = holdReasons(rules, obs, service, now);
  if (holds.length > 0) return holdAt(current, holds.join('; '));

  const { lagSamples, resources } = series(obs, m, now);
  const up = upSignals(rules, lagSamples, resources, m, now);
  const short = capacityShort(rules, bounds.partitions, current, lagSamples, m, capacity, now);
  if (short) up.push(short);
  const fired = up.filter((s) => covers(s.held, s.windowMs));
  if (fired.length > 0) return scaleUp(rules, bounds, current, fired, m, capacity);
  const recurring = recurringSizing(
    rules,
    capacity,
    bounds.partitions,
    obs.state,
    m.produceRate,
    now,
    bounds,
  );
  if (recurring && recurring.sizing.balanced > current) {
    const { sizing, when } = recurring;
    return {
      action: 'up',
      to: sizing.balanced,
      reasons: [
        `scale ${current}→${sizing.balanced}: ahead of a burst recurring ${when}; ${describeSizing(sizing, 'recurring produce')}`,
      ],
      sizing,
    };
  }

  const since = obs.state.lastAction?.at ?? Number.NEGATIVE_INFINITY;
  const down = downSignals(rules, lagSamples, resources, m, now, since);
  const calmFor = Math.min(...down.calm.map((s) => s.held));
  if (down.blockers.length === 0 && covers(calmFor, rules.downWindowMs)) {
    const from = Math.max(since, now - rules.downWindowMs);
    const gap = maxSampleGap(rules.downWindowMs, rules.stepIntervalMs);
    const seen = peakProduceRate(lagSamples, from, gap);
    // Never release capacity a recurring burst will need within the lead.
    const peakProduce = seen === null ? null : Math.max(seen, recurring?.sizing.produceRate ?? 0);
    const calm = { signals: down.calm, forMs: calmFor, peakProduce };
    return scaleDown(rules, bounds, current, calm, m, capacity);
  }
  if (up.length > 0) return holdAt(current, up.map(sentence).join(', '));
  if (down.blockers.length === 0) {
    const calm = down.calm.map((s) => s.text).join(', ');
    return holdAt(current, `calm for ${heldOf(calmFor, rules.downWindowMs)} (${calm})`);
  }
  return holdAt(current, `no scale-up signal; no scale-down while ${down.blockers.join(', ')}`);
}

export function decide(rules: ScalingRules, obs: Observations, now: EpochMs): Decision {
  const { measures, diagnoses, capacity } = measure(rules, obs, now);
  const notes = [...observationNotes(obs), ...diagnoses.map(describeDiagnosis)];
  const bounds = boundsOf(rules, obs);
  const decision = (from: TaskCount, verdict: Verdict, applied: Bounds = bounds): Decision => ({
    ...verdict,
    sizing: verdict.sizing ?? null,
    from,
    cap: applied.cap,
    capBy: applied.capBy,
    reasons: [...verdict.reasons, ...notes],
    diagnoses,
    measures,
  });

  if (!obs.service.ok) {
    const known = obs.state.lastAction?.to ?? rules.minTasks;
    return decision(known, {
      action: 'hold',
      to: known,
      reasons: [`hold: service not observed (${obs.service.error})`],
    });
  }
  const service = obs.service.value;
  // Without a lag reading the partition count may be stale, so only max corrects down.
  const correctable: Bounds = obs.lag.ok
    ? bounds
    : { ...bounds, cap: Math.max(bounds.floor, rules.maxTasks), capBy: 'max' };
  const corrected = correction(rules, correctable, service.desired);
  if (corrected) return decision(service.desired, corrected, correctable);
  return decision(service.desired, judge(rules, obs, bounds, service, measures, capacity, now));
}
