/**
 * Kafka's own tools on the benchmark's broker: the broker's ceiling (producer and consumer perf
 * tests) and MirrorMaker 2 mirroring the same topic as the worker.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { run as runCommand } from '../../dev/cache.ts';
import {
  CONSUMER_PERF,
  MIRROR_MAKER_2,
  mirrorMakerClasspath,
  PRODUCER_PERF,
} from '../../dev/kafka-tools.ts';
import { stopChild } from '../../kit/process.ts';
import { endOffsets, measure, peakRssMb, RECORDS, type Row } from './measure.ts';

export interface JavaTools {
  /** Kafka's classpath. */
  readonly cp: string;
  /** The log4j configuration file (quiet, to a file). */
  readonly log4j: string;
  /** The scratch folder. */
  readonly dir: string;
  readonly brokers: string;
}

export function javaLogConfig(dir: string): Promise<string> {
  const file = join(dir, 'log4j.properties');
  return writeFile(
    file,
    [
      'log4j.rootLogger=WARN, f',
      'log4j.appender.f=org.apache.log4j.FileAppender',
      `log4j.appender.f.File=${join(dir, 'java.log')}`,
      'log4j.appender.f.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.f.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  ).then(() => file);
}

async function java(classpath: string, log4j: string, main: string, args: string[]) {
  const r = await runCommand('java', [
    '-Xmx512m',
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    classpath,
    main,
    ...args,
  ]);
  if (r.code !== 0) throw new Error(`${main} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The producer settings of the worker's default producer, for Kafka's producer perf tool. */
const WORKER_PRODUCER_PROPS = [
  'acks=all',
  'enable.idempotence=true',
  'max.in.flight.requests.per.connection=1',
  // The worker sends what queued while the previous request was in flight: no linger, and
  // batches as large as one fetch's worth of a partition.
  'linger.ms=0',
  'batch.size=1048576',
  'compression.type=none',
];

function producerPerf(tools: JavaTools, topic: string, payloadFile: string, props: string[]) {
  return java(tools.cp, tools.log4j, PRODUCER_PERF, [
    '--topic',
    topic,
    '--num-records',
    String(RECORDS),
    '--throughput',
    '-1',
    '--payload-file',
    payloadFile,
    '--producer-props',
    `bootstrap.servers=${tools.brokers}`,
    ...props,
  ]).then((out) => {
    const m = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(
      out.trim().split('\n').at(-1) ?? '',
    );
    return { msgPerSec: Number(m?.[1] ?? Number.NaN), mbPerSec: Number(m?.[2] ?? Number.NaN) };
  });
}

async function consumerPerf(tools: JavaTools, topic: string) {
  const out = await java(tools.cp, tools.log4j, CONSUMER_PERF, [
    '--bootstrap-server',
    tools.brokers,
    '--topic',
    topic,
    '--messages',
    String(RECORDS),
    '--timeout',
    '60000',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const c = out
    .trim()
    .split('\n')
    .at(-1)!
    .split(',')
    .map((s) => s.trim());
  return { msgPerSec: Number(c[5]), mbPerSec: Number(c[3]) };
}

/**
 * The broker's read ceilings, `when` (before or after the worker rows: the machine's load moves
 * during a run): the consumer perf test alone, and for a mirror the consumer and producer perf
 * tests at once on two topics (`ceilingTopic` is written) — a mirror must have the broker accept
 * every record it reads, so this bounds what any mirror on this broker can reach.
 */
export async function readCeilings(
  tools: JavaTools,
  payloadFile: string,
  ceilingTopic: string,
  when: 'before' | 'after',
): Promise<Row[]> {
  process.stderr.write(`[bench] kafka-consumer-perf-test (${when} the worker rows)\n`);
  const consume = await consumerPerf(tools, 'bench-src');
  process.stderr.write('[bench] consumer and producer perf tests at once\n');
  const [c, p] = await Promise.all([
    consumerPerf(tools, 'bench-src'),
    producerPerf(tools, ceilingTopic, payloadFile, WORKER_PRODUCER_PROPS),
  ]);
  const mirror = c.msgPerSec < p.msgPerSec ? c : p;
  return [
    {
      what: `Broker ceiling: kafka-consumer-perf-test, ${when} the worker rows`,
      ...consume,
      note: 'read only',
    },
    {
      what: `Broker ceiling for a mirror: consumer and producer perf tests at once, two topics, ${when} the worker rows`,
      ...mirror,
      note: `the slower of the two: consumer ${Math.round(c.msgPerSec).toLocaleString('en-US')} msg/s, producer (worker's settings) ${Math.round(p.msgPerSec).toLocaleString('en-US')} msg/s`,
    },
  ];
}

/**
 * The broker's write ceilings (Kafka's producer perf test writing the input topic from
 * `payloadFile`, then with the worker's producer settings), and its read ceilings.
 */
export async function brokerCeiling(
  tools: JavaTools,
  payloadFile: string,
  ceilingTopic: string,
): Promise<Row[]> {
  process.stderr.write(`[bench] producing ${RECORDS} records with kafka-producer-perf-test\n`);
  const produce = await producerPerf(tools, 'bench-src', payloadFile, [
    'acks=all',
    'linger.ms=5',
    'batch.size=131072',
  ]);
  process.stderr.write("[bench] kafka-producer-perf-test with the worker's producer settings\n");
  const workerLike = await producerPerf(tools, ceilingTopic, payloadFile, WORKER_PRODUCER_PROPS);
  return [
    {
      what: 'Broker ceiling: kafka-producer-perf-test (acks=all, linger.ms=5, batch.size=128k)',
      ...produce,
      note: 'writes the input topic',
    },
    {
      what: "Broker ceiling: kafka-producer-perf-test with the worker's producer settings",
      ...workerLike,
      note: 'idempotent, acks=all, 1 request in flight, linger.ms=0, batch.size=1M, no compression',
    },
    ...(await readCeilings(tools, payloadFile, ceilingTopic, 'before')),
  ];
}

const MM2_PROPERTIES = (brokers: string) =>
  [
    'clusters = A, B',
    `A.bootstrap.servers = ${brokers}`,
    `B.bootstrap.servers = ${brokers}`,
    'A->B.enabled = true',
    'A->B.topics = bench-src',
    'B->A.enabled = false',
    'tasks.max = 4',
    'replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'offset.storage.replication.factor = 1',
    'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1',
    'sync.topic.acls.enabled = false',
    'refresh.topics.interval.seconds = 5',
    '',
  ].join('\n');

/** MirrorMaker 2 (dedicated mode) mirroring the input topic to A.bench-src on the same broker. */
export async function runMirrorMaker(
  tools: JavaTools,
  kafka: Kafka,
  bytesPerRecord: number,
): Promise<Row> {
  const { log4j, dir } = tools;
  const cp = await mirrorMakerClasspath();
  const props = join(dir, 'mm2.properties');
  await writeFile(props, MM2_PROPERTIES(tools.brokers));
  const out = openSync(join(dir, 'mm2.out'), 'a');
  const started = Date.now();
  const child = spawn(
    'java',
    ['-Xmx1g', `-Dlog4j.configuration=file:${log4j}`, '-cp', cp, MIRROR_MAKER_2, props],
    { stdio: ['ignore', out, out] },
  );
  try {
    const { rate, wallSec } = await measure(
      () => endOffsets(kafka, 'A.bench-src'),
      RECORDS,
      900_000,
    );
    return {
      what: 'Kafka MirrorMaker 2 (dedicated mode, tasks.max=4, same broker, topic A.bench-src)',
      msgPerSec: rate,
      mbPerSec: (rate * bytesPerRecord) / 2 ** 20,
      peakRssMb: peakRssMb(child.pid!),
      wallSec: (Date.now() - started) / 1000 || wallSec,
      note: 'JVM -Xmx1g; wall time includes MM2 start-up',
    };
  } finally {
    await stopChild(child, 20_000);
  }
}
