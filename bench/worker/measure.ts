/** What the worker benchmark measures and how: the table's rows, record counts, rates, memory. */
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { pollUntil } from '../../kit/process.ts';

export const RECORDS = Number(process.env.BENCH_WORKER_RECORDS ?? 1_000_000);
export const PARTITIONS = 12;

export interface Row {
  what: string;
  msgPerSec: number;
  mbPerSec: number;
  peakRssMb?: number | undefined;
  wallSec?: number | undefined;
  note: string;
}

/** A process's peak resident memory (VmHWM), while it runs. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The records on a topic (sum of its partitions' end offsets); 0 while it cannot be read. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

/** Polls `count` until it reaches `target`; the rate is measured from the first record seen. */
export async function measure(count: () => Promise<number>, target: number, timeoutMs: number) {
  const started = Date.now();
  let first: { at: number; n: number } | undefined;
  let n = 0;
  await pollUntil(
    async () => {
      n = await count();
      if (n > 0 && !first) first = { at: Date.now(), n };
      return n >= target ? true : undefined;
    },
    { timeoutMs, everyMs: 100, what: () => `${target} records (${n} so far)` },
  );
  const secs = (Date.now() - first!.at) / 1000 || 0.001;
  return { rate: (n - first!.n) / secs, wallSec: (Date.now() - started) / 1000 };
}

export function table(rows: Row[]): string {
  const f = (n: number | undefined, d = 0) =>
    n === undefined
      ? '–'
      : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  return [
    '| What | msg/s | MB/s | peak RSS (MB) | wall (s) | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${f(r.msgPerSec)} | ${f(r.mbPerSec, 1)} | ${f(r.peakRssMb)} | ${f(r.wallSec, 1)} | ${r.note} |`,
    ),
  ].join('\n');
}
