/**
 * The lag source as the Lambda connects it: a kafkajs client with the configured auth (TLS,
 * SCRAM from Secrets Manager, MSK IAM), short timeouts and few retries (a step fails fast and
 * holds), and the consumer-protocol describer. `lagpilot lag` connects through the same code.
 */

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Kafka, logLevel } from '../../kit/kafkajs.ts';
import type { LagpilotConfig } from '../core/index.ts';
import { ConsumerGroupDescriber } from './consumer-group-describe.ts';
import { kafkaSecurity } from './kafka-auth.ts';
import { KafkaLagSource } from './lag-source.ts';

export interface LagClientOptions {
  /** The Secrets Manager client SCRAM's secret is read with (created only when needed). */
  secrets: () => SecretsManagerClient;
  /** MSK IAM signs for it. */
  region: string | undefined;
  /** @default 'lagpilot-autoscaler' */
  clientId?: string;
  /**
   * An absent group reads as not started (LagSourceOptions.absentGroupStarts).
   * @default false
   */
  absentGroupStarts?: boolean;
}

export async function connectLagSource(
  config: LagpilotConfig['kafka'],
  options: LagClientOptions,
): Promise<KafkaLagSource> {
  const security = await kafkaSecurity(config, options.secrets, options.region);
  const kafka = new Kafka({
    clientId: options.clientId ?? 'lagpilot-autoscaler',
    brokers: config.brokers,
    ...security,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // A step runs every minute: fail fast and hold rather than retry through the Lambda timeout.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
  return new KafkaLagSource(kafka, {
    groupId: config.groupId,
    topics: config.topics,
    offsetReset: config.offsetReset,
    brokers: config.brokers,
    consumerGroups: new ConsumerGroupDescriber(kafka),
    absentGroupStarts: options.absentGroupStarts ?? false,
  });
}
