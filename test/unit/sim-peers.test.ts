import { describe, expect, it } from 'vitest';
import {
  HPA_DEFAULTS,
  hpaReplicas,
  hpaScaleUpLimit,
  KedaHpa,
  kedaMetric,
} from '../../sim/policies/keda-hpa.ts';
import { OperatorsGuide } from '../../sim/policies/operators-guide.ts';
import {
  TARGET_TRACKING_DEFAULTS,
  TargetTracking,
  targetTrackingCapacity,
} from '../../sim/policies/target-tracking.ts';
import type { FleetView, MetricPoint } from '../../sim/policy.ts';

function view(over: Partial<FleetView>): FleetView {
  return {
    nowS: 0,
    partitions: 12,
    endOffsets: [],
    committedOffsets: [],
    totalLag: 0,
    desired: 1,
    running: 1,
    pending: 0,
    rebalancing: false,
    cpu: [],
    memory: [],
    busiestCpu: [],
    busiestMemory: [],
    backlog: [],
    ...over,
  };
}

/** One datapoint per minute ending at `nowS`, with the given values (oldest first). */
const points = (nowS: number, values: number[]): MetricPoint[] =>
  values.map((value, i) => ({ atS: nowS - (values.length - i) * 60, value }));

describe('KEDA Kafka scaler + HPA', () => {
  it('clamps the metric to partitions × lagThreshold (not the replica count)', () => {
    expect(kedaMetric(50_000, 12, 1000)).toBe(12_000);
    expect(kedaMetric(5_000, 12, 1000)).toBe(5_000);
  });

  it('asks ceil(metric / target) replicas outside the 10 % tolerance', () => {
    expect(hpaReplicas(4_500, 1000, 2, 0.1)).toBe(5);
    expect(hpaReplicas(10_500, 1000, 10, 0.1)).toBe(10); // ratio 1.05: within tolerance
    expect(hpaReplicas(800, 1000, 4, 0.1)).toBe(1);
  });

  it('reproduces the tolerance trap: at 11 replicas a clamped metric never reaches 12', () => {
    const metric = kedaMetric(1_000_000, 12, 1000);
    expect(hpaReplicas(metric, 1000, 11, HPA_DEFAULTS.tolerance)).toBe(11);
  });

  it('limits a scale-up to max(×2, +4) per 15 s period', () => {
    expect(hpaScaleUpLimit(1)).toBe(5);
    expect(hpaScaleUpLimit(6)).toBe(12);
    const hpa = new KedaHpa({ lagThreshold: 1000, ...HPA_DEFAULTS });
    expect(hpa.evaluate(view({ nowS: 15, desired: 1, totalLag: 1_000_000 }))).toBe(5);
  });

  it('keeps the highest recommendation of the last 300 s before scaling down', () => {
    const hpa = new KedaHpa({ lagThreshold: 1000, ...HPA_DEFAULTS });
    expect(hpa.evaluate(view({ nowS: 15, desired: 4, totalLag: 8_000 }))).toBe(8);
    // Lag gone: the recommendation is 1, but 8 stays until the 300 s window has passed.
    expect(hpa.evaluate(view({ nowS: 30, desired: 8, totalLag: 0 }))).toBe(8);
    expect(hpa.evaluate(view({ nowS: 300, desired: 8, totalLag: 0 }))).toBe(8);
    expect(hpa.evaluate(view({ nowS: 330, desired: 8, totalLag: 0 }))).toBe(1);
  });
});

describe('AWS target tracking on CPU', () => {
  const settings = { target: 70, ...TARGET_TRACKING_DEFAULTS };

  it('scales out in proportion after 3 datapoints above the target', () => {
    expect(targetTrackingCapacity(4, 91, 70)).toBe(6); // ceil(4 × 1.3) = ceil(5.2)
    const tt = new TargetTracking(settings);
    expect(
      tt.evaluate(view({ nowS: 600, desired: 4, running: 4, cpu: points(600, [60, 90, 91]) })),
    ).toBe(undefined);
    expect(
      tt.evaluate(view({ nowS: 660, desired: 4, running: 4, cpu: points(660, [90, 91, 91]) })),
    ).toBe(6);
  });

  it('does not compound a scale-out during its cooldown, but lets a hotter alarm add more', () => {
    const tt = new TargetTracking(settings);
    expect(
      tt.evaluate(view({ nowS: 600, desired: 6, running: 6, cpu: points(600, [80, 80, 80]) })),
    ).toBe(7); // ceil(6 × 80/70) = ceil(6.86)
    // Still 80 % a minute later (the new task is not running yet): 7 again, not ceil(7 × 80/70).
    expect(
      tt.evaluate(view({ nowS: 660, desired: 7, running: 6, cpu: points(660, [80, 80, 80]) })),
    ).toBe(undefined);
    // Hotter within the cooldown: computed from the 6 before the cooldown, ceil(6 × 99/70) = 9.
    expect(
      tt.evaluate(view({ nowS: 720, desired: 7, running: 6, cpu: points(720, [80, 95, 99]) })),
    ).toBe(9);
  });

  it('scales in only after 15 datapoints below 90 % of the target, proportionally', () => {
    const tt = new TargetTracking(settings);
    const low = new Array(15).fill(30);
    expect(
      tt.evaluate(
        view({ nowS: 3600, desired: 6, running: 6, cpu: points(3600, [...low.slice(1), 64]) }),
      ),
    ).toBe(undefined); // 64 ≥ 63 (90 % of 70): not "sufficiently" below
    expect(tt.evaluate(view({ nowS: 3660, desired: 6, running: 6, cpu: points(3660, low) }))).toBe(
      3,
    );
    // The scale-in cooldown (300 s) blocks the next one.
    expect(tt.evaluate(view({ nowS: 3720, desired: 3, running: 3, cpu: points(3720, low) }))).toBe(
      undefined,
    );
  });

  it('never scales without datapoints', () => {
    expect(new TargetTracking(settings).evaluate(view({ nowS: 60 }))).toBe(undefined);
  });
});

describe("the operators' guide, verbatim", () => {
  it('doubles after lag > 10k for 5 minutes, capped at the partitions', () => {
    const guide = new OperatorsGuide();
    const results = [1, 2, 3, 4, 5].map((m) =>
      guide.evaluate(view({ nowS: m * 60, desired: 8, totalLag: 20_000 })),
    );
    expect(results).toEqual([undefined, undefined, undefined, undefined, 12]);
  });

  it('removes one when lag < 1k, CPU < 30 % and memory < 50 % for 5 minutes', () => {
    const guide = new OperatorsGuide();
    let last: number | undefined;
    for (let m = 1; m <= 5; m++) {
      const nowS = m * 60 + 600;
      last = guide.evaluate(
        view({
          nowS,
          desired: 4,
          totalLag: 500,
          cpu: points(nowS, [20, 20, 20, 20, 20]),
          memory: points(nowS, [40, 40, 40, 40, 40]),
        }),
      );
    }
    expect(last).toBe(3);
  });
});
