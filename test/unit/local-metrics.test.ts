import { describe, expect, it } from 'vitest';
import { ProcessMetricsSource, type ProcessUsage } from '../../local/process-metrics.ts';

describe('local metrics source', () => {
  it('reports the busiest worker, as the Lambda reads CloudWatch (Maximum), not the average', async () => {
    // Worker 1 uses 0.2 s of CPU per second and 256 MiB; worker 2 0.8 s and 512 MiB.
    const usage = new Map<number, ProcessUsage>([
      [1, { ticks: 0, rssMiB: 256 }],
      [2, { ticks: 0, rssMiB: 512 }],
    ]);
    const source = new ProcessMetricsSource(
      () => [1, 2],
      (pid) => usage.get(pid)!,
    );
    const [first] = await source.resources(1_000_000);
    expect(first).toEqual({ at: 1_000_000, cpu: null, memory: 50 });

    usage.set(1, { ticks: 2 * 100 * 0.2, rssMiB: 256 });
    usage.set(2, { ticks: 2 * 100 * 0.8, rssMiB: 512 });
    const [second] = await source.resources(1_002_000);
    expect(second?.cpu).toBeCloseTo(80);
    expect(second?.memory).toBe(50);
  });

  it('skips a worker that exited between listing and reading, and reports nothing for none', async () => {
    const source = new ProcessMetricsSource(
      () => [7],
      () => {
        throw new Error('ENOENT');
      },
    );
    expect(await source.resources(5)).toEqual([{ at: 5, cpu: null, memory: null }]);
  });
});
