import type {
  ConsumeHandlers,
  ConsumerSettings,
  KafkaPort,
  OutRecord,
  TopicPartition,
} from './kafka-port.ts';

/**
 * Consumes (group membership, fetch, commit) through one client and produces through another:
 * the group semantics of the first with the producer throughput of the second.
 */
export class SplitPort implements KafkaPort {
  constructor(
    private readonly consumerSide: KafkaPort,
    private readonly producerSide: KafkaPort,
  ) {}

  get writesNullHeaders(): boolean {
    return this.producerSide.writesNullHeaders;
  }

  /** From the consumer side: kafkajs reports a missing topic at once. */
  partitionCount(topic: string): Promise<number> {
    return this.consumerSide.partitionCount(topic);
  }

  consume(settings: ConsumerSettings, handlers: ConsumeHandlers): Promise<void> {
    return this.consumerSide.consume(settings, handlers);
  }

  commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void> {
    return this.consumerSide.commit(offsets);
  }

  produce(records: OutRecord[]): Promise<void> {
    return this.producerSide.produce(records);
  }

  stopConsuming(): Promise<void> {
    return this.consumerSide.stopConsuming();
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled([this.consumerSide.disconnect(), this.producerSide.disconnect()]);
  }
}
