/**
 * KEDA's Apache Kafka scaler feeding a Kubernetes HPA with default behaviour.
 *
 * KEDA (kedacore/keda@8b4f083 pkg/scalers/kafka_scaler.go): lagThreshold is an int64 with
 * `default=10` (line 66); totalLag = Σ (log-end − committed) over the group's partitions, in
 * int64 (getTotalLag, lines 812–824); unless allowIdleConsumers, the *metric* is clamped with
 * integer division: `if (totalLag / LagThreshold) > upperBound { totalLag = upperBound ×
 * LagThreshold }` (lines 847–848), so a lag of P × T + T − 1 is not clamped; it reaches the HPA as
 * an External metric with AverageValue target = lagThreshold (GetMetricTarget, line 745).
 *
 * HPA (kubernetes.io "Horizontal Pod Autoscaling", algorithm details; kubernetes
 * pkg/controller/podautoscaler: replica_calculator.go GetExternalPerPodMetricReplicas,
 * horizontal.go; defaults in pkg/apis/autoscaling/v2/defaults.go and the controller flags
 * --horizontal-pod-autoscaler-sync-period=15s, --horizontal-pod-autoscaler-tolerance=0.1):
 * - sync every 15 s; for an AverageValue external metric usageRatio = metric / (target × current);
 *   if |1 − usageRatio| ≤ 0.1 (tolerance) keep current, else desired = ceil(metric / target);
 * - stabilization: the recommendation is bounded by the lowest recommendation of the scale-up
 *   window (default 0 s) and the highest of the scale-down window (default 300 s);
 * - rate limits (defaults): scale-up max(100 %, 4 pods) per 15 s; scale-down 100 % per 15 s;
 * - then min/max replicas (the HPA's minReplicas is at least 1: KEDA's own 0↔1 activation is
 *   not simulated).
 */
import type { FleetView, Policy, PolicyFactory } from '../policy.ts';

export interface KedaHpaSettings {
  /** KEDA lagThreshold: target lag per replica. */
  readonly lagThreshold: number;
  readonly tolerance: number;
  readonly syncS: number;
  readonly scaleDownStabilizationS: number;
}

export const HPA_DEFAULTS = { tolerance: 0.1, syncS: 15, scaleDownStabilizationS: 300 } as const;

/** KEDA's lagThreshold default (kafka_scaler.go: `default=10`). */
export const KEDA_DEFAULT_LAG_THRESHOLD = 10;

/** KEDA's metric: whole-message total lag, clamped (int64 division) to partitions × lagThreshold. */
export function kedaMetric(totalLag: number, partitions: number, lagThreshold: number): number {
  return Math.trunc(totalLag / lagThreshold) > partitions ? partitions * lagThreshold : totalLag;
}

/** Σ over partitions of (log-end − committed), each a whole offset as the broker reports it. */
export function kedaTotalLag(view: FleetView): number {
  let total = 0;
  for (let p = 0; p < view.endOffsets.length; p++) {
    total += Math.max(
      0,
      Math.floor(view.endOffsets[p]!) - Math.floor(view.committedOffsets[p] ?? 0),
    );
  }
  return total;
}

/** The HPA's replica count for an AverageValue external metric, tolerance applied. */
export function hpaReplicas(
  metric: number,
  target: number,
  current: number,
  tolerance: number,
): number {
  const usageRatio = metric / (target * current);
  return Math.abs(1 - usageRatio) <= tolerance ? current : Math.ceil(metric / target);
}

/** Default scale-up policies max(100 %, 4 pods) per period; scale-down 100 % (no limit above 0). */
export function hpaScaleUpLimit(current: number): number {
  return Math.max(current * 2, current + 4);
}

export class KedaHpa implements Policy {
  readonly intervalS: number;
  private readonly recommendations: { atS: number; replicas: number }[] = [];

  constructor(private readonly settings: KedaHpaSettings) {
    this.intervalS = settings.syncS;
  }

  evaluate(view: FleetView): number {
    const s = this.settings;
    const current = Math.max(1, view.desired);
    const metric = kedaMetric(kedaTotalLag(view), view.partitions, s.lagThreshold);
    const recommendation = hpaReplicas(metric, s.lagThreshold, current, s.tolerance);

    // Stabilization (scale-up window 0 s: only the current recommendation counts upward).
    const cutoff = view.nowS - s.scaleDownStabilizationS;
    while (this.recommendations.length > 0 && this.recommendations[0]!.atS <= cutoff) {
      this.recommendations.shift();
    }
    this.recommendations.push({ atS: view.nowS, replicas: recommendation });
    let downBound = recommendation;
    for (const r of this.recommendations) downBound = Math.max(downBound, r.replicas);
    let stabilized = current;
    if (stabilized < recommendation) stabilized = recommendation;
    if (stabilized > downBound) stabilized = downBound;

    return Math.max(1, Math.min(stabilized, hpaScaleUpLimit(current)));
  }
}

/** `label` names the row: KEDA at its default threshold and at one tuned for the fleet. */
export function kedaHpa(label: 'default' | 'tuned', lagThreshold: number): PolicyFactory {
  return {
    name: `keda-${label} (lagThreshold ${lagThreshold})`,
    create: () => new KedaHpa({ lagThreshold, ...HPA_DEFAULTS }),
  };
}
