/**
 * Figures derived from one step's observations and the kept history: lag totals, rates, lag in
 * seconds, and the stalled / hot partition diagnoses. Pure.
 */

import { type Capacity, capacityOf, capacitySample, learn } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { lastCallOn } from './memo.ts';
import { reactionOf } from './reaction.ts';
import { budgetOf, peakSinceLastS, recordSlo } from './slo-budget.ts';
import type {
  Diagnosis,
  EpochMs,
  LagSample,
  LagSnapshot,
  Measures,
  Observations,
  PartitionTrack,
  ResourceSample,
  ScalerState,
} from './types.ts';

/** A resource sample older than this is treated as missing (CloudWatch lags by 1–3 min). */
export const RESOURCE_STALE_MS = 5 * 60_000;
/** CPU/memory come as CloudWatch datapoints of this period, whatever the step cadence. */
export const RESOURCE_PERIOD_MS = 60_000;

/** A partition holding at least this share of the total lag is hot. */
export const HOT_SHARE = 0.5;

export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Where a consumer without a usable committed offset starts (its auto.offset.reset). */
export type OffsetReset = 'earliest' | 'latest';

/**
 * Messages behind on one partition, never negative: end − committed when the committed offset
 * lies within [log start, end]; otherwise (never committed, below the log start, past the end)
 * what the consumer's reset would read: the whole retained log (earliest) or nothing (latest).
 */
export function partitionLag(
  committed: number | null,
  end: number,
  start: number,
  reset: OffsetReset,
): number {
  if (committed === null || committed < start || committed > end) {
    return reset === 'earliest' ? Math.max(0, end - start) : 0;
  }
  return end - committed;
}

/** A group whose members are actually consuming: only then can a frozen offset mean a stall. */
const isLive = (lag: LagSnapshot): boolean => lag.group.state === 'Stable' && lag.group.members > 0;

/**
 * Per-partition tracks after this step: a partition's `still` counter grows while its
 * committed offset stays put with lag > 0 in a live group, and resets when it moves. While
 * the group is not live (empty, rebalancing) the counters are left as they are: a fleet
 * scaled to zero is absent capacity, not a stall.
 */
export const trackPartitions = lastCallOn(function trackPartitions(
  previous: Record<string, PartitionTrack>,
  lag: LagSnapshot,
): Record<string, PartitionTrack> {
  const live = isLive(lag);
  const tracks: Record<string, PartitionTrack> = {};
  for (const p of lag.partitions) {
    const key = partitionKey(p.topic, p.partition);
    const before = previous[key];
    let still = 0;
    if (before && p.lag > 0 && before.committed === p.committed) {
      still = live ? before.still + 1 : before.still;
    }
    tracks[key] = { committed: p.committed, end: p.end, still };
  }
  return tracks;
});

const byTime = (a: ResourceSample, b: ResourceSample): number => a.at - b.at;
const sameSample = (a: ResourceSample, b: ResourceSample): boolean =>
  a.at === b.at && a.cpu === b.cpu && a.memory === b.memory;

/**
 * Resource samples from the state and this step, one per timestamp (newest value wins), oldest
 * first. `kept` is oldest first already (it is always a result of this function); when `fresh`
 * adds or changes nothing — most steps re-read datapoints already kept — `kept` itself is
 * returned, so a step's history costs no copy.
 */
export function mergeResources(
  kept: readonly ResourceSample[],
  fresh: readonly ResourceSample[],
): readonly ResourceSample[] {
  const sorted = fresh.every((s, i) => i === 0 || fresh[i - 1]!.at <= s.at);
  // A stable sort keeps duplicates in arrival order, so the newest value comes last among equals.
  const incoming = sorted ? fresh : [...fresh].sort(byTime);
  const merged: ResourceSample[] = [];
  let changed = false;
  let i = 0;
  let j = 0;
  while (i < kept.length || j < incoming.length) {
    // Of several fresh samples at one timestamp, the last one wins.
    while (j + 1 < incoming.length && incoming[j + 1]!.at === incoming[j]!.at) j++;
    const k = kept[i];
    const f = incoming[j];
    if (f === undefined || (k !== undefined && k.at < f.at)) {
      merged.push(k!);
      i++;
    } else if (k === undefined || f.at < k.at) {
      merged.push(f);
      changed = true;
      j++;
    } else {
      if (!sameSample(k, f)) changed = true;
      merged.push(sameSample(k, f) ? k : f);
      i++;
      j++;
    }
  }
  return changed ? merged : kept;
}

/** The samples within [from, to]; the same array when all of them are (no copy). */
export function within(
  samples: readonly ResourceSample[],
  from: EpochMs,
  to: EpochMs = Number.POSITIVE_INFINITY,
): readonly ResourceSample[] {
  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || (first.at >= from && last!.at <= to)) return samples;
  return samples.filter((s) => s.at >= from && s.at <= to);
}

/**
 * Seconds the group is behind: when did the log end last stand where the group's position
 * stands now? Interpolated on the kept log-end points (sum over partitions, one per step), as
 * Kafka Lag Exporter does per partition; before the oldest point, extrapolated at the average
 * produce rate over the history. Null when there is no history or nothing was produced.
 */
export function lagSeconds(
  samples: readonly LagSample[],
  now: EpochMs,
  endSum: number,
  totalLag: number,
): number | null {
  if (totalLag === 0) return 0;
  const points = samples
    .filter((s): s is LagSample & { endSum: number } => s.endSum !== null && s.at < now)
    .map((s) => ({ at: s.at, end: s.endSum }));
  points.push({ at: now, end: endSum });
  const position = endSum - totalLag;
  for (let i = points.length - 1; i > 0; i--) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (a.end <= position && position < b.end) {
      const at = a.at + ((position - a.end) / (b.end - a.end)) * (b.at - a.at);
      return (now - at) / 1000;
    }
  }
  const oldest = points[0]!;
  const span = now - oldest.at;
  if (span <= 0 || endSum <= oldest.end) return null;
  const perMs = (endSum - oldest.end) / span;
  return (now - oldest.at + (oldest.end - position) / perMs) / 1000;
}

/** Messages per second between the previous sample and now; null if unknown or negative. */
function ratesSince(
  samples: readonly LagSample[],
  now: EpochMs,
  endSum: number,
  totalLag: number,
): { produceRate: number | null; consumeRate: number | null } {
  const previous = samples.findLast((s) => s.endSum !== null && s.totalLag !== null && s.at < now);
  if (!previous || previous.endSum === null || previous.totalLag === null) {
    return { produceRate: null, consumeRate: null };
  }
  const seconds = (now - previous.at) / 1000;
  const produced = endSum - previous.endSum;
  const consumed = endSum - totalLag - (previous.endSum - previous.totalLag);
  return {
    produceRate: produced >= 0 ? produced / seconds : null,
    consumeRate: consumed >= 0 ? consumed / seconds : null,
  };
}

function diagnose(
  rules: ScalingRules,
  lag: LagSnapshot,
  tracks: Record<string, PartitionTrack>,
  totalLag: number,
  desired: number | null,
): Diagnosis[] {
  const diagnoses: Diagnosis[] = [];
  const stalled = new Set<string>();
  for (const p of lag.partitions) {
    const key = partitionKey(p.topic, p.partition);
    const steps = tracks[key]?.still ?? 0;
    if (p.lag > 0 && steps >= rules.stallSteps) {
      stalled.add(key);
      diagnoses.push({
        kind: 'stalled',
        topic: p.topic,
        partition: p.partition,
        lag: p.lag,
        steps,
      });
    }
  }
  const hottest = lag.partitions.reduce<(typeof lag.partitions)[number] | undefined>(
    (best, p) => (best === undefined || p.lag > best.lag ? p : best),
    undefined,
  );
  if (
    hottest &&
    totalLag > rules.lagLow &&
    hottest.lag / totalLag >= HOT_SHARE &&
    !stalled.has(partitionKey(hottest.topic, hottest.partition))
  ) {
    diagnoses.push({
      kind: 'hot',
      topic: hottest.topic,
      partition: hottest.partition,
      lag: hottest.lag,
      share: hottest.lag / totalLag,
      ownWorker: desired !== null && desired >= lag.partitionCount,
    });
  }
  return diagnoses;
}

/** This step's capacity sample, and the per-task capacity the sizing uses after it. */
function withCapacity(
  rules: ScalingRules,
  obs: Observations,
  m: Measures,
  diagnoses: Diagnosis[],
  now: EpochMs,
): { measures: Measures; diagnoses: Diagnosis[]; capacity: Capacity | null } {
  const sample = capacitySample(rules, obs, m, diagnoses, now);
  const taskDefinition = obs.service.ok ? (obs.service.value.taskDefinition ?? null) : null;
  const capacity = capacityOf(rules, learn(obs.state.capacity, sample, taskDefinition));
  return {
    measures: { ...m, capacitySample: sample, taskCapacity: capacity?.perTask ?? null },
    diagnoses,
    capacity,
  };
}

/** Everything the rules and the report need from this step, plus the diagnoses and capacity. */
export function measure(
  rules: ScalingRules,
  obs: Observations,
  now: EpochMs,
): { measures: Measures; diagnoses: Diagnosis[]; capacity: Capacity | null } {
  const state: ScalerState = obs.state;
  const resources = obs.resources.ok
    ? within(mergeResources([], obs.resources.value), now - RESOURCE_STALE_MS)
    : [];
  const latest = resources.at(-1);
  const service = obs.service.ok ? obs.service.value : null;
  const base: Measures = {
    totalLag: null,
    scalingLag: null,
    maxPartitionLag: null,
    lagSeconds: null,
    produceRate: null,
    consumeRate: null,
    partitions: null,
    cpu: latest?.cpu ?? null,
    memory: latest?.memory ?? null,
    endSum: null,
    running: service?.running ?? null,
    capacitySample: null,
    taskCapacity: null,
    reaction: reactionOf(rules, state.starts),
    budget: { breached: null, attainment: null, burn: null, floor: null, floorRate: null },
  };
  if (!obs.lag.ok) {
    const budget = {
      ...budgetOf(rules, state, base.reaction, now, null),
      breached: null,
      floor: null,
    };
    return withCapacity(rules, obs, { ...base, budget }, [], now);
  }

  const lag = obs.lag.value;
  const totalLag = lag.partitions.reduce((sum, p) => sum + p.lag, 0);
  const endSum = lag.partitions.reduce((sum, p) => sum + p.end, 0);
  const tracks = trackPartitions(state.partitions, lag);
  const diagnoses = diagnose(rules, lag, tracks, totalLag, service?.desired ?? null);
  const stalledLag = diagnoses.reduce((sum, d) => (d.kind === 'stalled' ? sum + d.lag : sum), 0);
  const ageS = lagSeconds(state.samples, now, endSum, totalLag);
  // This step's own minute counts toward the budget it judges.
  const slo = recordSlo(state.slo, now, ageS, rules.lagSloMs);
  const rates = ratesSince(state.samples, now, endSum, totalLag);
  const measures: Measures = {
    ...base,
    budget: {
      ...budgetOf(rules, { ...state, slo }, base.reaction, now, rates.produceRate),
      breached: ageS === null ? null : peakSinceLastS(state.slo, now, ageS) * 1000 > rules.lagSloMs,
      floor: null,
    },
    totalLag,
    scalingLag: totalLag - stalledLag,
    maxPartitionLag: lag.partitions.reduce((max, p) => Math.max(max, p.lag), 0),
    lagSeconds: ageS,
    ...rates,
    partitions: lag.partitionCount,
    endSum,
  };
  return withCapacity(rules, obs, measures, diagnoses, now);
}
