import { join } from 'node:path';
import { CACHE_DIR, cached, progress } from './cache.ts';
import { resolveKafkaVersion } from './kafka-broker.ts';
import { fetchJars } from './maven.ts';

/**
 * MirrorMaker 2's release: the newest Maven Central serves whole (connect-mirror-client 4.2 and later are
 * not served). A client, it mirrors on any 3.x/4.x broker.
 */
export const MIRROR_MAKER_VERSION = '4.1.1';

/**
 * Kafka's own command-line tools (org.apache.kafka:kafka-tools: the perf tests,
 * kafka-share-groups, the console share consumer), same version as the broker, fetched from
 * Maven Central into the cache on first use. Returns a Java classpath.
 */
export async function kafkaToolsClasspath(version = resolveKafkaVersion()): Promise<string> {
  const dir = join(CACHE_DIR, 'kafka-tools', version);
  await cached(dir, async (tmp) => {
    progress(`fetching Kafka ${version} tools into ${dir} (first run only)`);
    await fetchJars([{ groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version }], tmp);
  });
  return `${join(dir, 'libs')}/*`;
}

/** MirrorMaker 2 (connect-mirror + connect-runtime), fetched into the cache on first use. */
export async function mirrorMakerClasspath(): Promise<string> {
  const version = MIRROR_MAKER_VERSION;
  const dir = join(CACHE_DIR, 'mirror-maker', version);
  await cached(dir, async (tmp) => {
    progress(`fetching MirrorMaker 2 (Kafka ${version}) into ${dir} (first run only)`);
    await fetchJars(
      ['connect-mirror', 'connect-runtime'].map((artifactId) => ({
        groupId: 'org.apache.kafka',
        artifactId,
        version,
      })),
      tmp,
    );
  });
  return `${join(dir, 'libs')}/*`;
}

/** Main classes (the tools live in org.apache.kafka.tools since Kafka 3.5). */
export const PRODUCER_PERF = 'org.apache.kafka.tools.ProducerPerformance';
export const CONSUMER_PERF = 'org.apache.kafka.tools.ConsumerPerformance';
export const SHARE_GROUPS = 'org.apache.kafka.tools.consumer.group.ShareGroupCommand';
export const CONSOLE_SHARE_CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleShareConsumer';
export const CONFIGS = 'org.apache.kafka.tools.ConfigCommand';
export const MIRROR_MAKER_2 = 'org.apache.kafka.connect.mirror.MirrorMaker';

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await kafkaToolsClasspath());
}
