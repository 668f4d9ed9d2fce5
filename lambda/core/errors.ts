/**
 * Typed failures of the autoscaler's adapters, on the project's one error base. Each names what
 * was being observed or changed and carries what the operator needs to fix it; `kind` says who
 * must act: `config` when a setting names something that does not exist, `transient` when the
 * next step may succeed. The control step turns any of them into a hold with the message as its
 * reason, plus an Errors metric.
 */
import { type ErrorKind, LagpilotError, messageOf } from '../../kit/errors.ts';

export { messageOf };

export class AutoscalerError extends LagpilotError {
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
  }
}

export class BrokerUnreachableError extends AutoscalerError {
  constructor(
    readonly brokers: readonly string[],
    cause: unknown,
  ) {
    super(
      'transient',
      `Kafka brokers ${brokers.join(', ')} unreachable (${messageOf(cause)}): check LAGPILOT_BROKERS, the security group and the auth settings`,
      { cause },
    );
  }
}

export class TopicNotFoundError extends AutoscalerError {
  constructor(readonly topics: readonly string[]) {
    super(
      'config',
      `topic ${topics.join(', ')} does not exist on the cluster: check LAGPILOT_TOPICS`,
    );
  }
}

export class GroupNotFoundError extends AutoscalerError {
  constructor(readonly groupId: string) {
    super(
      'config',
      `consumer group ${groupId} does not exist (no members, no committed offsets): check LAGPILOT_GROUP_ID, or start the workers once`,
    );
  }
}

export class KafkaError extends AutoscalerError {
  constructor(cause: unknown) {
    super('transient', `reading lag failed: ${messageOf(cause)}`, { cause });
  }
}

export class ServiceNotFoundError extends AutoscalerError {
  constructor(
    readonly cluster: string,
    readonly service: string,
    reason: string,
  ) {
    super(
      'config',
      `ECS service ${service} not found in cluster ${cluster} (${reason}): check LAGPILOT_CLUSTER and LAGPILOT_SERVICE`,
    );
  }
}

/**
 * Another control step wrote the state since this one read it: this step must not act. The
 * next step reads the new state and decides again, so it is transient.
 */
export class StateConflictError extends AutoscalerError {
  constructor(readonly key: string) {
    super(
      'transient',
      `state ${key} was changed by another control step since it was read: not acting twice`,
    );
  }
}
