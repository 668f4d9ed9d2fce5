import { describe, expect, it } from 'vitest';
import {
  HPA_DEFAULTS,
  hpaReplicas,
  hpaScaleUpLimit,
  KEDA_DEFAULT_LAG_THRESHOLD,
  KedaHpa,
  kedaMetric,
  kedaTotalLag,
} from '../../sim/policies/keda-hpa.ts';
import { GUIDE, OperatorsGuide } from '../../sim/policies/operators-guide.ts';
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
    oldestAgeS: 0,
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

  it('clamps with int64 division, as kafka_scaler.go does: 12,999 / 1,000 = 12 is not > 12', () => {
    expect(kedaMetric(12_999, 12, 1000)).toBe(12_999);
    expect(kedaMetric(13_000, 12, 1000)).toBe(12_000);
    // At its default threshold of 10: 129 / 10 = 12 (not clamped), 130 / 10 = 13 (clamped to 120).
    expect(KEDA_DEFAULT_LAG_THRESHOLD).toBe(10);
    expect(kedaMetric(129, 12, 10)).toBe(129);
    expect(kedaMetric(130, 12, 10)).toBe(120);
  });

  it('sums whole-offset lag per partition, as the broker reports offsets', () => {
    expect(
      kedaTotalLag(view({ endOffsets: [100.9, 50.2, 7], committedOffsets: [90.5, 50.9, 9] })),
    ).toBe(10 + 0 + 0);
  });

  it('sizes ceil(lag / 10) at the default threshold: 45 messages of lag on 1 replica ask for 5', () => {
    const hpa = new KedaHpa({ lagThreshold: KEDA_DEFAULT_LAG_THRESHOLD, ...HPA_DEFAULTS });
    // ratio 45 / (10 × 1) = 4.5, outside the tolerance: ceil(4.5) = 5, within max(×2, +4) = 5.
    expect(
      hpa.evaluate(view({ nowS: 15, desired: 1, endOffsets: [45], committedOffsets: [0] })),
    ).toBe(5);
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
    expect(
      hpa.evaluate(view({ nowS: 15, desired: 1, endOffsets: [1_000_000], committedOffsets: [0] })),
    ).toBe(5);
  });

  it('keeps the highest recommendation of the last 300 s before scaling down', () => {
    const hpa = new KedaHpa({ lagThreshold: 1000, ...HPA_DEFAULTS });
    expect(
      hpa.evaluate(view({ nowS: 15, desired: 4, endOffsets: [8_000], committedOffsets: [0] })),
    ).toBe(8);
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
  /** Minute-by-minute readings from `fromS`; every call gets the CPU/memory datapoints so far. */
  function drive(
    guide: OperatorsGuide,
    minutes: number,
    reading: { desired: number; lag: number; cpu: number; memory: number },
    fromS = 600,
  ): (number | undefined)[] {
    const out: (number | undefined)[] = [];
    for (let m = 1; m <= minutes; m++) {
      const nowS = fromS + m * 60;
      const history = new Array(m + 5).fill(0);
      out.push(
        guide.evaluate(
          view({
            nowS,
            desired: reading.desired,
            partitions: 12,
            totalLag: reading.lag,
            cpu: points(
              nowS,
              history.map(() => reading.cpu),
            ),
            memory: points(
              nowS,
              history.map(() => reading.memory),
            ),
          }),
        ),
      );
    }
    return out;
  }
  const calm = { lag: 500, cpu: 50, memory: 60 };

  it('reads the guide’s numbers: 10K / 80 % / 80 % up, 1K / 30 % / 50 % down, 5 min, 2×', () => {
    expect(GUIDE).toMatchObject({
      lagUp: 10_000,
      cpuUp: 80,
      memoryUp: 80,
      lagDown: 1_000,
      cpuDown: 30,
      memoryDown: 50,
      sustainedMinutes: 5,
      factor: 2,
    });
  });

  it('doubles after "consumer lag > 10K messages for 5+ minutes", capped at the partitions', () => {
    expect(drive(new OperatorsGuide(), 5, { ...calm, desired: 4, lag: 20_000 })).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      8,
    ]);
    expect(drive(new OperatorsGuide(), 5, { ...calm, desired: 8, lag: 20_000 }).at(-1)).toBe(12);
  });

  it('doubles on "CPU > 80% sustained" alone, and on "Memory > 80% sustained" alone', () => {
    expect(drive(new OperatorsGuide(), 5, { ...calm, desired: 3, cpu: 85 }).at(-1)).toBe(6);
    expect(drive(new OperatorsGuide(), 5, { ...calm, desired: 3, memory: 85 }).at(-1)).toBe(6);
    // 80 % is not "> 80%".
    expect(drive(new OperatorsGuide(), 5, { ...calm, desired: 3, cpu: 80 }).at(-1)).toBe(undefined);
  });

  it('halves (rounded up) only when lag < 1K, CPU < 30 % and memory < 50 % all hold 5 minutes', () => {
    const quiet = { desired: 5, lag: 500, cpu: 20, memory: 40 };
    expect(drive(new OperatorsGuide(), 5, quiet).at(-1)).toBe(3);
    expect(drive(new OperatorsGuide(), 5, { ...quiet, cpu: 35 }).at(-1)).toBe(undefined);
    expect(drive(new OperatorsGuide(), 5, { ...quiet, memory: 55 }).at(-1)).toBe(undefined);
    expect(drive(new OperatorsGuide(), 5, { ...quiet, lag: 1_500 }).at(-1)).toBe(undefined);
  });

  it('waits 5 minutes after a change ("Monitor rebalancing (1-5 minutes)") and judges afresh', () => {
    const guide = new OperatorsGuide();
    const hot = { ...calm, desired: 2, lag: 20_000 };
    const results = drive(guide, 10, hot);
    expect(results.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, 4]);
    // Lag readings restart after the change: five new readings before the next doubling.
    expect(results.slice(5)).toEqual([undefined, undefined, undefined, undefined, 4]);
  });
});
