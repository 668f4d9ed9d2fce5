/**
 * The signals the rules judge: which scale-up triggers crossed their thresholds and for how
 * long, the rate trigger once the per-task capacity is known, and the calm a scale-down needs.
 * Pure; the windows are judged on the kept history plus this step's sample.
 */

import { type Capacity, groupCapacity } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { count, duration, heldOf, percent, rate, tasksThat } from './format.ts';
import { covers, heldFor, isSettled, maxSampleGap } from './history.ts';
import { mergeResources, RESOURCE_PERIOD_MS, RESOURCE_STALE_MS } from './measure.ts';
import type {
  EpochMs,
  LagSample,
  Measures,
  Millis,
  Observations,
  Partitions,
  ResourceSample,
  ServiceSnapshot,
  TaskCount,
} from './types.ts';

/** A signal that crossed its threshold, with how long it has held. */
export interface Signal {
  kind: 'lag' | 'rate' | 'cpu' | 'memory';
  text: string;
  held: number;
  windowMs: number;
}

export const sentence = (s: Signal): string => `${s.text} for ${heldOf(s.held, s.windowMs)}`;

/** How long the value `pick` reads has been present and passed `test` (see heldFor). */
function heldWhile<S extends { at: EpochMs }>(
  samples: readonly S[],
  pick: (s: S) => number | null,
  test: (v: number) => boolean,
  now: EpochMs,
  windowMs: Millis,
  intervalMs: Millis,
  since?: EpochMs,
): Millis {
  return heldFor(
    samples,
    (s) => {
      const v = pick(s);
      return v !== null && test(v);
    },
    now,
    maxSampleGap(windowMs, intervalMs),
    since,
  );
}

/** The signals above their scale-up thresholds, each with how long it has stayed above. */
export function upSignals(
  rules: ScalingRules,
  lagSamples: readonly LagSample[],
  resources: readonly ResourceSample[],
  m: Measures,
  now: EpochMs,
): Signal[] {
  const signals: Signal[] = [];
  const check = <S extends { at: EpochMs }>(
    kind: Signal['kind'],
    value: number | null,
    high: number,
    show: (n: number) => string,
    samples: readonly S[],
    pick: (s: S) => number | null,
    intervalMs: Millis,
  ) => {
    if (value === null || value <= high) return;
    const held = heldWhile(samples, pick, (v) => v > high, now, rules.upWindowMs, intervalMs);
    signals.push({
      kind,
      text: `${kind} ${show(value)} > ${show(high)}`,
      held,
      windowMs: rules.upWindowMs,
    });
  };
  check(
    'lag',
    m.scalingLag,
    rules.lagHigh,
    count,
    lagSamples,
    (s) => s.scalingLag,
    rules.stepIntervalMs,
  );
  check('cpu', m.cpu, rules.cpuHigh, percent, resources, (s) => s.cpu, RESOURCE_PERIOD_MS);
  check(
    'memory',
    m.memory,
    rules.memoryHigh,
    percent,
    resources,
    (s) => s.memory,
    RESOURCE_PERIOD_MS,
  );
  return signals;
}

/**
 * The rate trigger, once the per-task capacity is known: the current count cannot carry the
 * produce rate × headroom plus the backlog within the SLO, with a backlog above LAGPILOT_LAG_LOW
 * on two consecutive readings — or on one, when by the next reading the backlog would be more
 * than the SLO's worth of what the current count consumes. Faster than the guide's
 * message-count window, because the sizing it leads to is measured rather than guessed.
 */
export function capacityShort(
  rules: ScalingRules,
  partitions: Partitions | null,
  current: TaskCount,
  lagSamples: readonly LagSample[],
  m: Measures,
  capacity: Capacity | null,
  now: EpochMs,
): Signal | undefined {
  if (!capacity || m.produceRate === null || m.scalingLag === null) return undefined;
  if (m.scalingLag <= rules.lagLow) return undefined;
  const need = m.produceRate * rules.headroom + m.scalingLag / (rules.lagSloMs / 1000);
  const carried = groupCapacity(capacity.perTask, partitions, current);
  if (need <= carried) return undefined;
  const held = heldWhile(
    lagSamples,
    (s) => s.scalingLag,
    (v) => v > rules.lagLow,
    now,
    rules.stepIntervalMs,
    rules.stepIntervalMs,
  );
  const text = `produce and backlog need ${rate(need)} > ${rate(carried)} that ${tasksThat(current, 'carry')}`;
  // Waiting for a second reading costs a step; when the backlog would by then be more than the
  // SLO's worth of the fleet's work, one reading is enough.
  const stepS = rules.stepIntervalMs / 1000;
  const projected = m.scalingLag + Math.max(0, m.produceRate - carried) * stepS;
  const ageS = projected / carried;
  if (ageS * 1000 >= rules.lagSloMs) {
    return {
      kind: 'rate',
      text: `${text}, backlog ${duration(ageS * 1000)} of work by the next reading`,
      held: rules.stepIntervalMs,
      windowMs: rules.stepIntervalMs,
    };
  }
  return { kind: 'rate', text, held, windowMs: rules.stepIntervalMs };
}

/** The calm signals (all needed for a scale-down), or what is missing / not calm. */
export function downSignals(
  rules: ScalingRules,
  lagSamples: readonly LagSample[],
  resources: readonly ResourceSample[],
  m: Measures,
  now: EpochMs,
  since: EpochMs,
): { calm: Signal[]; blockers: string[] } {
  const calm: Signal[] = [];
  const blockers: string[] = [];
  const w = rules.downWindowMs;
  const check = <S extends { at: EpochMs }>(
    name: Signal['kind'],
    value: number | null,
    low: number,
    show: (n: number) => string,
    samples: readonly S[],
    pick: (s: S) => number | null,
    intervalMs: Millis,
  ) => {
    if (value === null) {
      blockers.push(`${name} unknown`);
    } else if (value >= low) {
      blockers.push(`${name} ${show(value)} ≥ ${show(low)}`);
    } else {
      const held = heldWhile(samples, pick, (v) => v < low, now, w, intervalMs, since);
      calm.push({ kind: name, text: `${name} ${show(value)} < ${show(low)}`, held, windowMs: w });
    }
  };
  check(
    'lag',
    m.totalLag,
    rules.lagLow,
    count,
    lagSamples,
    (s) => s.totalLag,
    rules.stepIntervalMs,
  );
  check('cpu', m.cpu, rules.cpuLow, percent, resources, (s) => s.cpu, RESOURCE_PERIOD_MS);
  check(
    'memory',
    m.memory,
    rules.memoryLow,
    percent,
    resources,
    (s) => s.memory,
    RESOURCE_PERIOD_MS,
  );
  return { calm, blockers };
}

/** The history plus this step's sample, and the CPU/memory series unless stale. */
export function series(obs: Observations, m: Measures, now: EpochMs) {
  const lagSamples: LagSample[] = [
    ...obs.state.samples.filter((s) => s.at < now),
    { at: now, totalLag: m.totalLag, scalingLag: m.scalingLag, endSum: m.endSum },
  ];
  const resources = obs.resources.ok
    ? mergeResources(obs.state.resources, obs.resources.value).filter((s) => s.at <= now)
    : [];
  const newest = resources.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  return { lagSamples, resources: newest >= now - RESOURCE_STALE_MS ? resources : [] };
}

/** Why no rule may be judged this step (a rolling deployment, tasks not started, cooldowns, rebalancing). */
export function holdReasons(
  rules: ScalingRules,
  obs: Observations,
  service: ServiceSnapshot,
  now: EpochMs,
): string[] {
  const reasons: string[] = [];
  if (service.deploying) reasons.push('a deployment is rolling');
  if (service.running < service.desired) {
    reasons.push(
      `${service.running} of ${service.desired} tasks running (${service.pending} pending): not adding to tasks that do not start`,
    );
  }
  const last = obs.state.lastAction;
  if (last) {
    const cooldown = last.action === 'up' ? rules.upCooldownMs : rules.downCooldownMs;
    const since = now - last.at;
    // The same jitter allowance as the windows: a 3-minute cooldown is over at 2 min 59 s.
    if (!covers(since, cooldown) && cooldown > 0) {
      reasons.push(
        `cooldown after scale ${last.action} ${last.from}→${last.to} ${duration(since)} ago (${duration(cooldown)})`,
      );
    }
  }
  if (obs.lag.ok) {
    const group = obs.lag.value.group;
    if (group.state === 'PreparingRebalance' || group.state === 'CompletingRebalance') {
      reasons.push(`consumer group is rebalancing (${group.state})`);
    } else if (last && !last.settled && !isSettled(obs.lag.value, service)) {
      reasons.push(
        `group not settled since scale ${last.action} ${last.from}→${last.to}: ${group.members} members (${group.state}) for ${service.running} running tasks`,
      );
    }
  }
  return reasons;
}
