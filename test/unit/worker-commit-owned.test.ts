import { type Consumer, kGetApi, kGetConnection } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { CommitRejectedError } from '../../worker/src/kafka-port.ts';
import { commitOwned } from '../../worker/src/platformatic-commit.ts';

type Callback = (error: Error | null, value?: unknown) => void;

/** A client whose OffsetCommit answers from `answers` in turn and records each epoch it was sent with. */
function client(answers: Array<Error | null>) {
  const epochs: number[] = [];
  const commitApi = (...args: unknown[]) => {
    epochs.push(args[2] as number);
    (args.at(-1) as Callback)(answers.shift() ?? null, {});
  };
  const consumer = {
    coordinatorId: 1,
    groupId: 'g',
    memberId: 'm',
    metadata: async () => ({ brokers: new Map([[1, { host: 'x', port: 1 }]]) }),
    [kGetConnection]: (_b: unknown, cb: Callback) => cb(null, {}),
    [kGetApi]: (_n: string, cb: Callback) => cb(null, commitApi),
  };
  return { consumer: consumer as unknown as Consumer, epochs };
}

const stale = () =>
  Object.assign(new Error('stale'), {
    findBy: (k: string, v: unknown) => (k === 'apiId' && v === 'STALE_MEMBER_EPOCH' ? {} : null),
  });
const offsets = [{ topic: 't', partition: 0, offset: 10n }];

describe('commitOwned (consumer group protocol)', () => {
  it('never sends the commit of a partition this member no longer owns', async () => {
    const { consumer, epochs } = client([]);
    const commit = commitOwned(
      consumer,
      () => 4,
      offsets,
      () => false,
    );
    await expect(commit).rejects.toBeInstanceOf(CommitRejectedError);
    await expect(commit).rejects.toThrow('t[0] no longer owned by this member');
    expect(epochs).toEqual([]);
  });

  it('sends a commit refused as stale again under the epoch that replaced it', async () => {
    const { consumer, epochs } = client([stale(), null]);
    let epoch = 4;
    const memberEpoch = () => epoch++;
    await commitOwned(consumer, memberEpoch, offsets, () => true);
    expect(epochs).toEqual([4, 5]);
  });

  it('gives up (rejected, replayed by the next owner) when the partition was lost meanwhile', async () => {
    const { consumer, epochs } = client([stale(), null]);
    // Owned until the first commit was sent (the revocation was acknowledged while it was on its way).
    const owns = () => epochs.length === 0;
    await expect(commitOwned(consumer, () => 4, offsets, owns)).rejects.toBeInstanceOf(
      CommitRejectedError,
    );
    expect(epochs).toEqual([4]);
  });
});
