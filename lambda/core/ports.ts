/**
 * What the control step needs from the world, as interfaces. The Lambda plugs in Kafka admin,
 * CloudWatch, ECS and DynamoDB adapters; a local fleet or the simulator plugs in its own.
 * Adapters throw the typed errors of errors.ts; the control step never lets one escape.
 */

import type {
  Decision,
  EpochMs,
  LagSnapshot,
  Millis,
  ResourceSample,
  ScalerState,
  ServiceSnapshot,
  TaskCount,
} from './types.ts';

/** The consumer group's per-partition offsets, partition count and membership. */
export interface LagSource {
  observe(): Promise<LagSnapshot>;
}

/** The service's CPU and memory utilisation over the last `windowMs` (time-stamped samples). */
export interface MetricsSource {
  resources(now: EpochMs, windowMs: Millis): Promise<ResourceSample[]>;
}

/** The scaled service: read its counts, set its desired count (idempotent). */
export interface ScalingTarget {
  describe(): Promise<ServiceSnapshot>;
  setDesired(count: TaskCount): Promise<void>;
}

/** State as loaded, with the version a conditional save must match. */
export interface Versioned<T> {
  value: T;
  /** 0 when nothing was stored yet. */
  version: number;
}

/**
 * The autoscaler's memory between steps. `save` succeeds only if the stored version is still
 * `expected` (and stores expected + 1); otherwise it throws StateConflictError, so two
 * overlapping steps can never both act.
 */
export interface StateStore {
  load(): Promise<Versioned<ScalerState>>;
  save(state: ScalerState, expected: number): Promise<void>;
}

/** One failed port, as reported. */
export interface StepError {
  source: 'kafka' | 'metrics' | 'service' | 'state' | 'act';
  error: string;
}

/** Everything a step did, for the decision log and the metrics. */
export interface StepReport {
  at: EpochMs;
  decision: Decision;
  /** The desired count was changed (false on hold, in dry run, or when acting failed). */
  acted: boolean;
  dryRun: boolean;
  observed: {
    lag: LagSnapshot | null;
    service: ServiceSnapshot | null;
  };
  errors: StepError[];
}

/** Where a step's report goes: the decision log line and metrics. */
export interface Reporter {
  report(step: StepReport): void;
}
