import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from '../kit/kafkajs.ts';
import { pollUntil, stopChild } from '../kit/process.ts';
import { CACHE_DIR, cached, freePort, progress, run } from './cache.ts';
import { type Artifact, fetchJars, requireJava } from './maven.ts';

/**
 * Default broker: the newest Kafka 4.x Maven Central serves (share groups are GA from 4.2).
 * `KAFKA_VERSION=3` picks the 3.9 line, what MSK runs.
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';
const ALIASES: Record<string, string> = {
  '3': '3.9.2',
  '3.9': '3.9.2',
  '4': DEFAULT_KAFKA_VERSION,
  '4.4': DEFAULT_KAFKA_VERSION,
  '4.1': '4.1.1',
};

export interface Broker {
  /** Bootstrap address, `host:port`. */
  readonly brokers: string;
  /** The Kafka version, or `external` when KAFKA_BROKERS was given. */
  readonly version: string;
  stop(): Promise<void>;
}

export function resolveKafkaVersion(requested = process.env.KAFKA_VERSION): string {
  const v = requested?.trim() || DEFAULT_KAFKA_VERSION;
  const resolved = ALIASES[v] ?? v;
  if (!/^[34]\.\d+\.\d+$/.test(resolved)) {
    throw new Error(
      `KAFKA_VERSION=${v} is not a Kafka 3.x/4.x version: use e.g. 3.9.2, 4.4.0, 3 or 4.`,
    );
  }
  return resolved;
}

function isKafka4(version: string): boolean {
  return version.startsWith('4.');
}

function artifacts(version: string): Artifact[] {
  const kafka = { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version };
  // kafka_2.13 leaves its logging backend to the distribution: add one, or the broker logs nothing.
  return isKafka4(version)
    ? [
        kafka,
        { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.24.3' },
      ]
    : [kafka, { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' }];
}

/** The broker's jars in the project cache, fetched from Maven Central on first use. */
export async function ensureKafkaJars(version: string): Promise<string> {
  const dir = join(CACHE_DIR, 'kafka', version);
  return cached(dir, async (tmp) => {
    progress(`fetching Apache Kafka ${version} from Maven Central into ${dir} (first run only)`);
    await fetchJars(artifacts(version), tmp);
  });
}

function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    // Production clusters (and MSK by default) do not auto-create: tests see the same errors.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    // Share groups (KIP-932) need no switch on 4.2+: storage formatted by it finalizes
    // share.version (2 on 4.4.0, as kafka-features describe shows).
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    '',
  ].join('\n');
}

function logConfig(version: string, logFile: string): { file: string; text: string; flag: string } {
  if (isKafka4(version)) {
    return {
      file: 'log4j2.properties',
      flag: '-Dlog4j2.configurationFile=',
      text: [
        'status=error',
        'appender.f.type=File',
        'appender.f.name=f',
        `appender.f.fileName=${logFile}`,
        'appender.f.layout.type=PatternLayout',
        'appender.f.layout.pattern=[%d] %p %m (%c)%n',
        'rootLogger.level=INFO',
        'rootLogger.appenderRef.f.ref=f',
        '',
      ].join('\n'),
    };
  }
  return {
    file: 'log4j.properties',
    flag: '-Dlog4j.configuration=file:',
    text: [
      'log4j.rootLogger=INFO, f',
      'log4j.appender.f=org.apache.log4j.FileAppender',
      `log4j.appender.f.File=${logFile}`,
      'log4j.appender.f.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.f.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  };
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what `random-uuid` prints).
 * Like Kafka's own Uuid.randomUuid, never one starting with `-`: StorageTool would read it as a flag.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function waitUntilReady(
  brokers: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
) {
  const kafka = new Kafka({
    clientId: 'lagpilot-dev',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  await pollUntil(
    async () => {
      if (child.exitCode !== null) {
        throw new Error(
          `Kafka broker exited with code ${child.exitCode} during start; log tail:\n${tail(logFile)}`,
        );
      }
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 ? true : undefined;
      } catch {
        return undefined; // not up yet
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    {
      timeoutMs,
      everyMs: 250,
      what: () => `the Kafka broker on ${brokers}; log tail:\n${tail(logFile)}`,
    },
  );
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1 (free ports, fresh storage in a temp folder),
 * or — when KAFKA_BROKERS is set — returns that cluster untouched.
 */
export async function startBroker(
  opts: {
    version?: string;
    heapMb?: number;
    timeoutMs?: number;
    /**
     * Own process group: a terminal's Ctrl-C then reaches only the caller, which stops the
     * broker last (after its clients drained) instead of the broker stopping under them.
     */
    detached?: boolean;
  } = {},
): Promise<Broker> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) return { brokers: external, version: 'external', stop: async () => {} };

  const version = resolveKafkaVersion(opts.version);
  await requireJava();
  const home = await ensureKafkaJars(version);
  const work = await mkdtemp(join(tmpdir(), 'lagpilot-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const props = join(work, 'server.properties');
  const logFile = join(work, 'server.log');
  await writeFile(props, serverProperties(port, controllerPort, join(work, 'data')));
  const log = logConfig(version, logFile);
  await writeFile(join(work, log.file), log.text);

  const classpath = `${join(home, 'libs')}/*`;
  const format = await run('java', [
    '-cp',
    classpath,
    `${log.flag}${join(work, log.file)}`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId(),
    '-c',
    props,
    '--ignore-formatted',
  ]);
  if (format.code !== 0)
    throw new Error(`formatting KRaft storage failed:\n${format.stdout}${format.stderr}`);

  const out = openSync(join(work, 'stdout.log'), 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${opts.heapMb ?? 768}m`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `${log.flag}${join(work, log.file)}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      props,
    ],
    { stdio: ['ignore', out, out], detached: opts.detached ?? false },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const brokers = `127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child, 15_000);
    await rm(work, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(brokers, child, logFile, opts.timeoutMs ?? 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { brokers, version, stop };
}
