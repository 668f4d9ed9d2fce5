import { describe, expect, it } from 'vitest';
import { PartitionPositions } from '../../worker/src/partition-positions.ts';

const P = 'in:0';

/** Feeds offsets in delivery order; returns the accepted ones and the seeks asked for. */
function feed(positions: PartitionPositions, offsets: number[]) {
  const accepted: number[] = [];
  let seeks = 0;
  for (const o of offsets) {
    const a = positions.admit(P, BigInt(o));
    if (a === 'accept') accepted.push(o);
    if (a === 'seek') seeks++;
  }
  return { accepted, seeks };
}

describe('PartitionPositions', () => {
  it('drops everything until the client loaded the position after a join', () => {
    const p = new PartitionPositions();
    expect(feed(p, [5, 6, 7]).accepted).toEqual([]);
    p.start(P, 5n);
    expect(feed(p, [5, 6, 7]).accepted).toEqual([5, 6, 7]);
  });

  it('sends a client whose pre-join fetch ran ahead back, then reads from the committed offset in order', () => {
    const p = new PartitionPositions();
    p.start(P, 12_385n);
    // The fetch in flight at the join delivers 12556…, then the client, sent back, reads 12385….
    const stale = feed(p, [12_556, 12_557, 12_558]);
    expect(stale).toEqual({ accepted: [], seeks: 3 });
    expect(p.next(P)).toBe(12_385n);
    expect(feed(p, [12_385, 12_386, 12_556]).accepted).toEqual([12_385, 12_386, 12_556]);
  });

  it('accepts a real gap at the position once the client, sent back, starts there again', () => {
    const p = new PartitionPositions();
    p.start(P, 10n);
    expect(feed(p, [14, 15])).toEqual({ accepted: [], seeks: 2 });
    expect(feed(p, [14, 15, 17]).accepted).toEqual([14, 15, 17]);
  });

  it('drops records read again below the position, and gaps after the first record are real', () => {
    const p = new PartitionPositions();
    p.start(P, 0n);
    expect(feed(p, [0, 1, 0, 1, 2, 9]).accepted).toEqual([0, 1, 2, 9]);
  });

  it('keeps a batch mirrored during a join from being mirrored again', () => {
    const p = new PartitionPositions();
    p.start(P, 0n);
    feed(p, [0, 1, 2, 3]);
    p.resetAll();
    p.mirrored(P, 4n);
    // The committed offset was listed before the batch's commit landed.
    p.start(P, 0n);
    expect(feed(p, [0, 1, 2, 3, 4, 5]).accepted).toEqual([4, 5]);
  });

  it('reads a failed batch again before anything after it', () => {
    const p = new PartitionPositions();
    p.start(P, 0n);
    feed(p, [0, 1, 2, 3, 4, 5]);
    p.rewind(P, 2n);
    expect(feed(p, [6, 2, 3, 4, 5, 6]).accepted).toEqual([2, 3, 4, 5, 6]);
  });
});
