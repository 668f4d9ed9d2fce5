/**
 * KEDA's Apache Kafka scaler feeding a Kubernetes HPA with default behaviour.
 *
 * KEDA (kedacore/keda pkg/scalers/kafka_scaler.go): totalLag = Σ (log-end − committed) over the
 * group's partitions; unless allowIdleConsumers, the *metric* is clamped to partitions ×
 * lagThreshold; it reaches the HPA as an External metric with AverageValue target = lagThreshold.
 *
 * HPA (kubernetes.io "Horizontal Pod Autoscaling", algorithm details; pkg/controller/podautoscaler):
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

/** KEDA's metric: total lag, clamped so the HPA never asks for more replicas than partitions. */
export function kedaMetric(totalLag: number, partitions: number, lagThreshold: number): number {
  return totalLag / lagThreshold > partitions ? partitions * lagThreshold : totalLag;
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
    const metric = kedaMetric(view.totalLag, view.partitions, s.lagThreshold);
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

export function kedaHpa(lagThreshold: number): PolicyFactory {
  return {
    name: 'keda-hpa',
    create: () => new KedaHpa({ lagThreshold, ...HPA_DEFAULTS }),
  };
}
