/**
 * `lagpilot start`: the whole system on one machine. A Kafka broker (or KAFKA_BROKERS), a
 * source, target and dead-letter topic, a traffic generator following a profile, a fleet of
 * real worker processes, and the Lambda's own control step every --cadence over local
 * adapters: the fleet as ScalingTarget, the workers' CPU/memory as MetricsSource, the real
 * Kafka lag source and the in-memory state store.
 *
 * Shutdown (end of the run, or the abort signal) always runs in the same order: traffic stops,
 * workers drain, clients disconnect, the broker stops, the report is written.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker } from '../dev/kafka-broker.ts';
import { formatDuration } from '../kit/duration.ts';
import { type Admin, Kafka, logLevel } from '../kit/kafkajs.ts';
import { sleep } from '../kit/process.ts';
import {
  ConsumerGroupDescriber,
  KafkaLagSource,
  MemoryStateStore,
} from '../lambda/adapters/index.ts';
import { type ControlStepDeps, controlStep } from '../lambda/core/index.ts';
import { JsonLineReporter } from '../lambda/handler/index.ts';
import { LocalFleet } from './fleet.ts';
import { liveLine, type StepRow, stepRow } from './live-line.ts';
import { ProcessMetricsSource } from './process-metrics.ts';
import { writeLocalReport } from './report.ts';
import { localRules } from './rules.ts';
import type { StartOptions } from './start-args.ts';
import { startTraffic } from './traffic-generator.ts';
import { loadProfile, type TrafficProfile } from './traffic-profile.ts';

export interface LocalSystemIo {
  env: Record<string, string | undefined>;
  /** One live line per step, and the start/stop notes. */
  print: (line: string) => void;
  /** Aborting ends the run early (Ctrl-C); shutdown and the report still happen. */
  signal: AbortSignal;
}

async function createTopics(
  admin: Admin,
  topics: { input: string; output: string; dlq: string },
  partitions: number,
): Promise<void> {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.input, numPartitions: partitions },
      { topic: topics.output, numPartitions: partitions },
      { topic: topics.dlq, numPartitions: 1 },
    ],
  });
}

interface StepLoop {
  readonly deps: ControlStepDeps;
  readonly fleet: LocalFleet;
  readonly profile: TrafficProfile;
  readonly totalMs: number;
  readonly cadenceMs: number;
  readonly runStart: number;
}

/** Control steps until the profile ends or the run is aborted; each one's row goes to `steps`. */
async function stepUntilDone(loop: StepLoop, io: LocalSystemIo, steps: StepRow[]): Promise<void> {
  const { fleet, profile, totalMs, cadenceMs, runStart } = loop;
  // The first step that saw the current backlog: a scale-up's reaction time counts from it.
  let visibleAt: number | null = null;
  for (let k = 1; !io.signal.aborted; k++) {
    // Steps on a fixed grid, so sample gaps stay at the cadence whatever a step costs.
    await sleep(runStart + k * cadenceMs - Date.now(), io.signal);
    if (io.signal.aborted) break;
    await fleet.reconcile();
    const report = await controlStep(loop.deps);
    // The profile's rate mid-interval: the measured rates average the interval since the last step.
    const midInterval = report.at - runStart - cadenceMs / 2;
    const row = stepRow(report, runStart, profile.rateAt(Math.max(0, midInterval), totalMs));
    const backlog = (row.totalLag ?? 0) > loop.deps.rules.lagLow;
    visibleAt = backlog ? (visibleAt ?? row.t) : null;
    if (row.acted && row.action === 'up' && visibleAt !== null) row.reactionS = row.t - visibleAt;
    steps.push(row);
    io.print(liveLine(row));
    if (Date.now() - runStart >= totalMs) break;
  }
}

/** Runs the local system to the end of its profile (or the abort) and returns the report's chart. */
export async function runLocalSystem(options: StartOptions, io: LocalSystemIo): Promise<string> {
  const rules = localRules(io.env, options.timeScale, options.cadenceMs);
  const profile = loadProfile(options.profile, options.capacity, options.timeScale);
  const totalMs = options.durationMs ?? profile.durationMs;
  mkdirSync(options.outDir, { recursive: true });

  const broker = await startBroker({ detached: true });
  const run = `lagpilot-local-${randomBytes(3).toString('hex')}`;
  const topics = { input: `${run}-source`, output: `${run}-target`, dlq: `${run}-dlq` };
  const groupId = `${run}-mirror`;
  const kafka = new Kafka({
    clientId: 'lagpilot-local',
    brokers: broker.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const fleet = new LocalFleet({
    brokers: broker.brokers,
    groupId,
    ...topics,
    capacity: options.capacity,
    logDir: join(options.outDir, 'workers'),
  });
  const lag = new KafkaLagSource(kafka, {
    groupId,
    topics: [topics.input],
    offsetReset: 'earliest',
    brokers: broker.brokers.split(','),
    consumerGroups: new ConsumerGroupDescriber(kafka),
  });
  const decisions = createWriteStream(join(options.outDir, 'decisions.jsonl'));
  const steps: StepRow[] = [];
  const startedAt = Date.now();
  let traffic: Awaited<ReturnType<typeof startTraffic>> | undefined;
  try {
    await createTopics(admin, topics, options.partitions);
    io.print(
      `lagpilot start: broker ${broker.brokers} (${broker.version}); ${topics.input} (${options.partitions} partitions) → ${topics.output}; profile ${profile.name}: ${profile.description}; ${formatDuration(totalMs)}; ${options.capacity} msg/s per worker; step every ${formatDuration(options.cadenceMs)}; time scale ÷${options.timeScale}`,
    );
    await fleet.setDesired(Math.max(1, rules.minTasks));
    const runStart = Date.now();
    traffic = await startTraffic(kafka, topics.input, (ms) => profile.rateAt(ms, totalMs));
    const deps: ControlStepDeps = {
      rules,
      lag,
      metrics: new ProcessMetricsSource(() => fleet.pids()),
      target: fleet,
      store: new MemoryStateStore(run),
      reporter: new JsonLineReporter((line) => decisions.write(`${line}\n`)),
      dryRun: false,
      now: Date.now,
    };
    await stepUntilDone(
      { deps, fleet, profile, totalMs, cadenceMs: options.cadenceMs, runStart },
      io,
      steps,
    );
  } finally {
    io.print('lagpilot start: stopping traffic, draining workers, stopping the broker…');
    await traffic?.stop().catch(() => undefined);
    await fleet.stop();
    await lag.close().catch(() => undefined);
    // A cluster we did not start keeps running: leave it without the run's topics.
    if (broker.version === 'external') {
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    }
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
    await new Promise((resolve) => decisions.end(resolve));
  }
  return writeLocalReport(options.outDir, {
    title: `lagpilot start: ${profile.name}, ${options.capacity} msg/s per worker, ${options.partitions} partitions, time ÷${options.timeScale}`,
    startedAt: new Date(startedAt).toISOString(),
    settings: { ...options, profileDescription: profile.description, topics, groupId },
    rules,
    steps,
    workers: fleet.history,
    produced: traffic?.sent() ?? 0,
  });
}
