import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import { oracle } from '../../sim/policies/oracle.ts';
import type { PolicyFactory } from '../../sim/policy.ts';
import { type Score, score } from '../../sim/score.ts';
import { checkTargets, resultsTable } from '../../sim/table.ts';
import type { Trace } from '../../sim/trace.ts';
import { BUILT_IN_TRACES } from '../../sim/traces.ts';

const row = (policy: string, slo: number, cost: number, actions: number): Score => ({
  policy,
  sloViolationMinutes: slo,
  peakLag: 0,
  peakLagSeconds: 0,
  instanceMinutes: cost,
  actions,
});

describe('lagpilot targets', () => {
  it('are met with no more violations than any peer, ≤ 125 % of the oracle, fewer actions than KEDA', () => {
    const scores = [
      row('lagpilot', 3, 1250, 9),
      row('keda-hpa', 3, 2000, 10),
      row('operators-guide', 5, 1100, 4),
      row('oracle', 0, 1000, 2),
    ];
    expect(checkTargets(scores)).toEqual({ met: true, misses: [] });
  });

  it('name every miss', () => {
    const scores = [
      row('lagpilot', 6, 1300, 10),
      row('keda-hpa', 9, 2000, 10),
      row('cpu-target-tracking', 4, 1100, 4),
      row('oracle', 0, 1000, 2),
    ];
    expect(checkTargets(scores)?.misses).toEqual([
      'more SLO-violation minutes (6) than cpu-target-tracking (4)',
      "instance-minutes 1300 exceed the oracle's 1000 by more than 25 %",
      "10 scaling actions, not fewer than KEDA's 10",
    ]);
  });

  it('show cost relative to the oracle in the table', () => {
    const table = resultsTable([row('lagpilot', 0, 1250, 1), row('oracle', 0, 1000, 1)]);
    expect(table).toContain('| lagpilot | 0 | 0 | 0 | 1,250 | +25 % | 1 |');
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

describe('the oracle', () => {
  it('orders capacity one start delay before a surge and releases it after', () => {
    const run = simulate(BUILT_IN_TRACES['step-surge']!(), DEFAULT_FLEET, oracle);
    const [up, down] = run.actions;
    expect(up?.to).toBe(6); // 5,000 msg/s on 12 partitions: 6 workers of 1,000 msg/s
    expect(up!.atS).toBeLessThanOrEqual(30 * 60 - DEFAULT_FLEET.startDelayS);
    expect(down?.to).toBe(2);
    expect(down!.atS).toBeGreaterThanOrEqual(90 * 60);
  });

  it('picks up new partitions mid-run (6 → 12) and uses them', () => {
    const run = simulate(BUILT_IN_TRACES['partition-increase']!(), DEFAULT_FLEET, oracle);
    expect(Math.max(...run.tasks)).toBe(12);
    expect(score(run, DEFAULT_FLEET.sloS).sloViolationMinutes).toBe(0);
  });
});
