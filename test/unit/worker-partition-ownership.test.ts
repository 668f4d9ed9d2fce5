import { describe, expect, it, vi } from 'vitest';
import { PartitionOwnership, type Release } from '../../worker/src/partition-ownership.ts';

const never = () => false;

describe('PartitionOwnership (consumer group protocol)', () => {
  it('keeps a revoked partition owned until its running batch ends, then releases it', async () => {
    const o = new PartitionOwnership();
    o.assign(['t:0', 't:1']);
    const batchToken = o.token('t:1');
    expect(o.assign(['t:0'])).toEqual({ gained: [], revoked: ['t:1'] });
    const running = new Set(['t:1']);
    let released = false;
    const reports: Release[] = [];
    void o
      .released(
        (k) => running.has(k),
        10_000,
        (r) => reports.push(r),
      )!
      .then(() => {
        released = true;
      });
    await Promise.resolve();
    // Still leaving: its batch may commit, the acknowledgement waits.
    expect(released).toBe(false);
    expect(o.holds('t:1', batchToken)).toBe(true);
    running.delete('t:1');
    o.settle((k) => running.has(k));
    await Promise.resolve();
    expect(released).toBe(true);
    expect(reports).toEqual([{ partitions: ['t:1'], heldMs: expect.any(Number), timedOut: false }]);
    expect(o.holds('t:1', batchToken)).toBe(false);
    expect(o.leaving.size).toBe(0);
    // Nothing left to release: a heartbeat goes at once.
    expect(o.released(never, 10_000, () => {})).toBeUndefined();
  });

  it('releases at the timeout when a revoked batch is stuck, and its commit is then refused', async () => {
    vi.useFakeTimers();
    try {
      const o = new PartitionOwnership();
      o.assign(['t:0']);
      const token = o.token('t:0');
      o.assign([]);
      const report = vi.fn();
      const wait = o.released(() => true, 5_000, report)!;
      await vi.advanceTimersByTimeAsync(4_999);
      expect(report).not.toHaveBeenCalled();
      expect(o.holds('t:0', token)).toBe(true);
      await vi.advanceTimersByTimeAsync(1);
      await wait;
      expect(report).toHaveBeenCalledExactlyOnceWith({
        partitions: ['t:0'],
        heldMs: 5_000,
        timedOut: true,
      });
      expect(o.holds('t:0', token)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a batch read before a fence never holds the partition again, even when it is reassigned', async () => {
    const o = new PartitionOwnership();
    o.assign(['t:0', 't:1']);
    const before = o.token('t:0');
    o.assign(['t:0']);
    const pending = o.released(
      () => true,
      10_000,
      () => {},
    )!;
    o.fence();
    // The fence ends the pending drain: there is nothing left to commit for.
    await pending;
    expect(o.holds('t:0', before)).toBe(false);
    expect(o.assign(['t:0', 't:1'])).toEqual({ gained: ['t:0', 't:1'], revoked: [] });
    expect(o.holds('t:0', before)).toBe(false);
    expect(o.holds('t:0', o.token('t:0'))).toBe(true);
  });

  it('a partition given back before its revocation was acknowledged gets a new token', () => {
    const o = new PartitionOwnership();
    o.assign(['t:0']);
    const old = o.token('t:0');
    o.assign([]);
    expect(o.assign(['t:0'])).toEqual({ gained: ['t:0'], revoked: [] });
    expect(o.leaving.size).toBe(0);
    expect(o.holds('t:0', old)).toBe(false);
  });
});
