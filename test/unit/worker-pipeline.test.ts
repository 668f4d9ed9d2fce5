import { describe, expect, it } from 'vitest';
import { sleep } from '../../kit/process.ts';
import { AssignmentTracker } from '../../worker/src/assignment-tracker.ts';
import { Coalescer } from '../../worker/src/coalescer.ts';
import type { InRecord } from '../../worker/src/kafka-port.ts';
import { WorkerMetrics } from '../../worker/src/metrics.ts';
import { Pipeline } from '../../worker/src/pipeline.ts';
import { RateLimiter } from '../../worker/src/rate-limiter.ts';
import { Stats } from '../../worker/src/stats.ts';

const rec = (value: unknown, key: string | null = 'orig'): InRecord => ({
  offset: 7n,
  key: key === null ? null : Buffer.from(key),
  value:
    value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: [['trace', Buffer.from('t1')]],
});

describe('pipeline', () => {
  const pipeline = new Pipeline({
    output: 'out',
    filter: '/type == "click"',
    transform: { drop: ['/pad'], rename: { '/user': '/userId' } },
    partition: '/userId',
    maxMessageBytes: 200,
  });

  it('filters, transforms and re-keys by the pointer (after the transform)', () => {
    const o = pipeline.run(rec({ type: 'click', user: 42, pad: 'x' }));
    expect(o.kind).toBe('mirror');
    if (o.kind !== 'mirror') return;
    expect(o.out).toHaveLength(1);
    expect(o.out[0]!.topic).toBe('out');
    expect(o.out[0]!.key!.toString()).toBe('42');
    expect(JSON.parse(o.out[0]!.value.toString())).toEqual({ type: 'click', userId: 42 });
    expect(o.out[0]!.headers).toEqual([['trace', Buffer.from('t1')]]);
    expect(pipeline.run(rec({ type: 'view', user: 1 }))).toEqual({ kind: 'filtered' });
  });

  it('rejects tombstones, oversized, non-JSON and missing keys with a reason', () => {
    expect(pipeline.run(rec(null))).toMatchObject({ kind: 'rejected', reason: 'tombstone' });
    expect(pipeline.run(rec({ type: 'click', user: 'x'.repeat(200) }))).toMatchObject({
      kind: 'rejected',
      reason: 'oversized',
    });
    expect(pipeline.run(rec('{"type": "click"'))).toMatchObject({
      kind: 'rejected',
      reason: 'not-json',
    });
    expect(pipeline.run(rec({ type: 'click' }))).toMatchObject({
      kind: 'rejected',
      reason: 'missing-key',
      detail: expect.stringContaining('/userId'),
    });
    expect(pipeline.run(rec({ type: 'click', user: null }))).toMatchObject({
      kind: 'rejected',
      reason: 'missing-key',
    });
  });

  it('forwards bytes untouched when nothing needs the document', () => {
    const plain = new Pipeline({ output: 'out', maxMessageBytes: 1000 });
    const o = plain.run(rec('not json at all', 'k'));
    expect(o).toMatchObject({
      kind: 'mirror',
      out: [{ topic: 'out', key: Buffer.from('k'), value: Buffer.from('not json at all') }],
    });
  });

  it('routes to every output whose predicate holds, else to the default output', () => {
    const routed = new Pipeline({
      output: 'rest',
      routes: [
        { output: 'eu', when: '/region == "eu"' },
        { output: 'big', when: '/amount > 100' },
      ],
      maxMessageBytes: 1000,
    });
    const topics = (v: unknown) => {
      const o = routed.run(rec(v));
      return o.kind === 'mirror' ? o.out.map((r) => r.topic) : o.kind;
    };
    expect(topics({ region: 'eu', amount: 500 })).toEqual(['eu', 'big']);
    expect(topics({ region: 'us', amount: 5 })).toEqual(['rest']);
    expect(routed.outputs.sort()).toEqual(['big', 'eu', 'rest']);
    const noDefault = new Pipeline({
      routes: [{ output: 'eu', when: '/region == "eu"' }],
      maxMessageBytes: 1000,
    });
    expect(noDefault.run(rec({ region: 'us' }))).toEqual({ kind: 'filtered' });
  });
});

describe('pipeline: faithful or dead-lettered', () => {
  const transforming = new Pipeline({
    output: 'out',
    transform: { set: { '/mirrored': true } },
    partition: '/id',
    maxMessageBytes: 2_000_000,
  });
  const raw = (text: string | Buffer, headers: InRecord['headers'] = []): InRecord => ({
    offset: 1n,
    key: null,
    value: Buffer.isBuffer(text) ? text : Buffer.from(text),
    headers,
  });
  const mirrored = (p: Pipeline, r: InRecord) => {
    const o = p.run(r);
    if (o.kind !== 'mirror') throw new Error(`expected a mirror, got ${JSON.stringify(o)}`);
    return o.out[0]!;
  };

  it('keeps a 20-digit integer byte-exact in the value and in the key', () => {
    const out = mirrored(transforming, raw('{"id":12345678901234567890,"x":1.50,"y":1e400}'));
    expect(out.value.toString()).toBe(
      '{"id":12345678901234567890,"x":1.50,"y":1e400,"mirrored":true}',
    );
    expect(out.key!.toString()).toBe('12345678901234567890');
  });

  it('filters on a kept number by its value', () => {
    const p = new Pipeline({
      output: 'out',
      filter: '/id > 12345678901234560000',
      maxMessageBytes: 200,
    });
    expect(p.run(raw('{"id":12345678901234567890}')).kind).toBe('mirror');
    expect(p.run(raw('{"id":1234567890123456789}'))).toEqual({ kind: 'filtered' });
  });

  it('dead-letters invalid UTF-8 when it reads the document, and passes it untouched when it does not', () => {
    const bad = Buffer.concat([
      Buffer.from('{"id":1,"s":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    expect(transforming.run(raw(bad))).toMatchObject({ kind: 'rejected', reason: 'invalid-utf8' });
    // A surrogate encoded as UTF-8 bytes (CESU-8) is not UTF-8 either.
    const cesu = Buffer.concat([
      Buffer.from('{"id":1,"s":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    expect(transforming.run(raw(cesu))).toMatchObject({ reason: 'invalid-utf8' });
    const plain = new Pipeline({ output: 'out', maxMessageBytes: 100 });
    expect(mirrored(plain, raw(bad)).value).toEqual(bad);
  });

  it('dead-letters a key that holds a lone surrogate (it has no UTF-8 bytes)', () => {
    expect(transforming.run(raw('{"id":"a\\ud800b"}'))).toMatchObject({
      kind: 'rejected',
      reason: 'invalid-utf8',
      detail: expect.stringContaining('/id'),
    });
    // In the value a lone surrogate stays an escape: written back as it came.
    const out = mirrored(transforming, raw('{"id":"k","s":"a\\ud800b"}'));
    expect(out.value.toString()).toBe('{"id":"k","s":"a\\ud800b","mirrored":true}');
  });

  it('dead-letters JSON too deep to re-serialise, objects or arrays', () => {
    const objects = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const arrays = `{"id":1,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const text of [`{"id":1,"deep":${objects}}`, arrays]) {
      expect(transforming.run(raw(text))).toMatchObject({
        kind: 'rejected',
        reason: 'too-deep',
        detail: expect.stringContaining('nested too deeply'),
      });
    }
  });

  it('dead-letters a record that grows past max_message_bytes in the transform', () => {
    const p = new Pipeline({
      output: 'out',
      transform: { set: { '/pad': 'x'.repeat(600) } },
      maxMessageBytes: 1000,
    });
    expect(p.run(raw(JSON.stringify({ v: 'y'.repeat(600) })))).toMatchObject({
      kind: 'rejected',
      reason: 'oversized',
      detail: expect.stringMatching(
        /output record is \d+ bytes in its batch \(key, value, headers and framing\) > max_message_bytes 1000/,
      ),
    });
  });

  it('holds a record to max_message_bytes with its batch framing, not its bytes alone', () => {
    const p = new Pipeline({ output: 'out', maxMessageBytes: 1000 });
    // 61 bytes of batch header and 20 of record framing: 919 bytes of value fill the batch.
    const sized = (n: number) => ({ key: null, value: Buffer.alloc(n, 'x'), headers: [] });
    expect(p.run({ ...sized(919), offset: 0n }).kind).toBe('mirror');
    expect(p.run({ ...sized(920), offset: 0n })).toMatchObject({ reason: 'oversized' });
  });

  it('dead-letters a record its client could not convert', () => {
    expect(transforming.run({ ...raw('{"id":1}'), unreadable: 'headers: x' })).toEqual({
      kind: 'rejected',
      reason: 'unreadable',
      detail: 'headers: x',
    });
  });

  it('copies every header, in order, duplicates and nulls included', () => {
    const headers = [
      ['__proto__', Buffer.from('p')],
      ['toString', null],
      ['a', Buffer.from('1')],
      ['a', Buffer.from('2')],
    ] as const;
    expect(mirrored(transforming, raw('{"id":1}', headers)).headers).toEqual(headers);
  });
});

describe('assignment tracker', () => {
  it('reports only real changes: partitions handed back to the same member are not revoked', () => {
    const t = new AssignmentTracker();
    const tp = (...ps: number[]) => ps.map((partition) => ({ topic: 'in', partition }));
    expect(t.update(tp(0, 1, 2, 3))).toEqual({
      assigned: ['in[0]', 'in[1]', 'in[2]', 'in[3]'],
      revoked: [],
      rebalance: false,
    });
    expect(t.update(tp(0, 1))).toEqual({
      assigned: [],
      revoked: ['in[2]', 'in[3]'],
      rebalance: true,
    });
    expect(t.update(tp(0, 1))).toEqual({ assigned: [], revoked: [], rebalance: true });
    expect(t.update(tp(1, 5))).toEqual({
      assigned: ['in[5]'],
      revoked: ['in[0]'],
      rebalance: true,
    });
    expect(t.size).toBe(2);
  });
});

describe('rate limiter (max_rate)', () => {
  it('lets a one-second burst through, then paces to the rate', async () => {
    let now = 0;
    const slept: number[] = [];
    const limiter = new RateLimiter(
      1000,
      () => now,
      async (ms) => {
        slept.push(ms);
        now += ms;
      },
    );
    await limiter.take(1000);
    expect(now).toBe(0);
    await limiter.take(500);
    expect(now).toBe(500);
    await limiter.take(2500); // more than a bucket: paid in bucket-sized instalments
    expect(now).toBe(3000);
    expect(slept.every((ms) => ms > 0)).toBe(true);
  });

  it('calls back between instalments, so a long wait can heartbeat the group', async () => {
    let now = 0;
    const limiter = new RateLimiter(
      100,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    const calls: number[] = [];
    // 4,000 records at 100/s: 40 s, past a 30 s session timeout without a heartbeat.
    await limiter.take(4000, async () => {
      calls.push(now);
    });
    expect(now).toBe(39_000);
    expect(calls).toHaveLength(39);
    expect(calls.every((t, i) => i === 0 || t - calls[i - 1]! <= 1000)).toBe(true);
  });
});

describe('request coalescer', () => {
  it('keeps one request in flight and coalesces what queued meanwhile, in order', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new Coalescer<number>(async (items) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(5);
      sent.push(items);
      inFlight--;
    });
    await Promise.all([q.push([1]), q.push([2, 3]), q.push([4])]);
    expect(maxInFlight).toBe(1);
    expect(sent).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every caller whose records were in a failed request, and recovers', async () => {
    let fail = true;
    const q = new Coalescer<number>(async () => {
      if (fail) throw new Error('broker down');
    });
    await expect(q.push([1])).rejects.toThrow('broker down');
    fail = false;
    await expect(q.push([2])).resolves.toBeUndefined();
  });
});

describe('stats', () => {
  it('prints the stats line with rates over the interval, and Prometheus text with process metrics', async () => {
    const s = new Stats();
    s.interval(0);
    Object.assign(s, {
      consumed: 10000,
      filtered: 100,
      completed: 9900,
      errors: 0,
      dlq: 0,
      assignedPartitions: 3,
    });
    expect(s.interval(10_000).line).toBe(
      'Stats: processed=10000 (1000.0/s), filtered=100 (10.0/s), completed=9900 (990.0/s), errors=0 (0.0/s)',
    );
    s.lastCommitAt = 5_000;
    const text = await new WorkerMetrics(s, () => 7_500).text();
    expect(text).toContain(
      '# TYPE lagpilot_worker_messages_consumed_total counter\nlagpilot_worker_messages_consumed_total 10000',
    );
    expect(text).toContain('lagpilot_worker_time_since_last_commit_seconds 2.5');
    expect(text).toContain('lagpilot_worker_assigned_partitions 3');
    // prom-client's process metrics beside ours: resident memory, heap, event-loop lag.
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });
});
