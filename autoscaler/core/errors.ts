/**
 * Typed failures of the autoscaler's adapters. Each names what was being observed or changed
 * and carries what the operator needs to fix it; the control step turns any of them into a
 * hold with the message as its reason, plus an Errors metric.
 */

/** Which port failed. */
export type Source = 'kafka' | 'metrics' | 'service' | 'state';

export class AutoscalerError extends Error {
  constructor(
    readonly source: Source,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BrokerUnreachableError extends AutoscalerError {
  constructor(
    readonly brokers: readonly string[],
    cause: unknown,
  ) {
    super(
      'kafka',
      `Kafka brokers ${brokers.join(', ')} unreachable (${messageOf(cause)}): check LAGPILOT_BROKERS, the security group and the auth settings`,
      { cause },
    );
  }
}

export class TopicNotFoundError extends AutoscalerError {
  constructor(readonly topics: readonly string[]) {
    super(
      'kafka',
      `topic ${topics.join(', ')} does not exist on the cluster: check LAGPILOT_TOPICS`,
    );
  }
}

export class GroupNotFoundError extends AutoscalerError {
  constructor(readonly groupId: string) {
    super(
      'kafka',
      `consumer group ${groupId} does not exist (no members, no committed offsets): check LAGPILOT_GROUP_ID, or start the workers once`,
    );
  }
}

export class KafkaError extends AutoscalerError {
  constructor(cause: unknown) {
    super('kafka', `reading lag failed: ${messageOf(cause)}`, { cause });
  }
}

export class ServiceNotFoundError extends AutoscalerError {
  constructor(
    readonly cluster: string,
    readonly service: string,
    reason: string,
  ) {
    super(
      'service',
      `ECS service ${service} not found in cluster ${cluster} (${reason}): check LAGPILOT_CLUSTER and LAGPILOT_SERVICE`,
    );
  }
}

/** Another control step wrote the state since this one read it: this step must not act. */
export class StateConflictError extends AutoscalerError {
  constructor(readonly key: string) {
    super(
      'state',
      `state ${key} was changed by another control step since it was read: not acting twice`,
    );
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
