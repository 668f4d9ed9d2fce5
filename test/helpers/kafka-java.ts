/**
 * Kafka's own Java tools against the integration tier's broker, from the kafka-tools jars of the
 * broker's version (dev/kafka-tools.ts): kafka-configs, kafka-share-groups and the console share
 * consumer (a real KIP-932 share-group member).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../dev/cache.ts';
import {
  CONFIGS,
  CONSOLE_SHARE_CONSUMER,
  kafkaToolsClasspath,
  SHARE_GROUPS,
} from '../../dev/kafka-tools.ts';
import { stopChild } from '../../kit/process.ts';

export interface SharePartitionRow {
  topic: string;
  partition: number;
  /** null where the tool prints `-` (no member fetched the partition yet). */
  start: number | null;
  lag: number | null;
}

export class KafkaJava {
  private readonly children: ChildProcess[] = [];

  private constructor(
    private readonly cp: string,
    private readonly log4j: string,
    private readonly brokers: string,
  ) {}

  static async on(brokers: string, version: string): Promise<KafkaJava> {
    const dir = await mkdtemp(join(tmpdir(), 'lagpilot-java-'));
    const log4j = join(dir, 'log4j2.properties');
    await writeFile(log4j, 'status=error\nrootLogger.level=ERROR\n');
    return new KafkaJava(await kafkaToolsClasspath(version), log4j, brokers);
  }

  private args(main: string, args: string[]): string[] {
    const jvm = ['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${this.log4j}`];
    return [...jvm, '-cp', this.cp, main, '--bootstrap-server', this.brokers, ...args];
  }

  private async tool(main: string, args: string[]): Promise<string> {
    const r = await run('java', this.args(main, args));
    if (r.code !== 0) throw new Error(`${main} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Share groups start at the log end by default: this one reads from the start. */
  async readFromEarliest(groupId: string): Promise<void> {
    await this.tool(CONFIGS, [
      ...['--alter', '--entity-type', 'groups', '--entity-name', groupId],
      ...['--add-config', 'share.auto.offset.reset=earliest'],
    ]);
  }

  /** `kafka-share-groups.sh --describe --offsets`: per partition its start offset and lag. */
  async describeOffsets(groupId: string): Promise<SharePartitionRow[]> {
    const out = await this.tool(SHARE_GROUPS, ['--describe', '--offsets', '--group', groupId]);
    const num = (s: string | undefined) => (s === undefined || s === '-' ? null : Number(s));
    return out
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[0] === groupId && cols.length >= 5)
      .map(([, topic, partition, start, lag]) => ({
        topic: topic!,
        partition: Number(partition),
        start: num(start),
        lag: num(lag),
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** A console share consumer in the group; `maxMessages` ends it after that many records. */
  shareConsumer(groupId: string, topic: string, maxMessages?: number): ChildProcess {
    const limit = maxMessages === undefined ? [] : ['--max-messages', String(maxMessages)];
    const child = spawn(
      'java',
      this.args(CONSOLE_SHARE_CONSUMER, ['--topic', topic, '--group', groupId, ...limit]),
      { stdio: 'ignore' },
    );
    this.children.push(child);
    return child;
  }

  /** Stops every consumer this started (SIGTERM: they leave the group). */
  async stop(): Promise<void> {
    await Promise.all(this.children.splice(0).map((c) => stopChild(c, 10_000)));
  }
}
