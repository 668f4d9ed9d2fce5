import { describe, expect, inject, it } from 'vitest';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import {
  endOffset,
  produceRaw,
  type RawRecord,
  readRaw,
  WorkerProcess,
  workersOfBlock,
} from '../helpers/worker-process.ts';

const CLIENTS = ['kafkajs+platformatic', 'kafkajs', 'platformatic'] as const;
/** Every name an object inherits: each one crashed the kafkajs consumer as a header name. */
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype);
const PAD = 'p'.repeat(50_000);
const TRANSFORM = { set: { '/mirrored': true, '/pad': PAD } };
/** The compact input text with the transform's members appended. */
const transformed = (text: string) => `${text.slice(0, -1)},"mirrored":true,"pad":"${PAD}"}`;

type Header = [string, Buffer | null];

interface Case {
  value: Buffer;
  headers?: Header[];
  /** The dead-letter reason, or absent: mirrored. */
  reason?: string;
}

const good = (i: number, headers?: Header[]): Case => ({
  value: Buffer.from(JSON.stringify({ id: `g${i}`, seq: i })),
  ...(headers ? { headers } : {}),
});

const b = (s: string) => Buffer.from(s);
const BIG = '{"id":12345678901234567890,"amount":1e400,"price":1.50,"n":-0}';

/** Good records interleaved with each kind of record that used to stop the worker or change silently. */
const CASES: Case[] = [
  good(0),
  good(1, [
    ...INHERITED_NAMES.map((n): Header => [n, b(`v-${n}`)]),
    ['dup', b('1')],
    ['trace', b('t')],
    ['dup', null],
    ['dup', b('3')],
  ]),
  good(2),
  {
    value: b(`{"id":"d1","deep":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`),
    reason: 'too-deep',
  },
  good(3),
  {
    value: b(`{"id":"d2","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    reason: 'too-deep',
  },
  good(4),
  { value: b(BIG) },
  good(5),
  {
    value: Buffer.concat([b('{"id":"u1","s":"'), Buffer.from([0xc3, 0x28, 0xff]), b('"}')]),
    reason: 'invalid-utf8',
  },
  good(6),
  { value: b('{"id":"a\\ud800"}'), reason: 'invalid-utf8' },
  good(7),
  // Within max_message_bytes as read; past it once the transform adds its 50 KB.
  { value: b(JSON.stringify({ id: 'big', fill: 'f'.repeat(970_000) })), reason: 'oversized' },
  good(8),
  good(9, [['only-null', null]]),
  good(10, [['__proto__', b('proto')]]),
];

/** Values per name, in order: what every client keeps (the kafkajs consumer groups names). */
function byName(headers: Header[]): Record<string, Array<string | null>> {
  const out: Record<string, Array<string | null>> = Object.create(null);
  for (const [k, v] of headers) {
    out[k] ??= [];
    out[k].push(v === null ? null : v.toString('latin1'));
  }
  return { ...out };
}

const reasonOf = (r: RawRecord) =>
  r.headers.find(([k]) => k === 'lagpilot.error.reason')?.[1]?.toString();

describe.each(CLIENTS)(
  `worker mirrors faithfully or dead-letters with a reason (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers = workersOfBlock();

    it('mirrors every good record exactly, dead-letters each bad one, reaches lag 0 and keeps running', async () => {
      const [input, output, dlq, group] = ['faith-in', 'faith-out', 'faith-dlq', 'faith-g'].map(
        uniqueName,
      ) as [string, string, string, string];
      await createTopics(kafka, { [input]: 1, [output]: 3, [dlq]: 1 });
      await produceRaw(
        inject('kafkaBrokers'),
        input,
        CASES.map((c) => ({
          key: Buffer.from('same-key'),
          value: c.value,
          headers: c.headers ?? [],
        })),
      );

      const worker = await WorkerProcess.start({
        MIRROR_APPID: group,
        MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_DLQ_TOPIC: dlq,
        MIRROR_PARTITION: '/id',
        MIRROR_TRANSFORM: JSON.stringify(TRANSFORM),
        MIRROR_CLIENT: client,
      });
      workers.push(worker);
      await worker.ready();
      // The kafkajs producer cannot write a null header value: with it alone, such a record is
      // dead-lettered (without the null headers, named in the detail) instead of mirrored.
      const cases = CASES.map((c) =>
        client === 'kafkajs' && !c.reason && c.headers?.some(([, v]) => v === null)
          ? { ...c, reason: 'unwritable-header' }
          : c,
      );
      const bad = cases.filter((c) => c.reason);
      const mirrored = cases.filter((c) => !c.reason);
      await eventually(async () => {
        const [o, d] = [await endOffset(kafka, output), await endOffset(kafka, dlq)];
        return o >= mirrored.length && d >= bad.length ? true : undefined;
      }, 60_000);

      const out = await readRaw(inject('kafkaBrokers'), output, mirrored.length);
      const byKey = new Map(out.map((r) => [r.key!.toString(), r]));
      for (const c of mirrored) {
        const text = c.value.toString();
        const id = text === BIG ? '12345678901234567890' : (JSON.parse(text) as { id: string }).id;
        const r = byKey.get(id);
        expect(r, `record ${id} mirrored`).toBeDefined();
        expect(r!.value!.toString()).toBe(transformed(text));
        expect(byName(r!.headers)).toEqual(byName(c.headers ?? []));
        // @platformatic/kafka consumes and produces the header list as it is on the wire.
        if (client === 'platformatic') expect(r!.headers).toEqual(c.headers ?? []);
      }
      expect(byKey.get('12345678901234567890')!.value!.toString()).toContain(
        '"id":12345678901234567890,"amount":1e400,"price":1.50,"n":-0',
      );

      const dead = await readRaw(inject('kafkaBrokers'), dlq, bad.length);
      expect(dead.map(reasonOf)).toEqual(bad.map((c) => c.reason));
      // Each keeps its original bytes (an oversized one points back by its offset instead).
      for (const [i, c] of bad.entries()) {
        if (c.reason !== 'oversized') expect(dead[i]!.value!.equals(c.value)).toBe(true);
        const original = (c.headers ?? []).filter(([, v]) => client !== 'kafkajs' || v !== null);
        expect(byName(dead[i]!.headers.slice(0, original.length))).toEqual(byName(original));
      }

      const admin = kafka.admin();
      await admin.connect();
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [input] });
        return committed!.partitions[0]!.offset === String(CASES.length) ? true : undefined;
      });
      await admin.disconnect();
      expect((await worker.http('/readyz')).status).toBe(200);
      expect(worker.events('consumer_crashed')).toEqual([]);
      const metrics = (await worker.http('/metrics')).body;
      expect(metrics).toMatch(
        new RegExp(`^lagpilot_worker_messages_dlq_total ${bad.length}$`, 'm'),
      );
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    });
  },
);
