import { describe, expect, it } from 'vitest';
import { chartSvg } from '../../sim/chart.ts';
import { compare } from '../../sim/compare.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import type { PolicyFactory } from '../../sim/policy.ts';
import { withSampling } from '../../sim/sampling.ts';
import type { Trace } from '../../sim/trace.ts';

/** Longer than a call's arguments may be: a spread of it overflows the stack. */
const LONG = 500_000;
const holds: PolicyFactory = {
  name: 'holds',
  create: () => ({ intervalS: 60, evaluate: () => undefined }),
};

describe('a trace longer than the call stack takes as arguments', () => {
  it('is sampled, its peak kept', () => {
    const rates = Array.from({ length: LONG }, (_, i) => (i === 1234 ? 900 : 100));
    const trace: Trace = { name: 'long', description: '', intervalS: 20, rates };
    const sampled = withSampling(trace, { noise: 0.2, phaseS: 0, seed: 1 });
    expect(sampled.rates.length).toBeGreaterThanOrEqual(LONG);
    expect(Math.max(...sampled.rates.slice(0, 10_000))).toBeGreaterThan(100 * 1.2);
  });

  it('is charted', () => {
    const trace: Trace = { name: 'short', description: '', intervalS: 60, rates: [100, 100] };
    const c = compare(trace, { ...DEFAULT_FLEET, tickS: 15 }, [holds]);
    const minutes = new Float64Array(LONG).fill(1);
    minutes[LONG - 1] = 7;
    const runs = c.runs.map((r) => ({
      ...r,
      produceRate: minutes,
      tasks: minutes,
      lagSeconds: minutes,
    }));
    expect(chartSvg({ ...c, runs }, 'default fleet')).toContain('<svg');
  });
});
