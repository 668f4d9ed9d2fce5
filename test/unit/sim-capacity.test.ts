import { describe, expect, it } from 'vitest';
import { partitionShares, rangeAssignment, sustainableRate } from '../../sim/assignment.ts';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET, type FleetParams } from '../../sim/fleet.ts';
import { MessageAge } from '../../sim/message-age.ts';
import { readingsOf } from '../../sim/policies/lagpilot-readings.ts';
import type { FleetView, PolicyFactory } from '../../sim/policy.ts';
import type { Trace } from '../../sim/trace.ts';

/** A policy that never acts: the fleet stays at its bounds. */
const hold: PolicyFactory = {
  name: 'hold',
  create: () => ({ intervalS: 60, evaluate: () => undefined }),
};

const fixedFleet = (tasks: number): FleetParams => ({
  ...DEFAULT_FLEET,
  min: tasks,
  max: tasks,
  commitLagS: 0,
});

const constant = (rate: number, minutes: number): Trace => ({
  name: 'constant',
  description: '',
  intervalS: 60,
  rates: new Array(minutes).fill(rate),
});

describe('partition assignment', () => {
  it('range-assigns 12 partitions to 5 workers as 3,3,2,2,2', () => {
    expect(rangeAssignment(12, 5).map((owned) => owned.length)).toEqual([3, 3, 2, 2, 2]);
    expect(rangeAssignment(12, 5)[0]).toEqual([0, 1, 2]);
  });

  it('leaves workers beyond the partition count idle', () => {
    expect(rangeAssignment(3, 5).map((owned) => owned.length)).toEqual([1, 1, 1, 0, 0]);
  });

  it('gives 5 workers on 12 partitions the sustainable rate of 4 workers', () => {
    const shares = partitionShares(12, 0);
    const five = sustainableRate(shares, rangeAssignment(12, 5), 1000);
    const four = sustainableRate(shares, rangeAssignment(12, 4), 1000);
    expect(five).toBeCloseTo(4000, 9);
    expect(four).toBeCloseTo(4000, 9);
    expect(sustainableRate(shares, rangeAssignment(12, 6), 1000)).toBeCloseTo(6000, 9);
  });

  it('lets a hot partition bound the group whatever the worker count', () => {
    const shares = partitionShares(12, 1.5);
    const twelve = sustainableRate(shares, rangeAssignment(12, 12), 1000);
    expect(twelve).toBeCloseTo(1000 / shares[0]!, 6);
    expect(twelve).toBeLessThan(12_000 / 2);
  });
});

describe('the simulated fleet drains as its busiest worker allows', () => {
  it('keeps up with 3,900 msg/s on 5 workers (below 4 workers’ 4,000)', () => {
    const run = simulate(constant(3900, 10), fixedFleet(5), hold);
    expect(run.lag.at(-1)).toBeLessThan(1e-6);
    expect(run.lagSeconds.at(-1)).toBe(0);
  });

  it('falls behind at 4,100 msg/s exactly as hand-computed', () => {
    // Per partition 4100/12 = 341.67 msg/s. The two workers owning 3 partitions drain each at
    // 1000/3 = 333.33 msg/s: 6 partitions grow by 8.33 msg/s each = 50 msg/s, 30,000 in 600 s.
    // The 2-partition workers (500 msg/s per partition) keep up.
    const five = simulate(constant(4100, 10), fixedFleet(5), hold);
    expect(five.lag.at(-1)).toBeCloseTo(30_000, 3);
    // 4 workers: all 12 partitions grow by 8.33 msg/s: twice the backlog…
    const four = simulate(constant(4100, 10), fixedFleet(4), hold);
    expect(four.lag.at(-1)).toBeCloseTo(60_000, 3);
    // …but the oldest message is exactly as old: 600 s × (1 − 333.33/341.67) = 14.63 s.
    const age = 600 * (1 - 1000 / 3 / (4100 / 12));
    expect(five.lagSeconds.at(-1)).toBeCloseTo(age, 6);
    expect(four.lagSeconds.at(-1)).toBeCloseTo(age, 6);
  });

  it('stops consuming for the rebalance pause when a task joins', () => {
    const fleet: FleetParams = { ...fixedFleet(2), max: 3, rebalanceS: 30, startDelayS: 60 };
    const grow: PolicyFactory = {
      name: 'grow',
      create: () => ({ intervalS: 60, evaluate: (v) => (v.nowS === 60 ? 3 : undefined) }),
    };
    const run = simulate(constant(1200, 5), fleet, grow);
    expect(run.actions).toEqual([{ atS: 60, from: 2, to: 3 }]);
    // The third task joins at 120 s; consumption stops for 30 s: 36,000 messages pile up and the
    // oldest is 30 s old at the end of the pause.
    expect(run.lag[2]).toBeCloseTo(36_000, 3);
    expect(run.lagSeconds[2]).toBeCloseTo(30, 6);
    // Pending tasks cost from launch: minute 1 has 2 running + 1 pending.
    expect(run.tasks[1]).toBe(3);
  });

  it('derives CPU from load: 4,000 msg/s on 4 workers is 100 %, on 12 workers one third busy', () => {
    const busy = simulate(constant(4000, 3), fixedFleet(4), hold);
    expect(busy.cpu[1]).toBeCloseTo(100, 6);
    const idle = simulate(constant(4000, 3), fixedFleet(12), hold);
    expect(idle.cpu[1]).toBeCloseTo(DEFAULT_FLEET.cpuIdle + (100 - DEFAULT_FLEET.cpuIdle) / 3, 6);
  });

  it('tops CPU out at --cpu-at-capacity: a saturated I/O-bound worker reads 40 %, lagpilot sees 40 %', () => {
    const io = { ...fixedFleet(4), cpuAtCapacity: 40, metricDelayS: 0 };
    // 6,000 msg/s on 4 workers of 1,000: saturated, lag growing, and CPU reads 40 %, not 100 %.
    const run = simulate(constant(6000, 5), io, hold);
    expect(run.cpu[2]).toBeCloseTo(40, 6);
    expect(run.lag[4]).toBeGreaterThan(run.lag[2]!);
    // Half busy: 5 % + (40 − 5) % / 2.
    expect(simulate(constant(2000, 3), io, hold).cpu[1]).toBeCloseTo(22.5, 6);
    // What lagpilot's adapter passes to decide() is that same datapoint.
    let seen: FleetView | undefined;
    const watch: PolicyFactory = {
      name: 'watch',
      create: () => ({
        intervalS: 240,
        evaluate: (v) => {
          seen = v;
          return undefined;
        },
      }),
    };
    simulate(constant(6000, 5), io, watch);
    const observed = readingsOf(seen!);
    expect(observed.resources.ok && observed.resources.value.at(-1)?.cpu).toBeCloseTo(40, 6);
  });
});

describe('fleet noise', () => {
  const run = (over: Partial<FleetParams>) =>
    simulate(constant(5000, 20), { ...fixedFleet(6), ...over }, hold);

  it('draws each task a capacity of capacity × (1 ± noise), the same for the same seed', () => {
    const a = run({ capacityNoise: 0.2, seed: 3 });
    expect(run({ capacityNoise: 0.2, seed: 3 }).lag).toEqual(a.lag);
    expect(run({ capacityNoise: 0.2, seed: 4 }).lag).not.toEqual(a.lag);
    // 5,000 msg/s on 6 workers of exactly 1,000 keeps up; with ±20 % some worker is slower than
    // its 833 msg/s share for some seed, and its partitions fall behind.
    expect(run({}).lag.at(-1)).toBeLessThan(1);
    const seeds = [1, 2, 3, 4, 5].map((seed) => run({ capacityNoise: 0.2, seed }).lag.at(-1)!);
    expect(Math.max(...seeds)).toBeGreaterThan(1000);
  });

  it('spreads rebalance pauses over rebalance × (1 ± spread)', () => {
    const grow: PolicyFactory = {
      name: 'grow',
      create: () => ({ intervalS: 60, evaluate: (v) => (v.nowS === 60 ? 3 : undefined) }),
    };
    const pause = (spread: number, seed: number) =>
      simulate(
        constant(1200, 5),
        {
          ...fixedFleet(2),
          max: 3,
          rebalanceS: 30,
          startDelayS: 60,
          rebalanceSpread: spread,
          seed,
        },
        grow,
      ).lagSeconds[2]!;
    expect(pause(0, 1)).toBeCloseTo(30, 6);
    const pauses = [1, 2, 3, 4, 5, 6].map((seed) => pause(0.5, seed));
    for (const p of pauses) {
      expect(p).toBeGreaterThanOrEqual(15 - 1e-6);
      expect(p).toBeLessThanOrEqual(45 + 1e-6);
    }
    expect(new Set(pauses.map((p) => p.toFixed(3))).size).toBeGreaterThan(1);
  });
});

describe('MessageAge', () => {
  it('dates the oldest unconsumed message by interpolating produce times', () => {
    const age = new MessageAge();
    age.produce(0, 10, 100); // 10 msg/s
    age.produce(10, 20, 200); // 20 msg/s
    age.consume(150); // the 150th message was produced at 12.5 s
    expect(age.ageAt(20)).toBeCloseTo(7.5, 9);
    age.consume(150);
    expect(age.ageAt(20)).toBe(0);
  });
});

describe('CloudWatch datapoints', () => {
  it('report the busiest task (Maximum) apart from the service average', () => {
    // 12 partitions, 2 workers, skew 1: the first worker's six partitions carry 2.45/3.10 of
    // the load. At 1,000 msg/s it is 79 % busy, the other 21 %.
    let seen: FleetView | undefined;
    const watch: PolicyFactory = {
      name: 'watch',
      create: () => ({
        intervalS: 600,
        evaluate: (v) => {
          seen = v;
          return undefined;
        },
      }),
    };
    simulate(constant(1000, 11), { ...fixedFleet(2), skew: 1, metricDelayS: 0 }, watch);
    const shares = partitionShares(12, 1);
    const first = shares.slice(0, 6).reduce((a, b) => a + b, 0);
    const busiest = DEFAULT_FLEET.cpuIdle + (100 - DEFAULT_FLEET.cpuIdle) * first;
    const average = DEFAULT_FLEET.cpuIdle + (100 - DEFAULT_FLEET.cpuIdle) / 2;
    expect(seen?.busiestCpu.at(-1)?.value).toBeCloseTo(busiest, 6);
    expect(seen?.cpu.at(-1)?.value).toBeCloseTo(average, 6);
  });
});
