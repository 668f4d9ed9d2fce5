/**
 * The signals the rules judge: which scale-up triggers crossed their thresholds and for how
 * long, the rate trigger once the per-task capacity is known, and the calm a scale-down needs.
 * Pure; the windows are judged on the kept history plus this step's sample.
 */

import { type Capacity, groupCapacity } from './capacity.ts';
import type { Blocker, RateSignal, Signal, ThresholdSignal, Wait } from './cause.ts';
import type { ScalingRules } from './config.ts';
import { covers, heldFor, isSettled, maxSampleGap } from './history.ts';
import { mergeResources, RESOURCE_PERIOD_MS, RESOURCE_STALE_MS, within } from './measure.ts';
import { projectedAgeS, rateNow } from './reaction.ts';
import type {
  EpochMs,
  LagSample,
  LastAction,
  Measures,
  Millis,
  Observations,
  Partitions,
  Reaction,
  ResourceSample,
  ServiceSnapshot,
  TaskCount,
} from './types.ts';

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

/** What a signal reads: a field both of this step's Measures and of its kept samples. */
type Field = 'scalingLag' | 'totalLag' | 'cpu' | 'memory';
/** A lag sample (one per step) or a CPU/memory datapoint (one per minute). */
type Timed = { at: EpochMs } & Partial<Record<Field, number | null>>;

/** Where one signal is read, for each side: the measure and sample field, and its threshold. */
interface SignalRow {
  kind: ThresholdSignal['kind'];
  series: 'lag' | 'resources';
  /** How often the series is sampled. */
  intervalMs: (rules: ScalingRules) => Millis;
  above: { field: Field; threshold: (rules: ScalingRules, m: Measures) => number };
  below: { field: Field; threshold: (rules: ScalingRules, m: Measures) => number };
}

/**
 * The lag a group in step with its producers still shows: what is in flight between the log end
 * and the next commit grows with the produce rate, so a fixed count would keep a busy fleet from
 * ever looking calm. A tenth of the SLO's worth of production is calm too.
 */
export const IN_FLIGHT_SLO_SHARE = 0.1;
const calmLag = (r: ScalingRules, m: Measures): number =>
  Math.max(r.lagLow, (m.produceRate ?? 0) * (r.lagSloMs / 1000) * IN_FLIGHT_SLO_SHARE);

/**
 * The signals, one row each. Scale-up reads the lag that more workers can drain (stalled
 * partitions excluded); scale-down reads the whole lag, stalled partitions included.
 */
const SIGNALS: readonly SignalRow[] = [
  {
    kind: 'lag',
    series: 'lag',
    intervalMs: (r) => r.stepIntervalMs,
    above: { field: 'scalingLag', threshold: (r) => r.lagHigh },
    below: { field: 'totalLag', threshold: calmLag },
  },
  {
    kind: 'cpu',
    series: 'resources',
    intervalMs: () => RESOURCE_PERIOD_MS,
    above: { field: 'cpu', threshold: (r) => r.cpuHigh },
    below: { field: 'cpu', threshold: (r) => r.cpuLow },
  },
  {
    kind: 'memory',
    series: 'resources',
    intervalMs: () => RESOURCE_PERIOD_MS,
    above: { field: 'memory', threshold: (r) => r.memoryHigh },
    below: { field: 'memory', threshold: (r) => r.memoryLow },
  },
];

/** The history the windows are judged on (see series()). */
export interface SignalSeries {
  lagSamples: readonly LagSample[];
  resources: readonly ResourceSample[];
}

const passes = (side: ThresholdSignal['side'], value: number, threshold: number): boolean =>
  side === 'above' ? value > threshold : value < threshold;

/**
 * One row judged on one side: the signal with how long it has stayed past its threshold within
 * `windowMs` (not before `since`), or what keeps it from counting (unknown, or not past it).
 */
function judgeRow(
  rules: ScalingRules,
  row: SignalRow,
  side: ThresholdSignal['side'],
  at: { series: SignalSeries; m: Measures; now: EpochMs; windowMs: Millis; since?: EpochMs },
): { signal: ThresholdSignal } | { blocker: Blocker } {
  const { field, threshold: of } = row[side];
  const threshold = of(rules, at.m);
  const value = at.m[field];
  if (value === null || !passes(side, value, threshold)) {
    return { blocker: { kind: row.kind, value, threshold } };
  }
  const samples: readonly Timed[] =
    row.series === 'lag' ? at.series.lagSamples : at.series.resources;
  const held = heldWhile(
    samples,
    (s) => s[field] ?? null,
    (v) => passes(side, v, threshold),
    at.now,
    at.windowMs,
    row.intervalMs(rules),
    at.since,
  );
  return { signal: { kind: row.kind, value, threshold, side, held, windowMs: at.windowMs } };
}

/** The signals above their scale-up thresholds, each with how long it has stayed above. */
export function upSignals(
  rules: ScalingRules,
  series: SignalSeries,
  m: Measures,
  now: EpochMs,
): Signal[] {
  const at = { series, m, now, windowMs: rules.upWindowMs };
  return SIGNALS.map((row) => judgeRow(rules, row, 'above', at)).flatMap((r) =>
    'signal' in r ? [r.signal] : [],
  );
}

/** The calm signals (all needed for a scale-down), and those unknown or not calm. */
export function downSignals(
  rules: ScalingRules,
  series: SignalSeries,
  m: Measures,
  now: EpochMs,
  since: EpochMs,
): { calm: ThresholdSignal[]; blockers: Blocker[] } {
  const at = { series, m, now, windowMs: rules.downWindowMs, since };
  const judged = SIGNALS.map((row) => judgeRow(rules, row, 'below', at));
  return {
    calm: judged.flatMap((r) => ('signal' in r ? [r.signal] : [])),
    blockers: judged.flatMap((r) => ('blocker' in r ? [r.blocker] : [])),
  };
}

/**
 * The rate trigger, once the per-task capacity is known: the current count cannot carry the
 * produce rate × headroom plus the backlog within the SLO, with a backlog above LAGPILOT_LAG_LOW.
 * It is a projection, not a window: when waiting one more step would let the oldest message pass
 * the SLO before added tasks could consume (the reaction horizon: detection + the measured task
 * start), it fires at once, unless the committed offsets went back since the last reading;
 * otherwise on two consecutive readings. The projection reads the rate
 * at this step (reaction.ts rateNow), so a jump inside the last interval fires on the first
 * reading that sees it. A measured rate above measured capacity is not noise, so no sustained
 * window applies.
 */
export function capacityShort(
  rules: ScalingRules,
  partitions: Partitions | null,
  current: TaskCount,
  lagSamples: readonly LagSample[],
  m: Measures,
  capacity: Capacity | null,
  now: EpochMs,
): RateSignal | undefined {
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
  // Without a lag in seconds (no log-end history yet), the backlog's worth of the fleet's work.
  const ageS = m.lagSeconds ?? m.scalingLag / carried;
  const ahead = m.reaction.horizonMs + rules.stepIntervalMs;
  // The rate at this step, not the interval's average: a jump within it counts in full at once.
  const rate = Math.max(m.produceRate, rateNow(lagSamples) ?? 0);
  const signal = { kind: 'rate' as const, need, carried, tasks: current, rateNow: rate };
  const projectedS = projectedAgeS(ageS, rate, carried, ahead);
  // Committed offsets that went back since the last reading (no consume rate: a stale read during
  // a hand-over, or a reset) show a backlog that may be gone at the next: it must be read twice.
  if (projectedS * 1000 >= rules.lagSloMs && m.consumeRate !== null) {
    const w = rules.stepIntervalMs;
    return { ...signal, overdueMs: projectedS * 1000, held: w, windowMs: w };
  }
  return { ...signal, overdueMs: null, held, windowMs: rules.stepIntervalMs };
}

/**
 * What a measured shortfall may act through. A cooldown holds every judgment but two, both
 * measured: a projected breach of the SLO, and after a scale-down a shortfall on consecutive
 * readings (the step down undershot: waiting out the cooldown would only age the backlog). Tasks
 * still starting hold every judgment but a breach projected even once they consume — the first
 * reading of a jump sees only part of it — while they were asked for within one reaction horizon
 * (tasks starting, not stuck). Anything else (a rolling deployment, a rebalance, a group not yet
 * settled) holds.
 */
export function overridesWaits(
  short: RateSignal,
  waiting: readonly Wait[],
  last: LastAction | null,
  reaction: Reaction,
  now: EpochMs,
): boolean {
  const projected = short.overdueMs !== null;
  const starting = last?.action === 'up' && now - last.at <= reaction.horizonMs;
  return waiting.every((w) => {
    if (w.kind === 'cooldown') {
      return projected || (w.action === 'down' && covers(short.held, short.windowMs));
    }
    return w.kind === 'not-running' && projected && starting;
  });
}

/** The history plus this step's sample, and the CPU/memory series unless stale. */
export function series(obs: Observations, m: Measures, now: EpochMs): SignalSeries {
  const lagSamples: LagSample[] = [
    ...obs.state.samples.filter((s) => s.at < now),
    { at: now, totalLag: m.totalLag, scalingLag: m.scalingLag, endSum: m.endSum },
  ];
  const resources = obs.resources.ok
    ? within(
        mergeResources(obs.state.resources, obs.resources.value),
        Number.NEGATIVE_INFINITY,
        now,
      )
    : [];
  const newest = resources.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  return { lagSamples, resources: newest >= now - RESOURCE_STALE_MS ? resources : [] };
}

/** Why no rule may be judged this step (a rolling deployment, tasks not started, cooldowns, rebalancing). */
export function waits(
  rules: ScalingRules,
  obs: Observations,
  service: ServiceSnapshot,
  now: EpochMs,
): Wait[] {
  const found: Wait[] = [];
  if (service.deploying) found.push({ kind: 'rolling' });
  if (service.running < service.desired) {
    const { running, desired, pending } = service;
    found.push({ kind: 'not-running', running, desired, pending });
  }
  const last = obs.state.lastAction;
  if (last) {
    const cooldownMs = last.action === 'up' ? rules.upCooldownMs : rules.downCooldownMs;
    const sinceMs = now - last.at;
    // The same jitter allowance as the windows: a 3-minute cooldown is over at 2 min 59 s.
    if (!covers(sinceMs, cooldownMs) && cooldownMs > 0) {
      const { action, from, to } = last;
      found.push({ kind: 'cooldown', action, from, to, sinceMs, cooldownMs });
    }
  }
  if (obs.lag.ok) {
    const { state, members } = obs.lag.value.group;
    if (state === 'PreparingRebalance' || state === 'CompletingRebalance') {
      found.push({ kind: 'rebalancing', state });
    } else if (last && !last.settled && !isSettled(obs.lag.value, service)) {
      const { action, from, to } = last;
      found.push({
        kind: 'not-settled',
        action,
        from,
        to,
        members,
        state,
        running: service.running,
      });
    }
  }
  return found;
}
