/**
 * The autoscaler's costs: one warm control step against the local broker for a group on a
 * 1,000- and a 10,000-partition topic (AWS replaced by in-memory fakes: the state store is MemoryStateStore,
 * ECS and CloudWatch answer from memory, so the figure is the Kafka reads plus decide());
 * the bundled handler as the CDK NodejsFunction builds it; and the cold init of that bundle.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startBroker } from '../../dev/kafka-broker.ts';
import { type Admin, Kafka, logLevel } from '../../kit/kafkajs.ts';
import { pollUntil } from '../../kit/process.ts';
import { KafkaLagSource, MemoryStateStore } from '../../lambda/adapters/index.ts';
import { controlStep, parseScalingRules } from '../../lambda/core/index.ts';

export const title = 'Autoscaler: control step, bundle, cold init';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The topic sizes a step is timed on: a large deployment, and ten times that. */
const PARTITION_COUNTS = [1_000, 10_000] as const;
const WARMUP = 3;
const STEPS = 30;
const INITS = 7;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** A busy broker takes a while to elect thousands of leaders: waits until every partition answers. */
async function leadersElected(admin: Admin, topic: string, partitions: number): Promise<void> {
  await pollUntil(
    () =>
      admin.fetchTopicOffsets(topic).then(
        (offsets) => (offsets.length === partitions ? true : undefined),
        () => undefined,
      ),
    { timeoutMs: partitions * 100, everyMs: 500, what: `leaders for every partition of ${topic}` },
  );
}

/** Per warm step: its whole time, and the part spent in the Kafka reads (lag source). */
interface StepTimes {
  step: number[];
  kafka: number[];
}

async function stepTimes(brokers: string, partitions: number): Promise<StepTimes> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-lag-${Date.now()}`;
  const groupId = `${topic}-group`;
  // A KRaft controller takes at most 10,000 records per request (one per partition, one per
  // topic): a larger topic is created in halves.
  const first = Math.min(partitions, 5_000);
  await admin.createTopics({ topics: [{ topic, numPartitions: first }], waitForLeaders: false });
  await leadersElected(admin, topic, first);
  if (partitions > first) {
    await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] });
    await leadersElected(admin, topic, partitions);
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: partitions * 5 }, (_, i) => ({
      partition: i % partitions,
      value: 'x',
    })),
  });
  await producer.disconnect();
  await admin.setOffsets({
    groupId,
    topic,
    partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, offset: '2' })),
  });

  const lag = new KafkaLagSource(kafka, {
    groupId,
    topics: [topic],
    offsetReset: 'earliest',
    brokers: [brokers],
  });
  let clock = Date.now();
  let kafkaMs = 0;
  const deps = {
    rules: parseScalingRules({ LAGPILOT_MAX_TASKS: String(partitions) }),
    lag: {
      observe: async () => {
        const started = performance.now();
        const snapshot = await lag.observe();
        kafkaMs = performance.now() - started;
        return snapshot;
      },
    },
    metrics: { resources: async (now: number) => [{ at: now, cpu: 40, memory: 50 }] },
    target: {
      describe: async () => ({ desired: 4, running: 4, pending: 0, deploying: false }),
      setDesired: async () => {},
    },
    store: new MemoryStateStore(),
    reporter: { report: () => {} },
    dryRun: false,
    now: () => clock,
  };
  const times: StepTimes = { step: [], kafka: [] };
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const started = performance.now();
    const report = await controlStep(deps);
    const took = performance.now() - started;
    if (report.errors.length > 0) throw new Error(`step failed: ${JSON.stringify(report.errors)}`);
    if (report.decision.measures.partitions !== partitions)
      throw new Error('wrong partition count');
    if (i >= WARMUP) {
      times.step.push(took);
      times.kafka.push(kafkaMs);
    }
    clock += 60_000;
  }
  await lag.close();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return times;
}

/** How the Kafka reads grow from the smallest topic to the largest, and why. */
function kafkaGrowth(times: ReadonlyMap<number, StepTimes>): string {
  const [small, large] = [PARTITION_COUNTS[0], PARTITION_COUNTS.at(-1)!];
  const ratio = median(times.get(large)!.kafka) / median(times.get(small)!.kafka);
  return [
    `The Kafka reads grow ×${ratio.toFixed(1)} for ×${large / small} partitions. The log offsets take one Metadata request, then per leader`,
    'one ListOffsets for the ends (read_committed) and one for the starts, written and read by lagpilot',
    "(lambda/adapters/log-offsets.ts): linear in the partitions. kafkajs 2.2.4's `admin.fetchTopicOffsets` found each",
    "partition's leader by a linear search per partition (quadratic) and its codec allocates a 511-byte buffer per partition.",
    "The committed offsets still come through kafkajs' admin `fetchOffsets` (with its own Metadata request); the broker's",
    'work is in the figure too (same machine). decide(), the history and the JSON state are the rest of the step.',
  ].join('\n');
}

/** Bundles lambda/handler/handler.ts with the CDK NodejsFunction settings (ESM, minified, SDK included). */
async function bundle(outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, 'lambda', 'handler', 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** Time to import the bundle in a fresh Node process, config valid, no network (the Kafka client connects on the first step). */
function initTime(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      LAGPILOT_BROKERS: '127.0.0.1:9092',
      LAGPILOT_GROUP_ID: 'g',
      LAGPILOT_TOPICS: 't',
      LAGPILOT_CLUSTER: 'c',
      LAGPILOT_SERVICE: 's',
      LAGPILOT_STATE_TABLE: 'lagpilot-state',
    },
  });
  return Number(out.toString());
}

export async function run(): Promise<string> {
  // The machine is shared: the load it carried says how far the figures are from an idle one.
  const [load] = loadavg();
  const broker = await startBroker();
  const times = new Map<number, StepTimes>();
  try {
    for (const partitions of PARTITION_COUNTS) {
      times.set(partitions, await stepTimes(broker.brokers, partitions));
    }
  } finally {
    await broker.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'lagpilot-bundle-'));
  try {
    const file = await bundle(dir);
    const bytes = statSync(file).size;
    const inits = Array.from({ length: INITS }, () => initTime(file));
    const rows = [
      ...[...times].flatMap(([partitions, t]) => [
        [
          `Warm control step, ${partitions.toLocaleString('en-US')} partitions (median)`,
          ms(median(t.step)),
          '< 300 ms',
        ],
        [
          `Warm control step, ${partitions.toLocaleString('en-US')} partitions (p90)`,
          ms(quantile(t.step, 0.9)),
          '',
        ],
        [
          `… of which the Kafka reads, ${partitions.toLocaleString('en-US')} partitions (median)`,
          ms(median(t.kafka)),
          '',
        ],
      ]),
      [
        'Bundled handler (ESM, minified, AWS SDK included)',
        `${(bytes / 1e6).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`,
        '< 1.5 MB',
      ],
      ['Cold init: import of the bundle (median)', ms(median(inits)), '< 250 ms'],
    ];
    return [
      `Kafka ${broker.version}, local single-node broker. One control step = load state, read offsets of every partition`,
      '(Metadata, ListOffsets latest + earliest, OffsetFetch, DescribeGroups), CPU/memory, service, decide(), save state.',
      'AWS is replaced by in-memory fakes (MemoryStateStore; ECS and CloudWatch answered from memory): the step',
      `figure is Kafka plus the pure code (state serialised as JSON). ${STEPS} steps after ${WARMUP} warm-up steps; ${INITS} cold inits, each a fresh`,
      `\`node\` importing the bundle with a valid configuration (no network at init). Load average at the start: ${load!.toFixed(1)} on ${cpus().length} cores.`,
      '',
      '| Measure | Result | Target |',
      '| --- | --- | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      kafkaGrowth(times),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
