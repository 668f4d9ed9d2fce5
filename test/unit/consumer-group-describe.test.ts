import { describe, expect, it } from 'vitest';
import {
  decodeResponse,
  encodeRequest,
  GroupDescribeError,
} from '../../lambda/adapters/consumer-group-describe.ts';

const compact = (s: string | null) =>
  s === null ? [0] : [Buffer.byteLength(s) + 1, ...Buffer.from(s)];
const int16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const int32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** A v0 response for one group, the members' bodies left out (the decoder stops at the count). */
function response(code: number, state: string, members: number, message: string | null = null) {
  return Buffer.from([
    0, // response header tagged fields
    ...int32(0), // throttle
    2, // one group
    ...int16(code),
    ...compact(message),
    ...compact('g'),
    ...compact(state),
    ...int32(7),
    ...int32(7),
    ...compact('uniform'),
    members + 1,
  ]);
}

describe('ConsumerGroupDescribe (v0)', () => {
  it('encodes one group id behind the flexible header tagged fields', () => {
    expect([...encodeRequest('orders')]).toEqual([0, 2, 7, ...Buffer.from('orders'), 0, 0]);
  });

  it('reads state and member count, mapping the consumer-protocol states onto the classic names', () => {
    expect(decodeResponse('g', response(0, 'Stable', 3))).toEqual({ state: 'Stable', members: 3 });
    expect(decodeResponse('g', response(0, 'Assigning', 2))).toEqual({
      state: 'PreparingRebalance',
      members: 2,
    });
    expect(decodeResponse('g', response(0, 'Reconciling', 2))?.state).toBe('CompletingRebalance');
    expect(decodeResponse('g', response(0, 'Empty', 0))).toEqual({ state: 'Empty', members: 0 });
    expect(decodeResponse('g', response(0, 'Shiny', 1))?.state).toBe('Unknown');
  });

  it('a classic or missing group, or a broker without the protocol, is no answer; other errors throw', () => {
    expect(decodeResponse('g', response(69, '', 0, 'not a consumer group'))).toBeUndefined();
    expect(decodeResponse('g', response(35, '', 0))).toBeUndefined();
    const error = (() => {
      try {
        decodeResponse('g', response(16, '', 0));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GroupDescribeError);
    expect(error).toMatchObject({ retriable: true, code: 16 });
    expect(() => decodeResponse('g', response(30, '', 0, 'denied'))).toThrow(
      'ConsumerGroupDescribe for group g failed with Kafka error code 30: denied',
    );
  });
});
