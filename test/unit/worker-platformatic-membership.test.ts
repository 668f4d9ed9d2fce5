import { Consumer, kGetApi } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import { watchMembership } from '../../worker/src/platformatic-membership.ts';

type Callback = (error: Error | null, value?: unknown) => void;
interface Sent {
  epoch: number;
  reply: Callback;
}

/** The pinned client, its API lookup answered by a fake ConsumerGroupHeartbeat that records each request. */
function member() {
  const consumer = new Consumer({
    clientId: 'membership-test',
    bootstrapBrokers: ['127.0.0.1:1'],
    groupId: 'g',
    groupProtocol: 'consumer',
  });
  const sent: Sent[] = [];
  const heartbeat = Object.assign(
    (...args: unknown[]) => {
      sent.push({ epoch: args[3] as number, reply: args.at(-1) as Callback });
    },
    { version: 1, key: 68 },
  );
  (consumer as unknown as Record<symbol, unknown>)[kGetApi] = (name: string, cb: Callback) =>
    cb(null, name === 'ConsumerGroupHeartbeat' ? heartbeat : undefined);
  return { consumer, sent };
}

function send(consumer: Consumer, epoch: number): Promise<unknown> {
  const getApi = (consumer as unknown as Record<symbol, (n: string, cb: Callback) => void>)[
    kGetApi
  ]!;
  return new Promise((resolve, reject) =>
    getApi.call(consumer, 'ConsumerGroupHeartbeat', (_e, api) => {
      const fn = api as ((...a: unknown[]) => void) & { version: number };
      expect(fn.version).toBe(1);
      fn(
        'conn',
        'g',
        'm',
        epoch,
        null,
        null,
        60_000,
        ['t'],
        null,
        null,
        [],
        (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r)),
      );
    }),
  );
}

const consumers: Consumer[] = [];
afterEach(async () => {
  await Promise.allSettled(consumers.splice(0).map((c) => c.close(true)));
});

describe('watchMembership (consumer group protocol on @platformatic/kafka)', () => {
  it('refuses to start, naming the field and the client version, when the client lacks the seams it hooks', () => {
    const hooks = { onAssignment: () => {}, beforeHeartbeat: () => undefined, onFenced: () => {} };
    const withoutField = { [kGetApi]: () => {} } as unknown as Consumer;
    expect(() => watchMembership(withoutField, hooks)).toThrow(ConfigError);
    expect(() => watchMembership(withoutField, hooks)).toThrow(
      /group_protocol: @platformatic\/kafka \d+\.\d+\.\d+ has no assignments field.*set group_protocol "classic"/,
    );
  });

  it('reports every assignment the client sets, synchronously', () => {
    const { consumer } = member();
    consumers.push(consumer);
    const seen: unknown[] = [];
    watchMembership(consumer, {
      onAssignment: (a) => seen.push(a),
      beforeHeartbeat: () => undefined,
      onFenced: () => {},
    });
    const assigned = [{ topic: 't', partitions: [0, 2] }];
    (consumer as unknown as { assignments: unknown }).assignments = assigned;
    expect(seen).toEqual([assigned]);
    expect(consumer.assignments).toBe(assigned);
  });

  it('holds a heartbeat (the revocation acknowledgement) until the drain resolves; a leave is never held', async () => {
    const { consumer, sent } = member();
    consumers.push(consumer);
    let drain = () => {};
    const drained = new Promise<void>((r) => {
      drain = r;
    });
    const membership = watchMembership(consumer, {
      onAssignment: () => {},
      beforeHeartbeat: () => drained,
      onFenced: () => {},
    });
    const ack = send(consumer, 7);
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toHaveLength(0);
    void send(consumer, -1);
    expect(sent.map((s) => s.epoch)).toEqual([-1]);
    drain();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent.map((s) => s.epoch)).toEqual([-1, 7]);
    sent[1]!.reply(null, { memberEpoch: 8 });
    await ack;
    expect(membership.memberEpoch()).toBe(8);
  });

  it('a fencing answer ends the membership at once; a forgotten member rejoins like a fenced one', async () => {
    const { consumer, sent } = member();
    consumers.push(consumer);
    let fenced = 0;
    const membership = watchMembership(consumer, {
      onAssignment: () => {},
      beforeHeartbeat: () => undefined,
      onFenced: () => fenced++,
    });
    const first = send(consumer, 0);
    sent[0]!.reply(null, { memberEpoch: 3 });
    await first;
    expect(membership.memberEpoch()).toBe(3);
    const second = send(consumer, 3);
    sent[1]!.reply(Object.assign(new Error('fenced'), { response: { errorCode: 110 } }));
    await expect(second).rejects.toThrow('fenced');
    expect(fenced).toBe(1);
    expect(membership.memberEpoch()).toBeUndefined();

    const rejoined = send(consumer, 0);
    sent[2]!.reply(null, { memberEpoch: 5 });
    await rejoined;
    const third = send(consumer, 5);
    const forgotten = Object.assign(new Error('unknown member'), { response: { errorCode: 25 } });
    sent[3]!.reply(forgotten);
    await expect(third).rejects.toThrow('unknown member');
    expect(fenced).toBe(2);
    // The client takes its fenced path (rejoin with epoch 0) on FENCED_MEMBER_EPOCH only.
    expect(forgotten.response.errorCode).toBe(110);
  });
});
