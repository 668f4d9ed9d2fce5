/**
 * The autoscaler's adapters: the core's ports on Kafka (kafkajs admin), CloudWatch, ECS and
 * DynamoDB, and the Kafka auth settings they connect with. Callers outside lambda/adapters
 * import from here.
 */

export { ConsumerGroupDescriber } from './consumer-group-describe.ts';
export { EcsScalingTarget } from './ecs-target.ts';
export { kafkaSecurity } from './kafka-auth.ts';
export { connectLagSource, type LagClientOptions } from './lag-client.ts';
export { KafkaLagSource, type LagSourceOptions } from './lag-source.ts';
export { CloudWatchMetricsSource } from './metrics-source.ts';
export { MinuteMetricsSource } from './minute-metrics.ts';
export { type ClosableLagSource, RenewingLagSource } from './renewing-lag-source.ts';
export { DynamoStateStore, MemoryStateStore } from './state-store.ts';
export { SqsStepQueue } from './step-queue.ts';
