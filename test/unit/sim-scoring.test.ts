import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import { reference } from '../../sim/policies/reference.ts';
import type { PolicyFactory } from '../../sim/policy.ts';
import { type Score, score } from '../../sim/score.ts';
import { checkTargets, resultsTable, verdict } from '../../sim/table.ts';
import type { Trace } from '../../sim/trace.ts';
import { BUILT_IN_TRACES } from '../../sim/traces.ts';

const row = (policy: string, slo: number, cost: number, actions: number): Score => ({
  policy,
  sloViolationMinutes: slo,
  sloAttainment: 100 - slo / 10,
  peakLag: 0,
  peakLagSeconds: 0,
  instanceMinutes: cost,
  actions,
});

describe('lagpilot targets', () => {
  it('are met with no more violations than any peer, ≤ 1.25 × the reference, ≤ half the actions of KEDA tuned', () => {
    const scores = [
      row('lagpilot', 3, 1250, 10),
      row('keda-default (lagThreshold 10)', 0, 5000, 2),
      row('keda-tuned (lagThreshold 15000)', 3, 2000, 20),
      row('operators-guide', 5, 1100, 4),
      row('reference', 0, 1000, 2),
    ];
    expect(checkTargets(scores)).toEqual({
      met: false,
      misses: [expect.stringMatching(/keda-default/)],
    });
    expect(checkTargets(scores.filter((s) => !s.policy.startsWith('keda-default')))).toEqual({
      met: true,
      misses: [],
    });
  });

  it('name every miss', () => {
    const scores = [
      row('lagpilot', 6, 1300, 11),
      row('keda-tuned (lagThreshold 15000)', 9, 2000, 21),
      row('cpu-target-tracking', 4, 1100, 4),
      row('reference', 0, 1000, 2),
    ];
    expect(checkTargets(scores)?.misses).toEqual([
      'more SLO-violation minutes (6) than cpu-target-tracking (4)',
      "instance-minutes 1300 over 1.25 × the reference's 1000",
      '11 scaling actions, over 0.5 × the 21 of keda-tuned (lagThreshold 15000)',
    ]);
  });

  it('show cost relative to the reference and the bound in the table', () => {
    const table = resultsTable([row('lagpilot', 5, 1250, 1), row('reference', 0, 1000, 1)], {
      instanceMinutes: 800.6,
      unavoidableViolationMinutes: 0,
    });
    expect(table).toContain('| lagpilot | 5 | 99.500 % | 0 | 0 | 1,250 | +25 % | +56 % | 1 |');
    expect(table).toContain('| lower bound | ≥ 0 | | | | 800 | -20 % | +0 % | |');
  });

  it('state their thresholds in the verdict, and say when the trace cannot be carried', () => {
    const scores = [row('lagpilot', 0, 1000, 1), row('reference', 0, 1000, 1)];
    const feasible = { peakRate: 5000, ceilingRate: 12000, feasible: true };
    expect(verdict(checkTargets(scores), feasible)).toBe(
      "lagpilot meets its targets on this trace (targets: SLO-violation minutes ≤ every peer's, instance-minutes ≤ 1.25 × reference, actions ≤ 0.5 × KEDA (tuned)).",
    );
    const infeasible = { peakRate: 20000, ceilingRate: 12000, feasible: false };
    expect(verdict(checkTargets(scores), infeasible)).toMatch(
      /but the trace is infeasible\. The trace exceeds what the partition cap can carry/,
    );
    expect(verdict(checkTargets(scores), infeasible)).not.toMatch(
      /meets its targets on this trace\.$/,
    );
  });
});

describe('scoring a run', () => {
  it('counts a minute as violating when the oldest message gets older than the SLO', () => {
    // One worker (1,000 msg/s) against 1,100 msg/s: the oldest message ages by 1/11 s per second,
    // so it passes 60 s after 660 s, in minute 11 of 15.
    const trace: Trace = {
      name: 'over',
      description: '',
      intervalS: 60,
      rates: new Array(15).fill(1100),
    };
    const fleet = { ...DEFAULT_FLEET, partitions: 1, min: 1, max: 1, commitLagS: 0 };
    const hold: PolicyFactory = {
      name: 'hold',
      create: () => ({ intervalS: 60, evaluate: () => undefined }),
    };
    const s = score(simulate(trace, fleet, hold), 60);
    expect(s.sloViolationMinutes).toBe(4); // minutes 11, 12, 13, 14
    expect(s.peakLagSeconds).toBe(Math.round(900 / 11));
    expect(s.instanceMinutes).toBe(15);
  });
});

describe('the look-ahead reference', () => {
  it('orders capacity one start delay before a surge (using the SLO allowance) and releases it after', () => {
    const run = simulate(BUILT_IN_TRACES['step-surge']!(), DEFAULT_FLEET, reference);
    const up = run.actions.find((a) => a.to > a.from)!;
    expect(up.to).toBeGreaterThanOrEqual(6); // 5,000 msg/s on 12 partitions: 6 workers of 1,000
    expect(up.atS).toBeLessThanOrEqual(30 * 60 - DEFAULT_FLEET.startDelayS);
    expect(run.actions.at(-1)!.to).toBe(2);
    expect(score(run, DEFAULT_FLEET.sloS).sloViolationMinutes).toBe(0);
  });

  it('does not flap on its own rebalance pauses: no change undone within 10 minutes', () => {
    for (const name of ['bursty', 'diurnal']) {
      const run = simulate(
        BUILT_IN_TRACES[name]!(),
        { ...DEFAULT_FLEET, rebalanceS: 45 },
        reference,
      );
      for (let i = 1; i < run.actions.length; i++) {
        const [a, b] = [run.actions[i - 1]!, run.actions[i]!];
        const reversed = Math.sign(a.to - a.from) !== Math.sign(b.to - b.from);
        if (reversed) expect(b.atS - a.atS, `${name} at ${b.atS}s`).toBeGreaterThanOrEqual(600);
      }
    }
  });

  it('picks up new partitions mid-run (6 → 12) and uses them', () => {
    const run = simulate(BUILT_IN_TRACES['partition-increase']!(), DEFAULT_FLEET, reference);
    expect(Math.max(...run.tasks)).toBeGreaterThan(6);
    expect(score(run, DEFAULT_FLEET.sloS).sloViolationMinutes).toBe(0);
  });
});
