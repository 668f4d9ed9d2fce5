import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { leastExcess, lowerBound } from '../../sim/bound.ts';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET, seeded } from '../../sim/fleet.ts';
import { allPolicies } from '../../sim/policies/all.ts';
import { score } from '../../sim/score.ts';
import type { Trace } from '../../sim/trace.ts';
import { BUILT_IN_TRACES } from '../../sim/traces.ts';

/** Every integer path, exhaustively: the least excess, or Infinity when no path meets every need. */
function bruteForce(upper: number[], need: number[], ceiling: number[], free: number[]): number {
  let best = Number.POSITIVE_INFINITY;
  const walk = (m: number, consumed: number, excess: number) => {
    if (excess >= best) return;
    if (m === upper.length) {
      best = excess;
      return;
    }
    for (let w = 0; w <= ceiling[m]!; w++) {
      const next = consumed + w;
      if (next > upper[m]!) break;
      if (next < need[m]!) continue;
      walk(m + 1, next, excess + Math.max(0, w - free[m]!));
    }
  };
  walk(0, 0, 0);
  return best;
}

describe('the lower bound', () => {
  it('is the exact optimum of its relaxation on 300 random small cases (exhaustive search)', () => {
    const next = seeded(9);
    const int = (n: number) => Math.floor(next() * n);
    let feasible = 0;
    for (let c = 0; c < 300; c++) {
      const minutes = 2 + int(5);
      const upper: number[] = [];
      const need: number[] = [];
      const ceiling: number[] = [];
      const free: number[] = [];
      let produced = 0;
      for (let m = 0; m < minutes; m++) {
        produced += int(7);
        upper.push(produced);
        ceiling.push(1 + int(6));
        free.push(int(Math.min(3, ceiling[m]! + 1))); // min tasks ≤ max tasks: free ≤ ceiling
      }
      // The SLO: what was produced `lag` minutes ago must be consumed.
      const lag = 1 + int(2);
      for (let m = 0; m < minutes; m++) need.push(m >= lag ? upper[m - lag]! : 0);
      const exact = bruteForce(upper, need, ceiling, free);
      const ours = leastExcess(upper, need, ceiling, free);
      if (exact === Number.POSITIVE_INFINITY) {
        expect(ours.unavoidable, JSON.stringify({ upper, need, ceiling })).toBeGreaterThan(0);
      } else {
        feasible++;
        expect(ours.unavoidable).toBe(0);
        expect(ours.excess, JSON.stringify({ upper, need, ceiling, free })).toBe(exact);
      }
    }
    expect(feasible).toBeGreaterThan(150);
  });

  it('costs min tasks for every minute when they carry the load, and counts the rest in task-minutes', () => {
    const flat: Trace = {
      name: 'flat',
      description: '',
      intervalS: 60,
      rates: new Array(30).fill(500),
    };
    expect(lowerBound(flat, DEFAULT_FLEET).instanceMinutes).toBeCloseTo(30, 6);
    // 3,000 msg/s for 30 minutes on 1,000 msg/s workers: what was produced by minute 29 (the SLO
    // is 60 s) must be consumed, 87 task-minutes of work; one task (min) is paid every minute and
    // does 30 of them, the other 57 need extra task-minutes: 30 + 57 = 87.
    const busy: Trace = { ...flat, rates: new Array(30).fill(3000) };
    expect(lowerBound(busy, DEFAULT_FLEET).instanceMinutes).toBeCloseTo(87, 3);
  });

  it('names the minutes no policy can keep: 20,000 msg/s on 12 partitions of 1,000 msg/s', () => {
    const over: Trace = {
      name: 'over',
      description: '',
      intervalS: 60,
      rates: new Array(20).fill(20_000),
    };
    // By the end of minute m, 20,000 × 60 × m must be consumed, at most 12 × 1,000 × 60 × (m + 1)
    // can be: 1.2 M ≤ 1.44 M holds at m = 1, 2.4 M > 2.16 M fails from m = 2 on: 18 minutes.
    expect(lowerBound(over, DEFAULT_FLEET).unavoidableViolationMinutes).toBe(18);
  });

  it('is never beaten by any policy on the default fleet, given the minutes that policy violated', () => {
    const policies = allPolicies(parseScalingRules({}), { kedaLagThreshold: 1000, cpuTarget: 70 });
    for (const make of Object.values(BUILT_IN_TRACES)) {
      const trace = make();
      if (trace.rates.length > 6 * 60) continue; // the long traces run in the matrix test
      for (const policy of policies) {
        const run = simulate(trace, DEFAULT_FLEET, policy);
        const violated = Array.from(run.lagSeconds, (s) => s > DEFAULT_FLEET.sloS);
        const bound = lowerBound(trace, DEFAULT_FLEET, violated).instanceMinutes;
        const spent = run.tasks.reduce((a, b) => a + b, 0);
        expect(spent, `${policy.name} on ${trace.name}`).toBeGreaterThanOrEqual(bound);
        if (score(run, DEFAULT_FLEET.sloS).sloViolationMinutes === 0) {
          expect(spent).toBeGreaterThanOrEqual(lowerBound(trace, DEFAULT_FLEET).instanceMinutes);
        }
      }
    }
  });
});
