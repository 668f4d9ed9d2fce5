import { describe, expect, it } from 'vitest';
import { AssignmentTracker } from '../../worker/src/assignment-tracker.ts';
import { Coalescer } from '../../worker/src/coalescer.ts';
import type { InRecord } from '../../worker/src/kafka-port.ts';
import { Pipeline } from '../../worker/src/pipeline.ts';
import { RateLimiter } from '../../worker/src/rate-limiter.ts';
import { Stats } from '../../worker/src/stats.ts';

const rec = (value: unknown, key: string | null = 'orig'): InRecord => ({
  offset: 7n,
  key: key === null ? null : Buffer.from(key),
  value:
    value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: { trace: Buffer.from('t1') },
});

describe('pipeline', () => {
  const pipeline = new Pipeline({
    output: 'out',
    filter: '/type == "click"',
    transform: { drop: ['/pad'], rename: { '/user': '/userId' } },
    partition: '/userId',
    maxMessageBytes: 100,
  });

  it('filters, transforms and re-keys by the pointer (after the transform)', () => {
    const o = pipeline.run(rec({ type: 'click', user: 42, pad: 'x' }));
    expect(o.kind).toBe('mirror');
    if (o.kind !== 'mirror') return;
    expect(o.out).toHaveLength(1);
    expect(o.out[0]!.topic).toBe('out');
    expect(o.out[0]!.key!.toString()).toBe('42');
    expect(JSON.parse(o.out[0]!.value.toString())).toEqual({ type: 'click', userId: 42 });
    expect(o.out[0]!.headers.trace!.toString()).toBe('t1');
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
});

describe('request coalescer', () => {
  it('keeps one request in flight and coalesces what queued meanwhile, in order', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new Coalescer<number>(async (items) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
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
  it('prints the stats line with rates over the interval, and Prometheus text', () => {
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
    const text = s.prometheus(7_500);
    expect(text).toContain(
      '# TYPE lagpilot_worker_messages_consumed_total counter\nlagpilot_worker_messages_consumed_total 10000',
    );
    expect(text).toContain('lagpilot_worker_time_since_last_commit_seconds 2.5');
    expect(text).toContain('lagpilot_worker_assigned_partitions 3');
  });
});
