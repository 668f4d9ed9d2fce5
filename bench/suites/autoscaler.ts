/**
 * The autoscaler's costs: one warm control step against the local broker for a group on a
 * 1,000-partition topic (AWS replaced by in-memory fakes: the state store is MemoryStateStore,
 * ECS and CloudWatch answer from memory, so the figure is the Kafka reads plus decide());
 * the bundled handler as the CDK NodejsFunction builds it; and the cold init of that bundle.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaLagSource, MemoryStateStore } from '../../autoscaler/adapters/index.ts';
import { controlStep, parseScalingRules } from '../../autoscaler/core/index.ts';
import { startBroker } from '../../dev/kafka-broker.ts';
import { pollUntil } from '../../kit/process.ts';

export const title = 'Autoscaler: control step, bundle, cold init';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PARTITIONS = 1_000;
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

async function stepTimes(brokers: string): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-lag-${Date.now()}`;
  const groupId = `${topic}-group`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  // A busy broker takes a while to elect 1,000 leaders: wait until every partition answers.
  await pollUntil(
    () =>
      admin.fetchTopicOffsets(topic).then(
        (offsets) => (offsets.length === PARTITIONS ? true : undefined),
        () => undefined,
      ),
    { timeoutMs: 60_000, everyMs: 500, what: `leaders for every partition of ${topic}` },
  );
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: PARTITIONS * 5 }, (_, i) => ({
      partition: i % PARTITIONS,
      value: 'x',
    })),
  });
  await producer.disconnect();
  await admin.setOffsets({
    groupId,
    topic,
    partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: '2' })),
  });

  const lag = new KafkaLagSource(kafka.admin(), {
    groupId,
    topics: [topic],
    offsetReset: 'earliest',
    brokers: [brokers],
  });
  let clock = Date.now();
  const deps = {
    rules: parseScalingRules({ LAGPILOT_MAX_TASKS: '1000' }),
    lag,
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
  const times: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const started = performance.now();
    const report = await controlStep(deps);
    const took = performance.now() - started;
    if (report.errors.length > 0) throw new Error(`step failed: ${JSON.stringify(report.errors)}`);
    if (report.decision.measures.partitions !== PARTITIONS)
      throw new Error('wrong partition count');
    if (i >= WARMUP) times.push(took);
    clock += 60_000;
  }
  await lag.close();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return times;
}

/** Bundles autoscaler/lambda/handler.ts with the CDK NodejsFunction settings (ESM, minified, SDK included). */
async function bundle(outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, 'autoscaler', 'lambda', 'handler.ts')],
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
  const broker = await startBroker();
  let times: number[];
  try {
    times = await stepTimes(broker.brokers);
  } finally {
    await broker.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'lagpilot-bundle-'));
  try {
    const file = await bundle(dir);
    const bytes = statSync(file).size;
    const inits = Array.from({ length: INITS }, () => initTime(file));
    const rows = [
      ['Warm control step, 1,000 partitions (median)', ms(median(times)), '< 300 ms'],
      ['Warm control step, 1,000 partitions (p90)', ms(quantile(times, 0.9)), ''],
      [
        'Bundled handler (ESM, minified, AWS SDK included)',
        `${(bytes / 1e6).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`,
        '< 1.5 MB',
      ],
      ['Cold init: import of the bundle (median)', ms(median(inits)), '< 250 ms'],
    ];
    return [
      `Kafka ${broker.version}, local single-node broker. One control step = load state, read offsets of ${PARTITIONS} partitions`,
      '(Metadata, ListOffsets latest + earliest, OffsetFetch, DescribeGroups), CPU/memory, service, decide(), save state.',
      'AWS is replaced by in-memory fakes (MemoryStateStore; ECS and CloudWatch answered from memory): the step',
      `figure is Kafka plus the pure code (state serialised as JSON). ${STEPS} steps after ${WARMUP} warm-up steps; ${INITS} cold inits, each a fresh`,
      '`node` importing the bundle with a valid configuration (no network at init).',
      '',
      '| Measure | Result | Target |',
      '| --- | --- | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
