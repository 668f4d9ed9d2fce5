/**
 * `--frontier`: each policy is a curve, not a point. Per trace, every policy runs along its main
 * knob (KEDA's lagThreshold, target tracking's CPU target, the operators' guide's lag thresholds,
 * lagpilot's cost/SLO knobs), and lagpilot's defaults get a dominance verdict: the peer points
 * with no more SLO-violation minutes and no more instance-minutes, one of them strictly fewer.
 */
import { parseScalingRules } from '../lambda/core/index.ts';
import { dominators } from './dominance.ts';
import { simulate } from './engine.ts';
import type { FleetParams } from './fleet.ts';
import { KEDA_DEFAULT_LAG_THRESHOLD, kedaHpa } from './policies/keda-hpa.ts';
import { lagpilot } from './policies/lagpilot.ts';
import type { ResourceStatistic } from './policies/lagpilot-readings.ts';
import { operatorsGuideScaled } from './policies/operators-guide.ts';
import { reference } from './policies/reference.ts';
import { targetTracking } from './policies/target-tracking.ts';
import type { PolicyFactory } from './policy.ts';
import { type Score, score } from './score.ts';
import type { Trace } from './trace.ts';

/**
 * lagpilot's sweep beyond its defaults: the knob it offers users to trade cost for SLO, as
 * LAGPILOT_* overrides on top of the run's parameters. One list, so a new knob replaces it here.
 * LAGPILOT_SLO_ATTAINMENT is the share of minutes the SLO must hold (default 99.9).
 */
export const LAGPILOT_SWEEP: readonly {
  readonly setting: string;
  readonly params: Readonly<Record<string, string>>;
}[] = ['99', '99.5', '99.9', '99.95', '99.99'].map((value) => ({
  setting: `LAGPILOT_SLO_ATTAINMENT=${value}`,
  params: { LAGPILOT_SLO_ATTAINMENT: value },
}));

/** KEDA's lagThreshold as fractions of capacity × SLO (the tuned one is ¼). */
export const KEDA_FRACTIONS = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1] as const;
export const CPU_TARGETS = [50, 60, 70, 80, 90] as const;
/** The operators' guide's lag thresholds × these (1: verbatim). */
export const GUIDE_SCALES = [0.5, 1, 2] as const;

/** lagpilot's default point and the reference's: names the verdict and the chart use. */
export const DEFAULTS = 'defaults';
export const LOOK_AHEAD = 'look-ahead';

/** One point to run: a policy at one setting, as plain data (it crosses to a worker thread). */
export type PointSpec =
  | {
      readonly policy: 'lagpilot';
      readonly setting: string;
      readonly params: Record<string, string>;
    }
  | {
      readonly policy: 'keda';
      readonly setting: string;
      readonly lagThreshold: number;
      readonly tuned: boolean;
    }
  | { readonly policy: 'cpu-target-tracking'; readonly setting: string; readonly cpuTarget: number }
  | { readonly policy: 'operators-guide'; readonly setting: string; readonly lagScale: number }
  | { readonly policy: 'reference'; readonly setting: string };

export interface PointJob {
  readonly trace: Trace;
  readonly fleet: FleetParams;
  /** The run's LAGPILOT_* values; a lagpilot point's params go on top. */
  readonly env: Readonly<Record<string, string>>;
  readonly statistic: ResourceStatistic | undefined;
  readonly point: PointSpec;
}

/** The sweep of every policy for a fleet: the plain run's settings are among the points. */
export function frontierPoints(
  fleet: FleetParams,
  kedaTuned: number,
  cpuTarget: number,
): PointSpec[] {
  const thresholds = [
    KEDA_DEFAULT_LAG_THRESHOLD,
    ...KEDA_FRACTIONS.map((f) => Math.max(1, Math.round(fleet.capacity * fleet.sloS * f))),
    kedaTuned,
  ];
  const targets = [...new Set([...CPU_TARGETS, cpuTarget])].sort((a, b) => a - b);
  return [
    { policy: 'lagpilot', setting: DEFAULTS, params: {} },
    ...LAGPILOT_SWEEP.map((s) => ({
      policy: 'lagpilot' as const,
      setting: s.setting,
      params: { ...s.params },
    })),
    ...[...new Set(thresholds)]
      .sort((a, b) => a - b)
      .map((t) => ({
        policy: 'keda' as const,
        setting: `lagThreshold=${t}`,
        lagThreshold: t,
        tuned: t === kedaTuned,
      })),
    ...targets.map((t) => ({
      policy: 'cpu-target-tracking' as const,
      setting: `cpuTarget=${t}`,
      cpuTarget: t,
    })),
    ...GUIDE_SCALES.map((k) => ({
      policy: 'operators-guide' as const,
      setting: k === 1 ? 'lagThresholds=verbatim' : `lagThresholds=${k}x`,
      lagScale: k,
    })),
    { policy: 'reference', setting: LOOK_AHEAD },
  ];
}

/** The factory a point runs; the plain run's policies keep their plain names. */
export function pointFactory(job: PointJob): PolicyFactory {
  const p = job.point;
  switch (p.policy) {
    case 'lagpilot':
      return lagpilot(parseScalingRules({ ...job.env, ...p.params }), { statistic: job.statistic });
    case 'keda':
      return p.lagThreshold === KEDA_DEFAULT_LAG_THRESHOLD && !p.tuned
        ? kedaHpa('default', p.lagThreshold)
        : kedaHpa('tuned', p.lagThreshold);
    case 'cpu-target-tracking':
      return targetTracking(p.cpuTarget);
    case 'operators-guide':
      return operatorsGuideScaled(p.lagScale);
    case 'reference':
      return reference;
  }
}

export function runPoint(job: PointJob): Score {
  return score(simulate(job.trace, job.fleet, pointFactory(job)), job.fleet.sloS);
}

/** A point as `--frontier --json` prints it. */
export interface FrontierPoint {
  readonly setting: string;
  readonly sloViolationMinutes: number;
  readonly instanceMinutes: number;
  readonly actions: number;
  readonly sloAttainment: number;
}

export type Frontier = Readonly<Record<string, readonly FrontierPoint[]>>;

/** Not a peer: lagpilot itself and the look-ahead reference (no real autoscaler can run it). */
const isPeer = (policy: string) => policy !== 'lagpilot' && policy !== 'reference';

/**
 * The peer points that dominate lagpilot's defaults, as `<policy>@<setting>`: no more
 * SLO-violation minutes and no more instance-minutes, and strictly fewer of one.
 */
export function dominatedBy(frontier: Frontier): string[] {
  const ours = frontier.lagpilot?.find((p) => p.setting === DEFAULTS);
  if (!ours) return [];
  const peers = Object.entries(frontier)
    .filter(([policy]) => isPeer(policy))
    .flatMap(([policy, points]) => points.map((p) => ({ ...p, name: `${policy}@${p.setting}` })));
  return dominators(ours, peers).map((p) => p.name);
}

/** The verdict sentence for lagpilot's defaults. */
export function dominanceVerdict(dominators: readonly string[]): string {
  return dominators.length === 0
    ? "lagpilot's defaults: not dominated by any peer point."
    : `lagpilot's defaults: dominated by ${dominators.join(', ')}.`;
}

/** Points grouped by policy, in the order they were run. */
export function frontierOf(points: readonly PointSpec[], scores: readonly Score[]): Frontier {
  const out: Record<string, FrontierPoint[]> = {};
  points.forEach((p, i) => {
    const s = scores[i]!;
    out[p.policy] ??= [];
    out[p.policy]!.push({
      setting: p.setting,
      sloViolationMinutes: s.sloViolationMinutes,
      instanceMinutes: s.instanceMinutes,
      actions: s.actions,
      sloAttainment: s.sloAttainment,
    });
  });
  return out;
}
