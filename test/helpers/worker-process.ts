import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Consumer, type Message, ProduceAcks, Producer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { afterAll } from 'vitest';
import { freePort } from '../../dev/cache.ts';
import { pollUntil } from '../../kit/process.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LogLine {
  level: string;
  message: string;
  event?: string;
  [k: string]: unknown;
}

/**
 * A worker started exactly as the fleet starts it: `tsx worker/src/main.ts` with MIRROR_* env,
 * or, with `bundle`, as the container runs it: `node <bundle>`.
 */
export class WorkerProcess {
  readonly logs: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  private constructor(
    env: Record<string, string>,
    readonly httpPort: number,
    preload: string[],
    bundle: string | undefined,
  ) {
    const args = bundle
      ? [...preload.flatMap((m) => ['--import', m]), bundle]
      : [...['tsx', ...preload].flatMap((m) => ['--import', m]), join(ROOT, 'worker/src/main.ts')];
    this.#child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        MIRROR_HTTP_PORT: String(httpPort),
        MIRROR_STATS_INTERVAL: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'RAW', message: line });
        }
      }
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((r) => this.#child.once('exit', (code) => r(code)));
  }

  /**
   * `preload`: modules imported before the worker (fault injection in tests); `bundle`: the
   * container's artifact (worker/build.ts) to run instead of the sources.
   */
  static async start(
    env: Record<string, string>,
    preload: string[] = [],
    bundle?: string,
  ): Promise<WorkerProcess> {
    return new WorkerProcess(env, await freePort(), preload, bundle);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The signal sent by `signal()`, if any (a chaos test's record of what it did). */
  signalled: NodeJS.Signals | undefined;

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.signalled = signal;
    this.#child.kill(signal);
  }

  /** Clean-up: kills the process if it still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null) this.#child.kill(signal);
  }

  events(name: string): LogLine[] {
    return this.logs.filter((l) => l.event === name);
  }

  /** The port the worker logged it serves on (MIRROR_HTTP_PORT=0 leaves it to the system). */
  get boundPort(): number | undefined {
    return this.events('http_listening')[0]?.port as number | undefined;
  }

  async http(path: string): Promise<{ status: number; body: string }> {
    const port = this.boundPort ?? this.httpPort;
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** Resolves once /readyz answers 200 (joined the group). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await pollUntil(
      () =>
        this.http('/readyz').then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        ),
      {
        timeoutMs,
        what: () =>
          `worker ${this.pid} ready: ${JSON.stringify(this.logs.slice(-5))} ${this.stderr}`,
      },
    );
  }
}

export interface Consumed {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Sum of the topic's end offsets. */
export async function endOffset(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every record of a topic, read without a group, partition by partition in offset order. */
export async function readAll(kafka: Kafka, topic: string): Promise<Consumed[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((p) => [p.partition, Number(p.high)]));
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  const out: Consumed[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({
    groupId: `reader-${topic}-${Date.now()}`,
    maxBytes: 50_000_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= want.get(batch.partition)!) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          out.push({
            partition: batch.partition,
            offset: Number(m.offset),
            key: m.key?.toString() ?? null,
            value: m.value,
            headers,
          });
        }
        if (out.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

export interface RawRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header as the broker holds it, in order; null for a null value. */
  headers: Array<[string, Buffer | null]>;
}

/**
 * The first `count` records of a topic as they are on the broker, headers in wire order (read
 * with @platformatic/kafka, whose header map keeps one entry per header).
 */
export async function readRaw(brokers: string, topic: string, count: number): Promise<RawRecord[]> {
  const consumer = new Consumer({
    clientId: 'lagpilot-test-raw',
    bootstrapBrokers: [brokers],
    groupId: `raw-${topic}-${Date.now()}`,
  });
  const out: RawRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length}/${count} of ${topic}`)),
        30_000,
      );
      stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
        out.push({
          partition: m.partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: [...m.headers].map(([k, v]) => [k.toString(), v ?? null]),
        });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/**
 * Writes records with headers exactly as given, null values and repeated names included (the
 * kafkajs producer cannot write a null header value).
 */
export async function produceRaw(
  brokers: string,
  topic: string,
  records: Array<{ key: Buffer; value: Buffer; headers: Array<[string, Buffer | null]> }>,
): Promise<void> {
  const producer = new Producer({
    clientId: 'lagpilot-test-raw',
    bootstrapBrokers: [brokers],
    acks: ProduceAcks.ALL,
  });
  try {
    for (const r of records) {
      await producer.send({
        messages: [
          {
            topic,
            partition: 0,
            key: r.key,
            value: r.value,
            headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v ?? undefined])) as Map<
              Buffer,
              Buffer
            >,
          },
        ],
      });
    }
  } finally {
    await producer.close();
  }
}

/** The workers a describe block starts, each killed when the block ends, passed or failed. */
export function workersOfBlock(): WorkerProcess[] {
  const workers: WorkerProcess[] = [];
  afterAll(() => {
    for (const w of workers) w.kill('SIGKILL');
  });
  return workers;
}
