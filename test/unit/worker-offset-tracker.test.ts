import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../worker/src/offset-tracker.ts';

describe('contiguous-offset commit tracker', () => {
  it('commits nothing until the first range is acknowledged', () => {
    const t = new OffsetTracker();
    t.track(10n, 19n);
    t.track(20n, 29n);
    t.ack(20n);
    expect(t.committable()).toBeUndefined();
    t.ack(10n);
    expect(t.committable()).toBe(30n);
  });

  it('never moves past a gap', () => {
    const t = new OffsetTracker();
    t.track(0n, 4n);
    t.track(5n, 9n);
    t.track(12n, 14n); // offsets 10–11 were compacted away or were control records
    t.ack(0n);
    t.ack(12n);
    expect(t.committable()).toBe(5n);
    t.ack(5n);
    expect(t.committable()).toBe(15n);
  });

  it('rejects ranges out of order and unknown acknowledgements', () => {
    const t = new OffsetTracker();
    t.track(5n, 9n);
    expect(() => t.track(9n, 12n)).toThrow(RangeError);
    expect(() => t.track(3n, 2n)).toThrow(RangeError);
    expect(() => t.ack(7n)).toThrow(RangeError);
  });

  it('whatever the ack order, the committable offset is 1 + the end of the acknowledged prefix', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 30 })
          .chain((sizes) =>
            fc.tuple(fc.constant(sizes), fc.shuffledSubarray(sizes.map((_, i) => i))),
          ),
        ([sizes, acked]) => {
          const t = new OffsetTracker();
          const starts: bigint[] = [];
          let next = 100n;
          for (const s of sizes) {
            starts.push(next);
            t.track(next, next + BigInt(s) - 1n);
            next += BigInt(s);
          }
          for (const i of acked) t.ack(starts[i]!);
          const done = new Set(acked);
          let prefix = 0;
          while (done.has(prefix)) prefix++;
          const expected =
            prefix === 0 ? undefined : prefix === sizes.length ? next : starts[prefix]!;
          expect(t.committable()).toBe(expected);
        },
      ),
    );
  });
});
