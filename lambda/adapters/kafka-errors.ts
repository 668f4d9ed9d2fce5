/**
 * What a kafkajs error means for the operator: kafkajs' protocol error `type` (sometimes on a
 * wrapped cause), a connection failure, or access refused — with who must grant what.
 */

import { messageOf } from '../../kit/errors.ts';
import { AutoscalerError } from '../core/index.ts';

/** kafkajs' errors that mean no broker could be reached, by class name. */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
]);
/** Node's socket error codes for the same. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * kafkajs errors carry a protocol error `type`, sometimes on a wrapped cause; connection
 * failures are known by their class name or socket error code (`CONNECTION`).
 */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return 'SASL_AUTHENTICATION';
    const { type, code } = e as { type?: unknown; code?: unknown };
    if (typeof type === 'string') return type;
    if (CONNECTION_ERRORS.has(e.name) || (typeof code === 'string' && CONNECTION_CODES.has(code)))
      return 'CONNECTION';
    const original = (e as { originalError?: unknown }).originalError;
    if (original instanceof Error) return kafkaErrorType(original);
  }
  return undefined;
}

/** Access refused, by error type: what to fix. */
const ACCESS: Record<string, string> = {
  SASL_AUTHENTICATION:
    'check LAGPILOT_KAFKA_AUTH (the mechanism the listener expects) and the username and password in the LAGPILOT_KAFKA_SECRET_ARN secret',
  GROUP_AUTHORIZATION_FAILED:
    'allow DESCRIBE and READ on the group LAGPILOT_GROUP_ID (kafka-cluster:DescribeGroup with MSK IAM)',
  TOPIC_AUTHORIZATION_FAILED:
    'allow DESCRIBE on LAGPILOT_TOPICS (kafka-cluster:DescribeTopic with MSK IAM)',
  CLUSTER_AUTHORIZATION_FAILED:
    'allow DESCRIBE on the cluster (kafka-cluster:DescribeCluster with MSK IAM)',
};

/** A config error naming the fix when Kafka refused the credentials or an operation; else undefined. */
export function accessDenied(
  type: string | undefined,
  brokers: readonly string[],
  error: unknown,
): AutoscalerError | undefined {
  const fix = type ? ACCESS[type] : undefined;
  if (!fix) return undefined;
  return new AutoscalerError(
    'config',
    `Kafka brokers ${brokers.join(', ')} refused lagpilot (${messageOf(error)}): ${fix}`,
    { cause: error },
  );
}
