/**
 * AWS Application Auto Scaling target tracking on ECSServiceAverageCPUUtilization.
 *
 * From the Application Auto Scaling user guide ("Target tracking scaling policies") and the
 * alarms it manages (aws/aws-cdk#34472, aws/containers-roadmap#638):
 * - the high alarm needs 3 consecutive 1-minute datapoints above the target, the low alarm 15
 *   consecutive datapoints below 90 % of the target (scale-in only when "sufficiently" below);
 * - capacity is adjusted in proportion: desired = ceil(current × metric / target);
 * - while an alarm stays in ALARM it keeps invoking the policy (every minute here);
 * - ScaleOutCooldown / ScaleInCooldown default to 300 s for ECS: during a scale-out cooldown a
 *   further scale-out happens only if it asks for more than the capacity already added; a
 *   scale-in waits for both cooldowns;
 * - missing data (no datapoints) never scales;
 * - no partition awareness: only the service's MaxCapacity bounds it.
 */
import type { FleetView, MetricPoint, Policy, PolicyFactory } from '../policy.ts';

export interface TargetTrackingSettings {
  /** Target average CPU %. */
  readonly target: number;
  readonly scaleOutDatapoints: number;
  readonly scaleInDatapoints: number;
  /** Scale in only when the metric is below target × this. */
  readonly scaleInFraction: number;
  readonly scaleOutCooldownS: number;
  readonly scaleInCooldownS: number;
}

export const TARGET_TRACKING_DEFAULTS = {
  scaleOutDatapoints: 3,
  scaleInDatapoints: 15,
  scaleInFraction: 0.9,
  scaleOutCooldownS: 300,
  scaleInCooldownS: 300,
} as const;

/** The proportional capacity target tracking asks for. */
export function targetTrackingCapacity(current: number, metric: number, target: number): number {
  return Math.ceil((current * metric) / target);
}

/** The last `count` datapoints if there are that many, consecutive; else undefined (no alarm). */
function lastPoints(points: readonly MetricPoint[], count: number): MetricPoint[] | undefined {
  if (points.length < count) return undefined;
  const tail = points.slice(points.length - count);
  for (let i = 1; i < tail.length; i++) {
    if (tail[i]!.atS - tail[i - 1]!.atS !== 60) return undefined;
  }
  return tail;
}

export class TargetTracking implements Policy {
  readonly intervalS = 60;
  private lastScaleOutS = Number.NEGATIVE_INFINITY;
  private lastScaleInS = Number.NEGATIVE_INFINITY;
  private cooldownBase = 0;

  constructor(private readonly settings: TargetTrackingSettings) {}

  evaluate(view: FleetView): number | undefined {
    const s = this.settings;
    const current = view.desired;
    const high = lastPoints(view.cpu, s.scaleOutDatapoints);
    const latest = view.cpu[view.cpu.length - 1];
    if (!latest) return undefined;
    if (high?.every((p) => p.value > s.target)) {
      const inCooldown = view.nowS - this.lastScaleOutS < s.scaleOutCooldownS;
      // In a scale-out cooldown the capacity already added counts: the new target is computed
      // from the capacity before the cooldown began, so repeated alarms do not compound.
      const base = inCooldown ? this.cooldownBase : current;
      const wanted = targetTrackingCapacity(base, latest.value, s.target);
      if (wanted <= current) return undefined;
      if (!inCooldown) {
        this.lastScaleOutS = view.nowS;
        this.cooldownBase = current;
      }
      return wanted;
    }
    const low = lastPoints(view.cpu, s.scaleInDatapoints);
    if (low?.every((p) => p.value < s.target * s.scaleInFraction)) {
      const cooling =
        view.nowS - this.lastScaleOutS < s.scaleOutCooldownS ||
        view.nowS - this.lastScaleInS < s.scaleInCooldownS;
      const wanted = Math.max(1, targetTrackingCapacity(current, latest.value, s.target));
      if (!cooling && wanted < current) {
        this.lastScaleInS = view.nowS;
        return wanted;
      }
    }
    return undefined;
  }
}

export function targetTracking(targetCpu: number): PolicyFactory {
  return {
    name: 'cpu-target-tracking',
    create: () => new TargetTracking({ target: targetCpu, ...TARGET_TRACKING_DEFAULTS }),
  };
}
