import { describe, expect, it } from 'vitest';
import { BatchProcessor, FatalDeliveryError } from '../../worker/src/batch-processor.ts';
import {
  CommitRejectedError,
  type InBatch,
  type InRecord,
  type KafkaPort,
  type OutRecord,
  type TopicPartition,
} from '../../worker/src/kafka-port.ts';
import { partitionForKey } from '../../worker/src/murmur2.ts';
import { Pipeline } from '../../worker/src/pipeline.ts';
import { RateLimiter } from '../../worker/src/rate-limiter.ts';
import { Stats } from '../../worker/src/stats.ts';

/** A port that records what the processor produced and committed; `failProduceAt` fails the n-th produce call. */
class RecordingPort implements KafkaPort {
  writesNullHeaders = true;
  produced: OutRecord[][] = [];
  commits: Array<TopicPartition & { offset: bigint }> = [];
  failProduceAt = -1;
  commitError: Error | undefined;
  async partitionCount(): Promise<number> {
    return 6;
  }
  async consume(): Promise<void> {}
  async commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void> {
    if (this.commitError) throw this.commitError;
    this.commits.push(...offsets);
  }
  async produce(records: OutRecord[]): Promise<void> {
    if (this.produced.length === this.failProduceAt) {
      this.failProduceAt = -1;
      throw new Error('NOT_ENOUGH_REPLICAS');
    }
    this.produced.push(records);
  }
  async stopConsuming(): Promise<void> {}
  async disconnect(): Promise<void> {}
}

const ctx = { heartbeat: async () => {} };

/** The value of the last header named `name`, as text. */
const header = (r: OutRecord, name: string) =>
  r.headers.findLast(([k]) => k === name)?.[1]?.toString();

function batch(values: Array<string | null>, firstOffset = 100n, partition = 3): InBatch {
  return {
    topic: 'in',
    partition,
    records: values.map((v, i) => ({
      offset: firstOffset + BigInt(i),
      key: Buffer.from('in-key'),
      value: v === null ? null : Buffer.from(v),
      headers: [],
    })),
  };
}

function processor(
  port: RecordingPort,
  spec: Partial<ConstructorParameters<typeof Pipeline>[0]> = {},
  onError: 'dlq' | 'skip' = 'dlq',
  sleep?: (ms: number) => Promise<void>,
) {
  const stats = new Stats();
  const pipeline = new Pipeline({
    output: 'out',
    partition: '/user',
    maxMessageBytes: 1000,
    ...spec,
  });
  const partitions = new Map([
    ['out', 6],
    ['dlq', 1],
  ]);
  return {
    stats,
    p: new BatchProcessor(pipeline, port, partitions, { onError, dlqTopic: 'dlq' }, stats, {
      ...(sleep ? { sleep } : {}),
    }),
  };
}

describe('batch processor', () => {
  it('heartbeats through a max_rate wait longer than the session timeout', async () => {
    const port = new RecordingPort();
    const stats = new Stats();
    const pipeline = new Pipeline({ output: 'out', partition: '/user', maxMessageBytes: 1000 });
    let now = 0;
    // 250 records at 10/s: 24 s of waiting, with no heartbeat in between without the callback.
    const limiter = new RateLimiter(
      10,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    const p = new BatchProcessor(
      pipeline,
      port,
      new Map([['out', 6]]),
      { onError: 'skip' },
      stats,
      {
        limiter,
      },
    );
    const beats: number[] = [];
    const values = Array.from({ length: 250 }, (_, i) => `{"user":"u${i}"}`);
    await p.process(batch(values), { heartbeat: async () => void beats.push(now) });
    expect(now).toBe(24_000);
    expect(beats.length).toBeGreaterThanOrEqual(24);
    expect(beats.every((t, i) => t - (i === 0 ? 0 : beats[i - 1]!) <= 1000)).toBe(true);
    expect(port.produced.flat()).toHaveLength(250);
  });

  it('produces keyed records to the Java partition, dead-letters bad ones in the same request, then commits last + 1', async () => {
    const port = new RecordingPort();
    const { p, stats } = processor(port);
    await p.process(batch(['{"user":"u1"}', 'nope', '{"user":"u2"}', null]), ctx);
    const out = port.produced.flat();
    expect(
      out.filter((r) => r.topic === 'out').map((r) => [r.key!.toString(), r.partition]),
    ).toEqual([
      ['u1', partitionForKey(Buffer.from('u1'), 6)],
      ['u2', partitionForKey(Buffer.from('u2'), 6)],
    ]);
    const dead = out.filter((r) => r.topic === 'dlq');
    expect(
      dead.map((r) => [header(r, 'lagpilot.error.reason'), header(r, 'lagpilot.source.offset')]),
    ).toEqual([
      ['not-json', '101'],
      ['tombstone', '103'],
    ]);
    expect(header(dead[0]!, 'lagpilot.source.partition')).toBe('3');
    expect(port.commits).toEqual([{ topic: 'in', partition: 3, offset: 104n }]);
    expect(stats).toMatchObject({ consumed: 4, completed: 2, produced: 2, dlq: 2, errors: 2 });
  });

  it('keeps the input partition for keyless records', async () => {
    const port = new RecordingPort();
    const { p } = processor(port, { partition: undefined });
    await p.process(
      {
        ...batch(['x']),
        partition: 8,
        records: [{ offset: 5n, key: null, value: Buffer.from('x'), headers: [] }],
      },
      ctx,
    );
    expect(port.produced.flat()[0]!.partition).toBe(8 % 6);
  });

  it('on a failed produce commits only the acknowledged chunks and stops with a fatal error', async () => {
    const port = new RecordingPort();
    port.failProduceAt = 1; // the second chunk of 4,000 fails
    // Room for a whole chunk in one request (each holds ~14 bytes a record for 6 partitions).
    const { p } = processor(port, { maxMessageBytes: 1_000_000 });
    const values = Array.from({ length: 10_000 }, (_, i) => `{"user":"u${i}"}`);
    await expect(p.process(batch(values, 0n), ctx)).rejects.toThrow(FatalDeliveryError);
    expect(port.commits).toEqual([{ topic: 'in', partition: 3, offset: 4000n }]);
  });

  it('commits past what the client filtered out after the records (a transaction marker) once all are acknowledged', async () => {
    const port = new RecordingPort();
    const { p } = processor(port);
    // Records 100 and 101, then a commit marker at 102: the group's lag must reach 0.
    await p.process({ ...batch(['{"user":"a"}', '{"user":"b"}']), endOffset: 103n }, ctx);
    expect(port.commits).toEqual([{ topic: 'in', partition: 3, offset: 103n }]);
    // Not past a record whose produce failed.
    const failing = new RecordingPort();
    failing.failProduceAt = 1;
    const { p: q } = processor(failing, { maxMessageBytes: 1_000_000 });
    const values = Array.from({ length: 5000 }, (_, i) => `{"user":"u${i}"}`);
    await expect(q.process({ ...batch(values, 0n), endOffset: 5001n }, ctx)).rejects.toThrow(
      FatalDeliveryError,
    );
    expect(failing.commits).toEqual([{ topic: 'in', partition: 3, offset: 4000n }]);
  });

  it('keeps each output partition of a merged produce request within max_message_bytes, records in order', async () => {
    const port = new RecordingPort();
    const { p } = processor(port, { maxMessageBytes: 1000 });
    // ~330-byte records of one user: every record of both batches goes to one output partition.
    const values = (from: number) =>
      Array.from({ length: 10 }, (_, i) =>
        JSON.stringify({ user: 'u', seq: from + i, pad: 'x'.repeat(300) }),
      );
    await Promise.all([
      p.process(batch(values(0), 0n, 3), ctx),
      p.process(batch(values(100), 0n, 4), ctx),
    ]);
    for (const request of port.produced) {
      // Record batch header 61 bytes, at most 20 a record besides key and value.
      const bytes = request.reduce((n, r) => n + 20 + r.key!.length + r.value!.length, 61);
      expect(bytes).toBeLessThanOrEqual(1000);
    }
    const seqs = port.produced.flat().map((r) => JSON.parse(r.value!.toString()).seq as number);
    expect(seqs.filter((s) => s < 100)).toEqual([...Array(10).keys()]);
    expect(seqs.filter((s) => s >= 100)).toEqual([...Array(10).keys()].map((i) => 100 + i));
    // Merged where they fit: two ~330-byte records a request, not one.
    expect(port.produced.length).toBe(10);
  });

  it('skips bad records when configured, still committing past them', async () => {
    const port = new RecordingPort();
    const { p, stats } = processor(port, {}, 'skip');
    await p.process(batch(['nope', '{"x":1}']), ctx);
    expect(port.produced).toEqual([]);
    expect(port.commits).toEqual([{ topic: 'in', partition: 3, offset: 102n }]);
    expect(stats).toMatchObject({ skipped: 2, dlq: 0, errors: 2 });
  });

  it('counts a commit refused by a rebalance without failing; other commit errors become fatal after retries', async () => {
    const port = new RecordingPort();
    const pauses: number[] = [];
    const { p, stats } = processor(port, {}, 'dlq', async (ms) => {
      pauses.push(ms);
    });
    port.commitError = new CommitRejectedError('REBALANCE_IN_PROGRESS');
    await p.process(batch(['{"user":"a"}']), ctx);
    expect(stats.commitsRejected).toBe(1);
    expect(pauses).toEqual([]);
    port.commitError = new Error('coordinator unavailable');
    await expect(p.process(batch(['{"user":"a"}'], 200n), ctx)).rejects.toThrow(
      /commit of in\[3\]@201 failed 3 times/,
    );
    // Backs off between attempts, longer each time; none after the last.
    expect(pauses).toEqual([200, 400]);
  });

  it('turns a record that throws anywhere in its processing into a bad record, never a batch failure', async () => {
    const port = new RecordingPort();
    const stats = new Stats();
    // Nothing from the wire is known to make the pipeline throw: a subclass stands in for the unknown.
    const pipeline = new (class extends Pipeline {
      override run(record: InRecord) {
        if (record.offset === 101n) throw new TypeError('boom');
        return super.run(record);
      }
    })({ output: 'out', partition: '/user', maxMessageBytes: 1000 });
    const guarded = new BatchProcessor(
      pipeline,
      port,
      new Map([
        ['out', 6],
        ['dlq', 1],
      ]),
      { onError: 'dlq', dlqTopic: 'dlq' },
      stats,
    );
    await guarded.process(batch(['{"user":"a"}', '{"user":"b"}', '{"user":"c"}']), ctx);
    const out = port.produced.flat();
    expect(out.filter((r) => r.topic === 'out').map((r) => r.key!.toString())).toEqual(['a', 'c']);
    const dead = out.filter((r) => r.topic === 'dlq');
    expect(
      dead.map((r) => [header(r, 'lagpilot.error.reason'), header(r, 'lagpilot.error.detail')]),
    ).toEqual([['unprocessable', 'TypeError: boom']]);
    expect(port.commits).toEqual([{ topic: 'in', partition: 3, offset: 103n }]);
  });

  it('dead-letters with every original header, in order, duplicates and nulls included', async () => {
    const port = new RecordingPort();
    const { p } = processor(port);
    const headers = [
      ['constructor', Buffer.from('c')],
      ['a', null],
      ['a', Buffer.from('2')],
    ] as const;
    await p.process(
      {
        topic: 'in',
        partition: 0,
        records: [{ offset: 1n, key: null, value: Buffer.from('nope'), headers }],
      },
      ctx,
    );
    const dead = port.produced.flat()[0]!;
    expect(dead.headers.slice(0, 3)).toEqual(headers);
    expect(dead.headers.slice(3).map(([k]) => k)).toEqual([
      'lagpilot.error.reason',
      'lagpilot.error.detail',
      'lagpilot.source.topic',
      'lagpilot.source.partition',
      'lagpilot.source.offset',
    ]);
  });

  it('leaves out of a dead letter what would not fit max_message_bytes: the value, then the headers', async () => {
    // processor(): max_message_bytes 1000. Each record fits on its own; its dead letter would not.
    const dlq = async (value: Buffer, headers: Array<[string, Buffer]>) => {
      const port = new RecordingPort();
      await processor(port).p.process(
        { topic: 'in', partition: 0, records: [{ offset: 1n, key: null, value, headers }] },
        ctx,
      );
      return port.produced.flat()[0]!;
    };
    const big = await dlq(Buffer.alloc(880, 'x'), [['h', Buffer.from('1')]]);
    expect(big.value).toBeNull();
    expect(big.headers[0]).toEqual(['h', Buffer.from('1')]);
    expect(header(big, 'lagpilot.error.reason')).toBe('not-json');
    expect(header(big, 'lagpilot.error.detail')).toContain('value left out');
    const heavy = await dlq(Buffer.from('nope'), [['h', Buffer.alloc(880, 'y')]]);
    expect(heavy.value).toBeNull();
    expect(heavy.headers.map(([k]) => k)).not.toContain('h');
    expect(header(heavy, 'lagpilot.error.detail')).toContain('value and headers left out');
    expect(header(heavy, 'lagpilot.source.offset')).toBe('1');
    const small = await dlq(Buffer.from('nope'), []);
    expect(small.value).toEqual(Buffer.from('nope'));
  });

  it('dead-letters a record with a null header value when the producer cannot write one, naming the header', async () => {
    const port = new RecordingPort();
    port.writesNullHeaders = false;
    const { p } = processor(port);
    const headers = [
      ['a', Buffer.from('1')],
      ['n', null],
    ] as const;
    await p.process(
      {
        topic: 'in',
        partition: 0,
        records: [{ offset: 1n, key: null, value: Buffer.from('{"user":"u"}'), headers }],
      },
      ctx,
    );
    const [dead, ...rest] = port.produced.flat();
    expect(rest).toEqual([]);
    expect(dead!.topic).toBe('dlq');
    expect(header(dead!, 'lagpilot.error.reason')).toBe('unwritable-header');
    expect(header(dead!, 'lagpilot.error.detail')).toContain('"n"');
    expect(dead!.headers[0]).toEqual(['a', Buffer.from('1')]);
    expect(dead!.headers.some(([, v]) => v === null)).toBe(false);
  });
});
