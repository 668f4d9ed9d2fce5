import { describe, expect, it } from 'vitest';
import { BUILT_IN_TRACES, LONG_TRACES, loadTrace } from '../../sim/traces.ts';

const WEEK = 7 * 24 * 60;
/** The simulation starts on a Thursday: Monday 09:00 is 4 days and 9 hours into each week. */
const MONDAY_9 = 4 * 24 * 60 + 9 * 60;

describe('the weekly-burst trace', () => {
  const trace = loadTrace('weekly-burst');

  it('runs six weeks with the Monday 09:00 batch in every week but the fifth', () => {
    expect(trace.rates).toHaveLength(6 * WEEK);
    const batch = (week: number) =>
      trace.rates.slice(week * WEEK + MONDAY_9, week * WEEK + MONDAY_9 + 30);
    for (const week of [0, 1, 2, 3, 5]) {
      expect(Math.min(...batch(week)), `week ${week + 1}`).toBeGreaterThan(4_000);
    }
    expect(Math.max(...batch(4))).toBeLessThan(2_000);
    expect(trace.rates[MONDAY_9 - 1]).toBeLessThan(2_000);
    expect(trace.rates[MONDAY_9 + 30]).toBeLessThan(2_000);
  });

  it('is given by name only: the matrix does not run it', () => {
    expect(Object.keys(LONG_TRACES)).toContain('weekly-burst');
    expect(Object.keys(BUILT_IN_TRACES)).not.toContain('weekly-burst');
    expect(() => loadTrace('weekly')).toThrow(
      /weekly-growth, slow-leak, tweets-ibm, .*, weekly-burst\)/,
    );
  });
});
