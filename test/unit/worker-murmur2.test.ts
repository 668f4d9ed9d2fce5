import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// kafkajs's DefaultPartitioner is documented as Java-compatible: its murmur2 serves as a second oracle.
// @ts-expect-error: internal CommonJS module without types
import kafkajsMurmur2 from '../../node_modules/kafkajs/src/producer/partitioners/default/murmur2.js';
import { murmur2, partitionForKey } from '../../worker/src/murmur2.ts';

describe('murmur2 (Java Utils.murmur2 parity)', () => {
  // The vectors of Kafka's own UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %i', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('matches the kafkajs Java-compatible implementation on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
    );
  });

  it('picks the partition a Java producer picks: toPositive(hash) % partitions', () => {
    // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; 1173551340 % 12 = 0
    expect(partitionForKey(Buffer.from('21'), 12)).toBe(1173551340 % 12);
    expect(partitionForKey(Buffer.from('abc'), 7)).toBe(479470107 % 7);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 500 }), (key, n) => {
        const p = partitionForKey(Buffer.from(key), n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
      }),
    );
  });
});
