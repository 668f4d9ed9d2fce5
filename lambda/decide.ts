/**
 * The scaling rules, in one pure function: decide(rules, observations, now) → Decision.
 * No I/O and no clock of its own; the history the windows need comes in with the observations.
 *
 * Order of judgment:
 *   1. bounds — a desired count outside [min, cap] is corrected at once;
 *   2. holds — service unknown, deployment rolling, tasks not running, cooldown, group
 *      rebalancing or not yet settled after the last action;
 *   3. scale up when ANY present signal (lag without stalled partitions, CPU, memory) stayed
 *      above its threshold for the whole up-window;
 *   4. scale down when ALL signals are present and stayed below their thresholds for the whole
 *      down-window, counted from the last action (calm must hold at the current size): to the
 *      smallest count whose projected CPU stays under LAGPILOT_CPU_LOW (`fit`), or −1 / ÷2;
 *   5. otherwise hold, saying how close each rule is.
 */

import type { ScalingRules } from './config.ts';
import { busiestShare, countsBelow, downTarget, stepDown, stepUp, upLimit } from './counts.ts';
import { count, duration, heldOf, percent, rate, tasksThat } from './format.ts';
import { covers, heldFor, isSettled, maxSampleGap } from './history.ts';
import { measure, mergeResources, RESOURCE_PERIOD_MS, RESOURCE_STALE_MS } from './measure.ts';
import type {
  Decision,
  Diagnosis,
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

/** A signal that crossed its threshold, with how long it has held. */
interface Signal {
  kind: 'lag' | 'cpu' | 'memory';
  text: string;
  held: number;
  windowMs: number;
}

const sentence = (s: Signal): string => `${s.text} for ${heldOf(s.held, s.windowMs)}`;

function describeDiagnosis(d: Diagnosis): string {
  const where = `partition ${d.topic}/${d.partition}`;
  if (d.kind === 'stalled') {
    return `${where} stalled: lag ${count(d.lag)}, committed offset unchanged for ${d.steps} steps (poison message or stuck consumer); its lag no longer counts toward scale-up`;
  }
  const share = `${Math.round(d.share * 100)}%`;
  return d.ownWorker
    ? `${where} is hot: ${share} of the lag (${count(d.lag)}) and it already has a worker of its own; more workers cannot drain it`
    : `${where} is hot: ${share} of the lag (${count(d.lag)}); more workers help only until it has a worker of its own`;
}

function holdReasons(
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
function upSignals(
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

/** The calm signals (all needed for a scale-down), or what is missing / not calm. */
function downSignals(
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

type Verdict = Pick<Decision, 'action' | 'to' | 'reasons'>;

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

function scaleUp(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  fired: readonly Signal[],
  m: Measures,
): Verdict {
  const limit = upLimit(rules, current);
  const needed = fired.some((s) => s.kind === 'lag') ? tasksForLag(rules, m) : null;
  const why = fired.map(sentence).join(', ');
  // Saturated workers draining a backlog run hot, so CPU firing with lag is no reason of its
  // own; memory is, since draining faster does not relieve it.
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
      ? `step up to ×${rules.upFactor} (${limit})`
      : `rate-based step: ${drains(rules, needed, m)}; limit ×${rules.upFactor} (${limit})`;
  return {
    action: 'up',
    to,
    reasons: [`scale ${current}→${to}: ${why}; ${capNote(bounds)}`, step],
  };
}

/** The growth of the log beyond what the group consumes now (≥ 1; 1 when unmeasured). */
function growthOf(m: Measures): number {
  if (m.produceRate === null || m.consumeRate === null || m.consumeRate <= 0) return 1;
  return Math.max(1, m.produceRate / m.consumeRate);
}

/**
 * Right-sized scale-down (`fit`): the smallest count whose projected CPU stays at or under
 * `LAGPILOT_CPU_LOW`. The busiest worker's load grows with the partitions it owns, so the
 * projection is the highest CPU seen over the down-window × ceil(P/n′)/ceil(P/n), times how
 * much faster the log grows than the group consumes (capacity against the produce rate).
 */
function rightSized(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  peakCpu: number,
  m: Measures,
): { to: TaskCount; step: string } {
  const partitions = bounds.partitions ?? current;
  const growth = growthOf(m);
  const projected = (n: TaskCount) =>
    (peakCpu * growth * busiestShare(partitions, n)) / busiestShare(partitions, current);
  const basis = `peak cpu ${percent(peakCpu)} over the window${growth > 1 ? `, produce/consume ×${growth.toFixed(2)}` : ''}`;
  let to = current;
  for (const n of countsBelow(rules, current, bounds.floor, bounds.partitions)) {
    if (projected(n) > rules.cpuLow) {
      const fits =
        to < current ? `${tasksThat(to, 'project')} cpu ${percent(projected(to))}; ` : '';
      return {
        to,
        step: `right-sized (${basis}): ${fits}${n} would project ${percent(projected(n))} > ${percent(rules.cpuLow)}`,
      };
    }
    to = n;
  }
  return {
    to,
    step: `right-sized (${basis}): ${tasksThat(to, 'project')} cpu ${percent(projected(to))} ≤ ${percent(rules.cpuLow)}; min ${rules.minTasks}`,
  };
}

function scaleDown(
  rules: ScalingRules,
  bounds: Bounds,
  current: TaskCount,
  calm: readonly Signal[],
  calmFor: number,
  peakCpu: number,
  m: Measures,
): Verdict {
  const why = `${calm.map((s) => s.text).join(', ')} for ${heldOf(calmFor, rules.downWindowMs)}`;
  const { to, step } =
    rules.downStep === 'fit'
      ? rightSized(rules, bounds, current, peakCpu, m)
      : {
          to: stepDown(
            rules,
            current,
            downTarget(rules.downStep, current),
            bounds.floor,
            bounds.partitions,
          ),
          step: `step down ${rules.downStep === 'one' ? 'by one' : 'by half'}`,
        };
  if (to >= current) {
    return holdAt(
      current,
      current <= bounds.floor ? `${why}; at the minimum ${rules.minTasks}` : `${why}; ${step}`,
    );
  }
  return {
    action: 'down',
    to,
    reasons: [`scale ${current}→${to}: ${why}; min ${rules.minTasks}`, step],
  };
}

/** The highest CPU over the down-window since the last action (the calm samples). */
function peakCpuOf(
  resources: readonly ResourceSample[],
  m: Measures,
  now: EpochMs,
  windowMs: Millis,
  since: EpochMs,
): number {
  const from = Math.max(since, now - windowMs);
  const seen = resources.filter((s) => s.at >= from).map((s) => s.cpu ?? 0);
  return Math.max(m.cpu ?? 0, ...seen);
}

/** The history plus this step's sample, and the CPU/memory series unless stale. */
function series(obs: Observations, m: Measures, now: EpochMs) {
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

/** Steps 2–5 for a service that was observed and is within bounds. */
function judge(
  rules: ScalingRules,
  obs: Observations,
  bounds: Bounds,
  service: ServiceSnapshot,
  m: Measures,
  now: EpochMs,
): Verdict {
  const current = service.desired;
  const holds = holdReasons(rules, obs, service, now);
  if (holds.length > 0) return holdAt(current, holds.join('; '));

  const { lagSamples, resources } = series(obs, m, now);
  const up = upSignals(rules, lagSamples, resources, m, now);
  const fired = up.filter((s) => covers(s.held, s.windowMs));
  if (fired.length > 0) return scaleUp(rules, bounds, current, fired, m);

  const since = obs.state.lastAction?.at ?? Number.NEGATIVE_INFINITY;
  const down = downSignals(rules, lagSamples, resources, m, now, since);
  const calmFor = Math.min(...down.calm.map((s) => s.held));
  if (down.blockers.length === 0 && covers(calmFor, rules.downWindowMs)) {
    const peakCpu = peakCpuOf(resources, m, now, rules.downWindowMs, since);
    return scaleDown(rules, bounds, current, down.calm, calmFor, peakCpu, m);
  }
  if (up.length > 0) return holdAt(current, up.map(sentence).join(', '));
  if (down.blockers.length === 0) {
    const calm = down.calm.map((s) => s.text).join(', ');
    return holdAt(current, `calm for ${heldOf(calmFor, rules.downWindowMs)} (${calm})`);
  }
  return holdAt(current, `no scale-up signal; no scale-down while ${down.blockers.join(', ')}`);
}

export function decide(rules: ScalingRules, obs: Observations, now: EpochMs): Decision {
  const { measures, diagnoses } = measure(rules, obs, now);
  const notes = [...observationNotes(obs), ...diagnoses.map(describeDiagnosis)];
  const bounds = boundsOf(rules, obs);
  const decision = (from: TaskCount, verdict: Verdict, applied: Bounds = bounds): Decision => ({
    ...verdict,
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
  return decision(service.desired, judge(rules, obs, bounds, service, measures, now));
}
