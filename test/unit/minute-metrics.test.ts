import { describe, expect, it } from 'vitest';
import { MinuteMetricsSource } from '../../lambda/adapters/minute-metrics.ts';
import type { MetricsSource, ResourceSample } from '../../lambda/core/index.ts';

/** A source that counts its reads and fails when told to. */
function counting() {
  const calls: { now: number; windowMs: number }[] = [];
  let failing = false;
  const source: MetricsSource = {
    async resources(now, windowMs): Promise<ResourceSample[]> {
      calls.push({ now, windowMs });
      if (failing) throw new Error('throttled');
      return [{ at: now, cpu: calls.length, memory: 10 }];
    },
  };
  return { source, calls, fail: (f: boolean) => (failing = f) };
}

describe('MinuteMetricsSource: one CloudWatch read a minute whatever the cadence', () => {
  it('answers the steps of a minute from its first read, and reads again a minute later', async () => {
    const c = counting();
    const m = new MinuteMetricsSource(c.source);
    const reads = [];
    for (const s of [0, 15, 30, 45, 60, 75]) reads.push(await m.resources(s * 1000, 300_000));
    expect(c.calls.map((x) => x.now)).toEqual([0, 60_000]);
    expect(reads.map((r) => r[0]!.cpu)).toEqual([1, 1, 1, 1, 2, 2]);
  });

  it('reads again for a longer window, or a clock that went back', async () => {
    const c = counting();
    const m = new MinuteMetricsSource(c.source);
    await m.resources(0, 300_000);
    await m.resources(15_000, 600_000);
    await m.resources(10_000, 300_000);
    expect(c.calls.map((x) => x.now)).toEqual([0, 15_000, 10_000]);
  });

  it('keeps no failure: the step after a failed read asks again', async () => {
    const c = counting();
    const m = new MinuteMetricsSource(c.source);
    await m.resources(0, 300_000);
    c.fail(true);
    await expect(m.resources(60_000, 300_000)).rejects.toThrow('throttled');
    c.fail(false);
    const after = await m.resources(75_000, 300_000);
    expect(c.calls.map((x) => x.now)).toEqual([0, 60_000, 75_000]);
    expect(after[0]!.at).toBe(75_000);
  });
});
