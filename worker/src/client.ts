import type { Config } from './config.ts';
import type { KafkaCredentials } from './kafka-credentials.ts';
import type { ConsumerSettings, KafkaPort, ProducerSettings } from './kafka-port.ts';
import { KafkajsPort } from './kafkajs-adapter.ts';
import { PlatformaticPort } from './platformatic-adapter.ts';
import { SplitPort } from './split-port.ts';

/**
 * The Kafka client named by `client` (`kafkajs+platformatic`: kafkajs consumes and commits,
 * @platformatic/kafka produces), and the settings the adapters take, from the config.
 */
export function createPort(config: Config, credentials: KafkaCredentials): KafkaPort {
  const clientId = `lagpilot-worker-${config.appid}`;
  const p = config.producer_properties;
  const producer: ProducerSettings = {
    compression: p['compression.type'] === 'gzip' ? 'gzip' : 'none',
    requestTimeoutMs: Number(p['request.timeout.ms'] ?? 30_000),
  };
  const kafkajs = () => new KafkajsPort(config.bootstrap, credentials, clientId, producer);
  const platformatic = () =>
    new PlatformaticPort(config.bootstrap, credentials, clientId, producer);
  if (config.client === 'kafkajs') return kafkajs();
  if (config.client === 'platformatic') return platformatic();
  return new SplitPort(kafkajs(), platformatic());
}

export function consumerSettings(config: Config): ConsumerSettings {
  const c = config.consumer_properties;
  const num = (k: string, d: number) => Number(c[k] ?? d);
  return {
    groupId: config.appid,
    topics: config.input,
    concurrency: config.threads,
    // A mirror must not skip what was written before its group first started.
    fromBeginning: (c['auto.offset.reset'] ?? 'earliest') === 'earliest',
    sessionTimeoutMs: num('session.timeout.ms', 30_000),
    heartbeatIntervalMs: num('heartbeat.interval.ms', 3_000),
    rebalanceTimeoutMs: num('rebalance.timeout.ms', 60_000),
    maxBytesPerPartition: num('max.partition.fetch.bytes', 1_048_576),
    maxBytes: num('fetch.max.bytes', 4_194_304),
    maxWaitMs: num('fetch.max.wait.ms', 500),
    groupProtocol: config.group_protocol,
  };
}
