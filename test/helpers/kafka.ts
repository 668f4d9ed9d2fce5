import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Kafka, logLevel } from '../../kit/kafkajs.ts';
import { pollUntil } from '../../kit/process.ts';

/** A kafkajs client on the integration tier's broker, quiet unless a test fails. */
export function testKafka(clientId = 'lagpilot-test'): Kafka {
  return new Kafka({ clientId, brokers: [inject('kafkaBrokers')], logLevel: logLevel.NOTHING });
}

/** A name no other test uses, so that test files can share one broker. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** pollUntil with the integration tier's patience: 30 s unless a test says otherwise. */
export const eventually = <T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> => pollUntil(check, { timeoutMs, everyMs });
