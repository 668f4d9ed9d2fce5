/**
 * `npm run kafka -- fetch|start [--version 4]`: fetch the broker's jars into the cache, or run a
 * local broker in the foreground until Ctrl-C.
 */

import { formatDuration } from '../kit/duration.ts';
import { ensureKafkaJars, resolveKafkaVersion, startBroker } from './kafka-broker.ts';

const [command = 'start', ...rest] = process.argv.slice(2);
const versionFlag = rest.indexOf('--version');
const version = resolveKafkaVersion(versionFlag >= 0 ? rest[versionFlag + 1] : undefined);

if (command === 'fetch') {
  const dir = await ensureKafkaJars(version);
  console.log(`Kafka ${version} ready in ${dir}`);
} else if (command === 'start') {
  const started = Date.now();
  const broker = await startBroker({ version });
  console.log(
    `Kafka ${broker.version} listening on ${broker.brokers} (started in ${formatDuration(Date.now() - started)}); Ctrl-C stops it`,
  );
  const shutdown = async () => {
    await broker.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} else {
  console.error(`unknown command "${command}": use fetch or start`);
  process.exit(2);
}
