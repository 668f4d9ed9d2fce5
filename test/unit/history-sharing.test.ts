import { describe, expect, it } from 'vitest';
import { learn } from '../../lambda/core/capacity.ts';
import { mergeResources, within } from '../../lambda/core/measure.ts';
import { lastCallOn } from '../../lambda/core/memo.ts';
import { recordRate } from '../../lambda/core/recurrence.ts';
import { recordWeekRate } from '../../lambda/core/recurrence-week.ts';
import type { ResourceSample } from '../../lambda/core/types.ts';

const at = (s: number, cpu: number | null = 50): ResourceSample => ({
  at: s * 60_000,
  cpu,
  memory: 20,
});

describe('mergeResources', () => {
  it('merges by timestamp, oldest first, the newest value winning', () => {
    const kept = [at(1), at(2), at(4)];
    const merged = mergeResources(kept, [at(5), at(2, 90), at(3), at(3, 70)]);
    expect(merged.map((s) => [s.at / 60_000, s.cpu])).toEqual([
      [1, 50],
      [2, 90],
      [3, 70],
      [4, 50],
      [5, 50],
    ]);
    expect(kept.map((s) => s.cpu)).toEqual([50, 50, 50]);
  });

  it('returns the kept samples themselves when the fresh ones add or change nothing', () => {
    const kept = [at(1), at(2), at(3)];
    expect(mergeResources(kept, [at(2), at(3)])).toBe(kept);
    expect(mergeResources(kept, [])).toBe(kept);
    expect(mergeResources(kept, [at(3, 51)])).not.toBe(kept);
  });

  it('keeps a window without copying when every sample is in it', () => {
    const kept = [at(1), at(2), at(3)];
    expect(within(kept, at(1).at, at(3).at)).toBe(kept);
    expect(within(kept, at(2).at).map((s) => s.at)).toEqual([at(2).at, at(3).at]);
  });
});

describe('history kept without copies', () => {
  it('a step that changes no peak returns the kept profiles as they are', () => {
    const t = 100 * 3_600_000 + 5 * 60_000;
    const hourly = recordRate([], t, 800);
    expect(recordRate(hourly, t + 15_000, 700)).toBe(hourly);
    expect(recordRate(hourly, t + 15_000, 900)[0]!.peaks[5]).toBe(900);
    const weekly = recordWeekRate({ firstHour: 0, peaks: [] }, t, 800);
    expect(recordWeekRate(weekly, t + 15_000, 800.4)).toBe(weekly);
    expect(recordWeekRate(weekly, t + 15_000, 801).peaks.at(-1)).toBe(801);
  });

  it('learning nothing keeps the capacity memory', () => {
    const kept = { samples: [900, 1000, 1100], taskDefinition: 'td:1' };
    expect(learn(kept, null, 'td:1')).toBe(kept);
    expect(learn(kept, null, 'td:2').samples).toEqual([]);
    expect(learn(kept, 950, 'td:1').samples).toEqual([900, 1000, 1100, 950]);
  });
});

describe('lastCallOn', () => {
  it('reuses the last result for the same kept object and arguments only', () => {
    let calls = 0;
    const sum = lastCallOn((xs: readonly number[], k: number) => {
      calls++;
      return xs.reduce((a, b) => a + b, 0) * k;
    });
    const xs = [1, 2, 3];
    expect(sum(xs, 2)).toBe(12);
    expect(sum(xs, 2)).toBe(12);
    expect(calls).toBe(1);
    expect(sum(xs, 3)).toBe(18);
    expect(sum([1, 2, 3], 3)).toBe(18);
    expect(calls).toBe(3);
  });
});
