import { join } from 'node:path';
import { CACHE_DIR, cached, progress } from './cache.ts';
import { resolveKafkaVersion } from './kafka-broker.ts';
import { fetchJars } from './maven.ts';

/**
 * Kafka's own perf tools (kafka-producer-perf-test / kafka-consumer-perf-test, in
 * org.apache.kafka:kafka-tools) and MirrorMaker 2 (connect-mirror + connect-runtime), same version
 * as the broker, fetched from Maven Central into the cache on first use. Returns a Java classpath.
 */
export async function kafkaToolsClasspath(version = resolveKafkaVersion()): Promise<string> {
  const dir = join(CACHE_DIR, 'kafka-tools', version);
  await cached(dir, async (tmp) => {
    progress(`fetching Kafka ${version} tools and MirrorMaker 2 into ${dir} (first run only)`);
    await fetchJars(
      [
        { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version },
        { groupId: 'org.apache.kafka', artifactId: 'connect-mirror', version },
        { groupId: 'org.apache.kafka', artifactId: 'connect-runtime', version },
      ],
      tmp,
    );
  });
  return `${join(dir, 'libs')}/*`;
}

/** Main classes (the perf tools live in org.apache.kafka.tools since Kafka 3.5). */
export const PRODUCER_PERF = 'org.apache.kafka.tools.ProducerPerformance';
export const CONSUMER_PERF = 'org.apache.kafka.tools.ConsumerPerformance';
export const MIRROR_MAKER_2 = 'org.apache.kafka.connect.mirror.MirrorMaker';

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await kafkaToolsClasspath());
}
