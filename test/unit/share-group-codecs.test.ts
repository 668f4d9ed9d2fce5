import { describe, expect, it } from 'vitest';
import { decodeListGroups, encodeListGroups } from '../../lambda/adapters/group-type.ts';
import { accessDenied, kafkaErrorType } from '../../lambda/adapters/kafka-errors.ts';
import { decodeShareOffsets, encodeShareOffsets } from '../../lambda/adapters/share-offsets.ts';
import { GroupNotFoundError } from '../../lambda/core/errors.ts';

// The wire formats, pinned byte by byte; test/integration/share-group.test.ts reads the same
// requests from a real broker and checks them against Kafka's own tool.
const compact = (s: string | null) =>
  s === null ? [0] : [Buffer.byteLength(s) + 1, ...Buffer.from(s)];
const int16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const int32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return [...b];
};

/** One DescribeShareGroupOffsets partition entry. */
const partition = (index: number, start: number, lag: number | undefined, code = 0) => [
  ...int32(index),
  ...int64(start),
  ...int32(0), // leader epoch
  ...(lag === undefined ? [] : int64(lag)),
  ...int16(code),
  0, // null error message
  0, // tagged fields
];

function offsetsResponse(parts: number[][], groupCode = 0) {
  return Buffer.from([
    0, // response header tagged fields
    ...int32(0),
    2, // one group
    ...compact('g'),
    2, // one topic
    ...compact('orders'),
    ...Array(16).fill(7), // topic id
    parts.length + 1,
    ...parts.flat(),
    0,
    ...int16(groupCode),
    0,
    0,
    0,
  ]);
}

describe('DescribeShareGroupOffsets', () => {
  it('asks for one group and its topics partition by partition, behind the flexible header', () => {
    const body = encodeShareOffsets('g', new Map([['orders', [0, 1]]]));
    expect([...body]).toEqual([
      0,
      2,
      ...compact('g'),
      2,
      ...compact('orders'),
      3,
      ...int32(0),
      ...int32(1),
      0,
      0,
      0,
    ]);
  });

  it("reads v1's start offset and lag; a partition no member fetched yet has neither", () => {
    const payload = offsetsResponse([partition(0, 50, 50), partition(1, -1, -1)]);
    expect(decodeShareOffsets('g', 1, payload)).toEqual(
      new Map([
        [
          'orders',
          new Map([
            [0, { start: 50, lag: 50 }],
            [1, { start: null, lag: null }],
          ]),
        ],
      ]),
    );
  });

  it('reads v0 (Kafka 4.1) without a lag: the lag source counts it from the start offset', () => {
    const payload = offsetsResponse([partition(2, 1_000, undefined)]);
    expect(decodeShareOffsets('g', 0, payload).get('orders')?.get(2)).toEqual({
      start: 1_000,
      lag: null,
    });
  });

  it('a group that is gone is GroupNotFoundError; a partition error names the request and code', () => {
    expect(() => decodeShareOffsets('g', 1, offsetsResponse([], 69))).toThrow(GroupNotFoundError);
    expect(() => decodeShareOffsets('g', 1, offsetsResponse([partition(0, 5, 5, 29)]))).toThrow(
      'DescribeShareGroupOffsets for group g failed with Kafka error code 29',
    );
  });
});

describe('ListGroups v5: the group type', () => {
  const listed = (groups: [string, string][], code = 0) =>
    Buffer.from([
      0,
      ...int32(0),
      ...int16(code),
      groups.length + 1,
      ...groups.flatMap(([id, type]) => [
        ...compact(id),
        ...compact(type === 'classic' ? 'consumer' : ''),
        ...compact('Stable'),
        ...compact(type),
        0,
      ]),
      0,
    ]);

  it('asks with no state and no type filter', () => {
    expect([...encodeListGroups()]).toEqual([0, 1, 1, 0]);
  });

  it("finds the group's type among the coordinator's groups", () => {
    const payload = listed([
      ['a', 'consumer'],
      ['orders', 'share'],
      ['b', 'classic'],
    ]);
    expect(decodeListGroups('orders', payload)).toBe('share');
    expect(decodeListGroups('a', payload)).toBe('consumer');
    expect(decodeListGroups('b', payload)).toBe('classic');
    expect(decodeListGroups('missing', payload)).toBeUndefined();
    expect(decodeListGroups('s', listed([['s', 'streams']]))).toBeUndefined();
  });

  it('an error code throws, a coordinator still loading as transient', () => {
    expect(() => decodeListGroups('g', listed([], 14))).toThrow(
      expect.objectContaining({ retriable: true }),
    );
  });
});

describe('access refused names the fix', () => {
  it('wrong SCRAM credentials point at the auth mechanism and the secret', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const type = kafkaErrorType(sasl);
    expect(accessDenied(type, ['b:9096'], sasl)?.message).toBe(
      'Kafka brokers b:9096 refused lagpilot (SASL SCRAM SHA512 authentication failed): check LAGPILOT_KAFKA_AUTH (the mechanism the listener expects) and the username and password in the LAGPILOT_KAFKA_SECRET_ARN secret',
    );
    const denied = Object.assign(new Error('not authorized'), {
      type: 'GROUP_AUTHORIZATION_FAILED',
    });
    expect(accessDenied(kafkaErrorType(denied), ['b:9096'], denied)).toMatchObject({
      kind: 'config',
      message: expect.stringContaining('allow DESCRIBE and READ on the group LAGPILOT_GROUP_ID'),
    });
    expect(accessDenied(undefined, ['b:9096'], new Error('x'))).toBeUndefined();
  });
});
