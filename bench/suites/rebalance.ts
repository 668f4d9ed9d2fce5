/**
 * The pause per scaling action: from a membership change — members added (3 → 6), members
 * leaving cleanly on SIGTERM (6 → 4), a member SIGKILLed (4 → 3) — to every partition consuming
 * again, and how many partitions stopped, for the classic protocol with kafkajs (the worker's
 * default client) and for the consumer protocol (KIP-848) with @platformatic/kafka. Members are
 * plain consumers in child processes (bench/rebalance-member.ts), whose figure is the protocol's
 * and the client's, and the worker's own Kafka port on the consumer protocol, whose figure adds
 * its drain (a revoked partition is acknowledged only once its running batch committed).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KAFKA_VERSION, resolveKafkaVersion, startBroker } from '../../dev/kafka-broker.ts';
import { formatDuration } from '../../kit/duration.ts';
import { Kafka, logLevel, type Producer } from '../../kit/kafkajs.ts';
import { exitOf, sleep } from '../../kit/process.ts';
import image from '../../worker/package.json' with { type: 'json' };

export const title = 'Rebalance: pause per scaling action, classic vs consumer protocol';

const MEMBER = join(dirname(fileURLToPath(import.meta.url)), '..', 'rebalance-member.ts');
const PARTITIONS = 12;
/** One record per partition every TICK_MS: 20 records/s per partition. */
const TICK_MS = 50;
/** A partition with no record for longer than this stopped (records arrive every 50 ms). */
const GAP_MS = 500;
/** Steady: every partition owned by one live member, none idle, for this long. */
const STEADY_MS = 3_000;
const SETTLE_TIMEOUT_MS = 150_000;
const REPEATS = 3;

type Protocol = 'classic' | 'consumer' | 'worker';

class Member {
  readonly child: ChildProcess;
  live = true;
  ready: Promise<void>;
  private stderr = '';

  constructor(
    readonly id: number,
    protocol: Protocol,
    brokers: string,
    topic: string,
    group: string,
    seen: (t: number, partition: number, member: number) => void,
  ) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', MEMBER, protocol, brokers, topic, group],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-2_000);
    });
    let ready: () => void;
    this.ready = new Promise((r) => {
      ready = r;
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { t: number; p?: number[]; ready?: boolean };
      if (msg.ready) ready();
      for (const p of msg.p ?? []) seen(msg.t, p, id);
    });
    this.child.on('exit', (code, signal) => {
      if (this.live && signal !== 'SIGKILL') {
        process.stderr.write(`[bench] member ${id} exited (${code ?? signal}): ${this.stderr}\n`);
      }
      this.live = false;
    });
  }

  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    this.live = false;
    this.child.kill(signal);
    return exitOf(this.child, 60_000);
  }
}

interface Action {
  action: string;
  /** Partitions whose owner after the action is not the one before it. */
  moved: number;
  stopped: number;
  /** From the action until every stopped partition consumed again. */
  allConsumingMs: number;
  /** Longest any one partition stood still. */
  longestPauseMs: number;
  /** Sum over partitions of the time each stood still. */
  partitionSeconds: number;
}

class Group {
  readonly times: number[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly owner: { t: number; member: number }[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly members: Member[] = [];
  private next = 0;

  constructor(
    private readonly protocol: Protocol,
    private readonly brokers: string,
    private readonly topic: string,
    private readonly group: string,
  ) {}

  async add(n: number): Promise<void> {
    const added = Array.from(
      { length: n },
      () =>
        new Member(this.next++, this.protocol, this.brokers, this.topic, this.group, (t, p, m) => {
          this.times[p]!.push(t);
          this.owner[p]!.push({ t, member: m });
        }),
    );
    this.members.push(...added);
    await Promise.all(added.map((m) => m.ready));
  }

  live(): Member[] {
    return this.members.filter((m) => m.live);
  }

  /** Every partition consumed by one live member, every live member consuming, for STEADY_MS. */
  private steady(now: number): boolean {
    const since = now - STEADY_MS;
    const busy = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const recent = this.owner[p]!.filter((o) => o.t >= since);
      const owners = new Set(recent.map((o) => o.member));
      if (owners.size !== 1) return false;
      const ts = [since, ...recent.map((o) => o.t), now];
      for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > GAP_MS) return false;
      busy.add([...owners][0]!);
    }
    const live = this.live();
    return (
      live.every((m) => busy.has(m.id)) && [...busy].every((id) => live.some((m) => m.id === id))
    );
  }

  async settle(from: number): Promise<number> {
    for (;;) {
      await sleep(250);
      const now = Date.now();
      if (now - from >= STEADY_MS && this.steady(now)) return now;
      if (now - from > SETTLE_TIMEOUT_MS) {
        throw new Error(
          `${this.protocol}: group not steady ${formatDuration(SETTLE_TIMEOUT_MS)} after the action`,
        );
      }
    }
  }

  measure(action: string, t0: number, t1: number): Action {
    let moved = 0;
    let stopped = 0;
    let allConsuming = t0;
    let longest = 0;
    let paused = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const owners = this.owner[p]!;
      const before = owners.filter((o) => o.t < t0).at(-1)?.member;
      if (before !== owners.at(-1)?.member) moved++;
      const ts = this.times[p]!;
      const last = ts.filter((t) => t < t0).at(-1) ?? t0;
      const window = [last, ...ts.filter((t) => t >= t0 && t <= t1), t1];
      let worst = { gap: 0, end: t0 };
      let sum = 0;
      for (let i = 1; i < window.length; i++) {
        const gap = window[i]! - window[i - 1]!;
        if (gap > GAP_MS) sum += gap;
        if (gap > worst.gap) worst = { gap, end: window[i]! };
      }
      if (worst.gap <= GAP_MS) continue;
      stopped++;
      allConsuming = Math.max(allConsuming, worst.end);
      longest = Math.max(longest, worst.gap);
      paused += sum;
    }
    return {
      action,
      moved,
      stopped,
      allConsumingMs: allConsuming - t0,
      longestPauseMs: longest,
      partitionSeconds: paused / 1000,
    };
  }
}

async function produceSteadily(producer: Producer, topic: string): Promise<() => Promise<void>> {
  let running = true;
  let i = 0;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      await producer.send({
        topic,
        acks: 1,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          value: `${i++}`,
        })),
      });
      await sleep(TICK_MS - (Date.now() - at));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function scenario(protocol: Protocol, brokers: string, kafka: Kafka): Promise<Action[]> {
  const topic = `bench-rebalance-${protocol}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const stopProducing = await produceSteadily(producer, topic);
  const group = new Group(protocol, brokers, topic, `${topic}-group`);
  const results: Action[] = [];
  try {
    await group.add(3);
    await group.settle(Date.now());

    let t0 = Date.now();
    await group.add(3);
    results.push(group.measure('3 → 6 (3 members start)', t0, await group.settle(t0)));

    t0 = Date.now();
    await Promise.all(
      group
        .live()
        .slice(0, 2)
        .map((m) => m.stop('SIGTERM')),
    );
    results.push(group.measure('6 → 4 (2 members SIGTERM, leave)', t0, await group.settle(t0)));

    t0 = Date.now();
    await group.live()[0]!.stop('SIGKILL');
    results.push(group.measure('4 → 3 (1 member SIGKILLed)', t0, await group.settle(t0)));
  } finally {
    await Promise.all(group.live().map((m) => m.stop('SIGTERM')));
    await stopProducing();
    await producer.disconnect();
  }
  return results;
}

const s = (ms: number) => (ms / 1000).toFixed(1);

const platformatic = `@platformatic/kafka ${image.dependencies['@platformatic/kafka']}`;
const CLIENT_LABELS: Record<Protocol, string> = {
  classic: `classic (eager), kafkajs ${image.dependencies.kafkajs}`,
  consumer: `consumer (KIP-848), ${platformatic}`,
  worker: `consumer (KIP-848), the worker's port on ${platformatic}`,
};

export async function run(): Promise<string> {
  const kafka4 = resolveKafkaVersion('4');
  const runs: { version: string; protocol: Protocol }[] = [
    { version: DEFAULT_KAFKA_VERSION, protocol: 'classic' },
    { version: kafka4, protocol: 'classic' },
    { version: kafka4, protocol: 'consumer' },
    { version: kafka4, protocol: 'worker' },
  ];
  const measured: { key: string; a: Action }[] = [];
  for (const version of [...new Set(runs.map((r) => r.version))]) {
    const broker = await startBroker({ version, heapMb: 512 });
    try {
      const kafka = new Kafka({
        clientId: 'bench',
        brokers: [broker.brokers],
        logLevel: logLevel.NOTHING,
      });
      for (const { protocol } of runs.filter((r) => r.version === version)) {
        const client = CLIENT_LABELS[protocol];
        for (let repeat = 1; repeat <= REPEATS; repeat++) {
          process.stderr.write(
            `[bench] rebalance: ${protocol} on Kafka ${version}, run ${repeat}\n`,
          );
          for (const a of await scenario(protocol, broker.brokers, kafka)) {
            measured.push({ key: `${client} | ${version} | ${a.action}`, a });
          }
        }
      }
    } finally {
      await broker.stop();
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const rows = [...new Set(measured.map((m) => m.key))].map((key) => {
    const runs = measured.filter((m) => m.key === key).map((m) => m.a);
    const of = (f: (a: Action) => number, fmt: (n: number) => string) =>
      `${fmt(median(runs.map(f)))} (${runs.map((a) => fmt(f(a))).join(', ')})`;
    return `| ${key} | ${of((a) => a.moved, String)} | ${of((a) => a.stopped, String)} | ${of((a) => a.allConsumingMs, s)} | ${of((a) => a.longestPauseMs, s)} | ${of(
      (a) => a.partitionSeconds,
      (n) => n.toFixed(1),
    )} |`;
  });
  return [
    `One group consuming a ${PARTITIONS}-partition topic fed 20 records/s per partition (a record every 50 ms); members are plain consumers, one per child process (bench/rebalance-member.ts), committing as they go; the worker rows run the worker's own Kafka port instead (each batch committed before the next of its partition, a revocation acknowledged only once the revoked partitions' batches committed), without producing. A partition *moved* when its owner after the action is not its owner before it; it *stopped* when no member consumed from it for more than ${GAP_MS} ms after the action; *all consuming* is from the action (members spawned, signal sent) to the moment the last stopped partition consumed again; *longest pause* is the longest any one partition stood still; *partition-seconds* sums every stopped partition's pause. Classic members use kafkajs' defaults (session timeout 30 s, heartbeat 3 s); consumer-protocol members the broker's (group.consumer.session.timeout.ms 45 s, heartbeat 5 s). The next action starts once every partition has been owned by one live member with no gap for ${formatDuration(STEADY_MS)}. Each cell: the median of ${REPEATS} runs (each run's figure in brackets).`,
    '',
    `How to read it: with the classic protocol every membership change revokes every partition from every member (eager assignment): each member stops when it learns of the change, at its next heartbeat, until the last member has rejoined and the group has synced, so the members that learn first pause longest (up to a heartbeat interval plus the join and sync) and those that learn last may pause under the ${GAP_MS} ms threshold. With the consumer protocol the broker moves only the partitions it reassigns, and reconciles through heartbeats: a moved partition waits for its old owner to revoke it and its new owner to receive it, each at a heartbeat. A SIGKILLed member holds its partitions until its session times out, in both protocols.`,
    '',
    '| protocol, client | Kafka | action | partitions moved | partitions stopped | all consuming (s) | longest pause (s) | partition-seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
