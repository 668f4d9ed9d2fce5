/**
 * The scaling rules, in one pure function: decide(rules, observations, now) → Decision.
 * No I/O and no clock of its own; the history the windows need comes in with the observations.
 * The decision says why as data (cause.ts); explain.ts turns that into sentences.
 *
 * Order of judgment:
 *   1. bounds — a desired count outside [min, cap] is corrected at once;
 *   2. holds — service unknown, deployment rolling, tasks not running, group rebalancing or not
 *      settled after the last action; a cooldown, unless the oldest message is projected past
 *      the SLO before tasks added a step later could consume (signals.ts, capacityShort);
 *   3. scale up when ANY signal (lag, CPU, memory) held above its threshold for the up-window,
 *      or the rate trigger fired: in one step to the count the measured throughput needs;
 *   4. hold the floor of a burning error budget (slo-budget.ts), then pre-scale ahead of a
 *      burst recurring at the same minutes of the last hours or hour of the last weeks;
 *   5. scale down when ALL signals stayed below their thresholds for the down-window since the
 *      last action: never below the count carrying the window's peak produce rate, nor the floor;
 *   6. otherwise hold, with the signals and how long each has held so far.
 */

import { type Bounds, boundsOf } from './bounds.ts';
import { type Capacity, groupCapacity, provisionalCapacity } from './capacity.ts';
import type { Calm, DownStep, Hold, Signal, Unobserved, UpStep } from './cause.ts';
import type { ScalingRules } from './config.ts';
import { downTarget, stepDown, stepUp, upLimit } from './counts.ts';
import { covers, maxSampleGap } from './history.ts';
import { measure } from './measure.ts';
import { capacityShort, downSignals, overridesWaits, series, upSignals, waits } from './signals.ts';
import {
  arrivingBacklog,
  drainOf,
  peakProduceRate,
  recurringSizing,
  sizeFor,
  tasksForLag,
  withinSpread,
} from './sizing.ts';
import { floorSizing } from './slo-budget.ts';
import { trimSizing } from './trim.ts';
import type {
  Decision,
  EpochMs,
  Measures,
  Observations,
  ServiceSnapshot,
  Sizing,
  TaskCount,
} from './types.ts';

function unobservedOf(obs: Observations): Unobserved[] {
  const missing: Unobserved[] = [];
  if (!obs.lag.ok) missing.push({ what: 'lag', error: obs.lag.error });
  if (!obs.resources.ok) missing.push({ what: 'resources', error: obs.resources.error });
  return missing;
}

type Verdict = Pick<Decision, 'action' | 'to' | 'cause'> & { sizing?: Decision['sizing'] };

const holdAt = (current: TaskCount, hold: Hold): Verdict => ({
  action: 'hold',
  to: current,
  cause: { rule: 'hold', hold },
});

/** Bounds first: a count outside [min, cap] is corrected at once, with no signal needed. */
function correction(rules: ScalingRules, bounds: Bounds, current: TaskCount): Verdict | undefined {
  if (current < bounds.floor) {
    return {
      action: 'up',
      to: bounds.floor,
      cause: { rule: 'bounds', bound: 'min', min: rules.minTasks },
    };
  }
  if (current > bounds.cap) {
    return { action: 'down', to: bounds.cap, cause: { rule: 'bounds', bound: 'cap' } };
  }
  return undefined;
}

/** The step up while the per-task capacity is unknown: at most ×LAGPILOT_UP_FACTOR. */
function conservativeUp(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  signals: Signal[],
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
  // Saturated workers draining a backlog run hot (and CPU datapoints trail by minutes), so CPU
  // is no reason of its own while the consumed rate drains the lag; memory is, since draining
  // faster does not relieve it.
  if (needed !== null && needed <= current && signals.every((s) => s.kind !== 'memory')) {
    return holdAt(current, { kind: 'drains', signals, drain: drainOf(rules, current, m) });
  }
  const target = needed === null ? limit : Math.min(limit, Math.max(current + 1, needed));
  const to = stepUp(rules, { current, target, bound: bounds.cap, partitions: bounds.partitions });
  if (to <= current) return holdAt(current, { kind: 'no-useful-count', signals });
  const factor = rules.upFactor;
  const step: UpStep =
    needed === null
      ? { kind: 'factor', factor, limit }
      : overdue
        ? { kind: 'overdue', drain: drainOf(rules, needed, m), factor, sloMs: rules.lagSloMs }
        : { kind: 'drain', drain: drainOf(rules, needed, m), factor, limit };
  return { action: 'up', to, cause: { rule: 'up', signals, step } };
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
  signals: Signal[],
  m: Measures,
  capacity: Capacity | null,
): Verdict {
  const bySize = signals.some((s) => s.kind !== 'memory');
  if (!capacity || !bySize || m.produceRate === null || m.scalingLag === null) {
    return conservativeUp(rules, bounds, current, signals, m);
  }
  const carried = groupCapacity(capacity.perTask, bounds.partitions, current);
  // A projected breach is sized for the rate it projected: a jump at its height, in one action.
  const breach = signals.find((s) => s.kind === 'rate' && s.overdueMs !== null);
  const produceRate = Math.max(m.produceRate, breach?.kind === 'rate' ? breach.rateNow : 0);
  const sizing = sizeFor(
    rules,
    capacity,
    bounds.partitions,
    { produceRate, ...arrivingBacklog(rules, { ...m, produceRate }, carried) },
    bounds.floor,
    bounds.cap,
  );
  // Memory is relieved by more tasks only, whatever the throughput says.
  const memory = signals.some((s) => s.kind === 'memory');
  if (sizing.balanced <= current && !memory) {
    return { ...holdAt(current, { kind: 'sized-enough', signals }), sizing };
  }
  const aging = withinSpread(rules, m, carried, signals);
  if (aging) return { ...holdAt(current, { kind: 'within-spread', signals, ...aging }), sizing };
  const wanted = Math.max(sizing.balanced, current + 1);
  const to = stepUp(rules, {
    current,
    target: wanted,
    bound: bounds.cap,
    partitions: bounds.partitions,
  });
  if (to <= current) return holdAt(current, { kind: 'no-useful-count', signals });
  return { action: 'up', to, cause: { rule: 'up', signals, step: { kind: 'sized' } }, sizing };
}

/**
 * Scale down, never below the smallest balanced count whose per-task capacity carries the
 * peak produce rate of the down-window × headroom. `fit` goes straight there; one / half step
 * toward it. Without a known capacity, `fit` steps down by one, never below the count the
 * samples so far (fewer than planning needs) say the peak needs; with a known capacity but no
 * measured peak (missing samples), it holds.
 */
function scaleDown(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  calm: Calm & { peakProduce: number | null },
  m: Measures,
  capacity: Capacity | null,
  provisional: Capacity | null,
): Verdict {
  const { peakProduce, ...held } = calm;
  if (capacity && peakProduce === null) {
    return holdAt(current, { kind: 'peak-unmeasured', calm: held });
  }
  // Too few samples to plan with still bound the fixed steps: never below what they say.
  const basis = capacity ?? provisional;
  const sizing =
    basis && peakProduce !== null
      ? sizeFor(
          rules,
          basis,
          bounds.partitions,
          { produceRate: peakProduce, backlog: m.scalingLag ?? 0 },
          bounds.floor,
          bounds.cap,
        )
      : null;
  const fixed = rules.downStep === 'fit' ? 'one' : rules.downStep;
  const stepped = stepDown(rules, {
    current,
    target: downTarget(fixed, current),
    bound: bounds.floor,
    partitions: bounds.partitions,
  });
  const to = sizing
    ? capacity && rules.downStep === 'fit'
      ? sizing.balanced
      : Math.max(stepped, sizing.balanced)
    : stepped;
  const step: DownStep =
    sizing && (capacity || to > stepped)
      ? { kind: 'sized' }
      : { kind: 'fixed', step: fixed, capacityUnknown: !capacity && rules.downStep === 'fit' };
  if (to >= current) {
    const hold: Hold =
      current <= bounds.floor
        ? { kind: 'at-minimum', calm: held, min: rules.minTasks }
        : { kind: 'no-lower-count', calm: held, step };
    return { ...holdAt(current, hold), sizing };
  }
  return {
    action: 'down',
    to,
    cause: { rule: 'down', calm: held, min: rules.minTasks, step },
    sizing,
  };
}

/** Pre-scaling ahead of a recurring burst, or null when none is due or it needs no more tasks. */
function prescale(
  rules: ScalingRules,
  obs: Observations,
  bounds: Bounds,
  current: TaskCount,
  m: Measures,
  capacity: Capacity | null,
  now: EpochMs,
) {
  const recurring = recurringSizing(
    rules,
    capacity,
    bounds.partitions,
    obs.state,
    m.produceRate,
    now,
    bounds,
  );
  const verdict: Verdict | null =
    recurring && recurring.sizing.balanced > current
      ? {
          action: 'up',
          to: recurring.sizing.balanced,
          cause: { rule: 'prescale', recurrence: recurring.recurrence },
          sizing: recurring.sizing,
        }
      : null;
  return { recurring, verdict };
}

/** Steps 2–5 for a service that was observed and is within bounds; `floor`: the budget's, if held. */
function judge(
  rules: ScalingRules,
  obs: Observations,
  bounds: Bounds,
  service: ServiceSnapshot,
  m: Measures,
  capacity: Capacity | null,
  floor: Sizing | null,
  now: EpochMs,
): Verdict {
  const current = service.desired;
  const waiting = waits(rules, obs, service, now);
  const history = series(obs, m, now);
  const short = capacityShort(
    rules,
    bounds.partitions,
    current,
    history.lagSamples,
    m,
    capacity,
    now,
  );
  if (waiting.length > 0) {
    const at = { service, m, capacity, bounds, held: floor, lagSamples: history.lagSamples };
    const trim = trimSizing(rules, obs, at, now);
    if (trim) {
      const pending = service.desired - service.running;
      return { action: 'down', to: trim.balanced, cause: { rule: 'trim', pending }, sizing: trim };
    }
    if (short && overridesWaits(short, waiting, obs.state.lastAction, m.reaction, now)) {
      return scaleUp(rules, bounds, current, [short], m, capacity);
    }
    const blocking = waiting.filter((w) => w.kind !== 'cooldown');
    return holdAt(current, { kind: 'waiting', waits: blocking.length > 0 ? blocking : waiting });
  }
  const up = upSignals(rules, history, m, now);
  if (short) up.push(short);
  const fired = up.filter((s) => covers(s.held, s.windowMs));
  if (fired.length > 0) return scaleUp(rules, bounds, current, fired, m, capacity);
  if (floor && floor.balanced > current) {
    const { burn, attainment } = m.budget;
    return {
      action: 'up',
      to: floor.balanced,
      cause: {
        rule: 'floor',
        burn: burn ?? 0,
        attainment: rules.sloAttainment,
        running: attainment,
      },
      sizing: floor,
    };
  }
  const { recurring, verdict } = prescale(rules, obs, bounds, current, m, capacity, now);
  if (verdict) return verdict;

  const since = obs.state.lastAction?.at ?? Number.NEGATIVE_INFINITY;
  const down = downSignals(rules, history, m, now, since);
  const calm: Calm = {
    signals: down.calm,
    forMs: Math.min(...down.calm.map((s) => s.held)),
    windowMs: rules.downWindowMs,
  };
  if (down.blockers.length === 0 && covers(calm.forMs, rules.downWindowMs)) {
    const from = Math.max(since, now - rules.downWindowMs);
    const gap = maxSampleGap(rules.downWindowMs, rules.stepIntervalMs);
    const seen = peakProduceRate(history.lagSamples, from, gap);
    // Never release capacity a recurring burst will need within the lead.
    const peakProduce = seen === null ? null : Math.max(seen, recurring?.sizing.produceRate ?? 0);
    // While the budget burns, the floor it holds is the scale-down's floor too.
    const held = floor ? { ...bounds, floor: Math.max(bounds.floor, floor.balanced) } : bounds;
    const provisional = provisionalCapacity(obs.state.capacity);
    return scaleDown(rules, held, current, { ...calm, peakProduce }, m, capacity, provisional);
  }
  if (up.length > 0) return holdAt(current, { kind: 'not-sustained', signals: up });
  if (down.blockers.length === 0) return holdAt(current, { kind: 'calm-building', calm });
  return holdAt(current, { kind: 'no-signal', blockers: down.blockers });
}

export function decide(rules: ScalingRules, obs: Observations, now: EpochMs): Decision {
  const measured = measure(rules, obs, now);
  const { diagnoses, capacity } = measured;
  const unobserved = unobservedOf(obs);
  const bounds = boundsOf(rules, obs);
  const floor = floorSizing(rules, capacity, measured.measures.budget.floorRate, bounds);
  const measures: Measures = {
    ...measured.measures,
    budget: { ...measured.measures.budget, floor: floor?.balanced ?? null },
  };
  const decision = (from: TaskCount, verdict: Verdict, applied: Bounds = bounds): Decision => ({
    ...verdict,
    sizing: verdict.sizing ?? null,
    from,
    cap: applied.cap,
    capBy: applied.capBy,
    vetoed: null,
    unobserved,
    diagnoses,
    measures,
  });

  if (!obs.service.ok) {
    const known = obs.state.lastAction?.to ?? rules.minTasks;
    const hold: Hold = { kind: 'service-unobserved', error: obs.service.error };
    return decision(known, { action: 'hold', to: known, cause: { rule: 'hold', hold } });
  }
  const service = obs.service.value;
  // Without a lag reading the partition count may be stale, so only max corrects down.
  const correctable: Bounds = obs.lag.ok
    ? bounds
    : { ...bounds, cap: Math.max(bounds.floor, rules.maxTasks), capBy: 'max' };
  const corrected = correction(rules, correctable, service.desired);
  if (corrected) return decision(service.desired, corrected, correctable);
  return decision(
    service.desired,
    judge(rules, obs, bounds, service, measures, capacity, floor, now),
  );
}
