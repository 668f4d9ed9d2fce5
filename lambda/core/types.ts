/**
 * The autoscaler's domain: what a control step observes, what it decides, and what it keeps
 * between steps. Plain data only, so the Lambda, the local system and the simulator share it.
 */

import type { Cause, Unobserved, Veto } from './cause.ts';

/** Epoch milliseconds. */
export type EpochMs = number;
/** A duration in milliseconds. */
export type Millis = number;
/** A number of partitions (summed over the group's topics). */
export type Partitions = number;
/** A number of ECS tasks (workers). */
export type TaskCount = number;
/** A percentage, 0–100. */
export type Percent = number;

/** One partition of a watched topic, as seen by the group. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The group's committed offset; null when the group never committed on this partition. */
  committed: number | null;
  /**
   * The end a read_committed consumer can read to: the last stable offset (ListOffsets with
   * READ_COMMITTED), which is the high watermark unless a transaction is open. Records of an
   * open transaction, and every record after its first, cannot be read until it ends, so more
   * workers would not consume them: counting them would scale on a producer's slow transaction.
   */
  end: number;
  /** Log-start offset (low watermark: retention removed everything below it). */
  start: number;
  /**
   * Offsets behind, never negative: end − committed; a never-committed or out-of-range
   * committed offset (below the log start or past the end) follows the group's reset policy,
   * as the consumer would (lambda/adapters/lag-source.ts). It counts offsets, not records delivered:
   * an aborted transaction's records and each transaction's commit or abort marker take one
   * offset each and count until the consumer passes them (it skips them without delivering).
   * Lag is for read_committed consumers (kafkajs' and @platformatic/kafka's default); a
   * read_uncommitted consumer may commit past the last stable offset and read as out of range.
   */
  lag: number;
}

/**
 * Kafka's consumer-group states (DescribeGroups), plus Unknown for anything else. A group of the
 * consumer rebalance protocol (ConsumerGroupDescribe) maps onto them: Assigning →
 * PreparingRebalance, Reconciling → CompletingRebalance (both: a rebalance in progress).
 */
export type GroupStateName =
  | 'Stable'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Empty'
  | 'Dead'
  | 'Unknown';

/**
 * How the group's members share its partitions, as the broker reports it (ListGroups v5): a
 * classic or consumer (KIP-848) group gives each partition to one member, so members past the
 * partition count idle; a share group (KIP-932) hands a partition's records to many members.
 */
export type GroupType = 'classic' | 'consumer' | 'share';

export interface GroupState {
  state: GroupStateName;
  /** Members currently in the group (one per consumer instance). */
  members: number;
  /** @default 'classic' (and its rules: a member per partition at most) */
  type?: GroupType;
}

/** The group's lag over all its topics at one instant. */
export interface LagSnapshot {
  topics: string[];
  partitions: PartitionOffsets[];
  /** Partition count over all topics (re-read every step: partitions can be added). */
  partitionCount: Partitions;
  group: GroupState;
}

/** The scaled ECS service (or local fleet). */
export interface ServiceSnapshot {
  desired: TaskCount;
  running: TaskCount;
  pending: TaskCount;
  /** A deployment is rolling (more than one deployment, or the primary one not completed). */
  deploying: boolean;
  /** The primary deployment's task definition (ARN with revision), where the target knows it. */
  taskDefinition?: string;
}

/** The service's CPU and memory utilisation at one time (1-minute averages on AWS). */
export interface ResourceSample {
  at: EpochMs;
  cpu: Percent | null;
  memory: Percent | null;
}

/** An observation either succeeded or failed with a reason the decision log can show. */
export type Observed<T> = { ok: true; value: T } | { ok: false; error: string };

/** One lag sample per control step, kept in the state for the sustain windows. */
export interface LagSample {
  at: EpochMs;
  /** Total lag; null when the step could not observe it. */
  totalLag: number | null;
  /** Lag that counts toward scale-up (stalled partitions excluded). */
  scalingLag: number | null;
  /** Sum of log-end offsets: the offset→time table that lag seconds interpolate on. */
  endSum: number | null;
}

/** What the stall diagnosis remembers per partition (key `topic/partition`). */
export interface PartitionTrack {
  committed: number | null;
  end: number;
  /** Consecutive steps with the committed offset unchanged while lag > 0 and the group live. */
  still: number;
}

export type ScaleAction = 'up' | 'down';

export interface LastAction {
  action: ScaleAction;
  from: TaskCount;
  to: TaskCount;
  at: EpochMs;
  /** The group has since reached a stable state with a member for every running task. */
  settled: boolean;
  /** A scale-up's start was measured: every task it added runs, in a settled group. */
  startMeasured?: boolean;
  /**
   * The scale-up was sized on the rate at its step, above the interval's rate (this, msg/s):
   * trim.ts may trim it while its tasks are pending and the produce rate holds at least this.
   */
  sizedNow?: number;
}

/** The capacity samples (msg/s per task) kept between steps, and the code they were measured on. */
export interface CapacityMemory {
  samples: number[];
  taskDefinition: string | null;
}

/** One hour's produce-rate peaks per minute of the hour (null: not observed). */
export interface RecurringHour {
  /** Hours since the epoch. */
  hour: number;
  peaks: (number | null)[];
}

/** Produce-rate peaks per hour, oldest first (null: not observed), from `firstHour` (hours since the epoch). */
export interface WeeklyPeaks {
  firstHour: number;
  peaks: (number | null)[];
}

/** The rates a quiet topic rose to within a reaction horizon (quiet-rises.ts). */
export interface QuietRises {
  /** Quiet readings younger than a reaction horizon: when, and the highest rate read since. */
  open: { at: EpochMs; peak: number }[];
  /** Per day (days since the epoch) the highest rate reached out of quiet, oldest first. */
  days: { day: number; peak: number }[];
  /** Since when the topic has been quiet; null while it flows. */
  quietSince: EpochMs | null;
}

/** One hour's minutes in which the lag was observed, and how many of them broke the SLO. */
export interface SloHour {
  /** Hours since the epoch. */
  hour: number;
  seen: number;
  violated: number;
}

/** The autoscaler's own record of the lag SLO, minute by minute, bucketed by hour. */
export interface SloRecord {
  hours: SloHour[];
  /** The minute being observed (minutes since the epoch), not yet in `hours`; null: none. */
  minute: number | null;
  /** Some step of that minute saw the lag older than the SLO. */
  violated: boolean;
  /** The last reading of the age and how fast it grew into it (s/s): a peak between two readings. */
  reading?: { at: EpochMs; ageS: number; growth: number };
}

/** Everything one step hands to the next; persisted (DynamoDB on AWS), never in memory only. */
export interface ScalerState {
  samples: readonly LagSample[];
  resources: readonly ResourceSample[];
  partitions: Record<string, PartitionTrack>;
  /** The partition count last read: the cap when lag is unobservable. */
  partitionCount: Partitions | null;
  lastAction: LastAction | null;
  capacity: CapacityMemory;
  /** The last hours' produce-rate profile, for pre-scaling recurring bursts. */
  recurring: RecurringHour[];
  /** The last weeks' produce-rate peaks per hour: weekly pre-scaling and the budget floor. */
  weekly: WeeklyPeaks;
  /** What the rate rose to out of quiet: the budget floor while the topic is quiet. */
  quietRises: QuietRises;
  /** Measured task starts (raised desired count → settled group), ms, newest last. */
  starts: Millis[];
  /** Minutes the lag SLO held or broke: the running attainment and its error budget. */
  slo: SloRecord;
}

export const EMPTY_STATE: ScalerState = {
  samples: [],
  resources: [],
  partitions: {},
  partitionCount: null,
  lastAction: null,
  capacity: { samples: [], taskDefinition: null },
  recurring: [],
  weekly: { firstHour: 0, peaks: [] },
  quietRises: { open: [], days: [], quietSince: null },
  starts: [],
  slo: { hours: [], minute: null, violated: false },
};

/** Everything decide() needs: this step's observations plus the history kept so far. */
export interface Observations {
  lag: Observed<LagSnapshot>;
  /** Time-stamped CPU/memory samples (CloudWatch returns the window; a local fleet the latest). */
  resources: Observed<ResourceSample[]>;
  service: Observed<ServiceSnapshot>;
  state: ScalerState;
}

/** Findings reported with the decision; they explain lag that more workers will not fix. */
export type Diagnosis =
  | { kind: 'stalled'; topic: string; partition: number; lag: number; steps: number }
  | {
      kind: 'hot';
      topic: string;
      partition: number;
      lag: number;
      /** Share of the total lag, 0–1. */
      share: number;
      /** The current count already gives this partition a worker of its own. */
      ownWorker: boolean;
    };

/** Figures derived from this step's observations (null where unobservable). */
export interface Measures {
  totalLag: number | null;
  scalingLag: number | null;
  maxPartitionLag: number | null;
  /** Estimated seconds the group is behind the log end. */
  lagSeconds: number | null;
  /** Messages per second appended to the log end (between the last two steps). */
  produceRate: number | null;
  /** Messages per second committed by the group (between the last two steps). */
  consumeRate: number | null;
  partitions: Partitions | null;
  cpu: Percent | null;
  memory: Percent | null;
  endSum: number | null;
  running: TaskCount | null;
  /** This step's capacity sample (msg/s per task), when the group was saturated and settled. */
  capacitySample: number | null;
  /** Messages per second one task consumes, as the sizing uses it (learned or configured). */
  taskCapacity: number | null;
  /** How soon added capacity consumes: detection + task start, and where the start comes from. */
  reaction: Reaction;
  /** The lag SLO's running attainment, its error budget's burn and the floor that buys it back. */
  budget: Budget;
}

/** The reaction horizon: what a scale-up decided now can change only after it. */
export interface Reaction {
  /** Until the next step sees a change (the step interval). */
  detectMs: Millis;
  /** Raised desired count → consuming group member: measured (median of the last starts) or configured. */
  startMs: Millis;
  startSource: 'measured' | 'configured';
  /** detectMs + startMs. */
  horizonMs: Millis;
}

/** The error budget of LAGPILOT_SLO_ATTAINMENT, as the autoscaler's own record measures it. */
export interface Budget {
  /** This step saw the oldest message past the SLO (null: lag not observed). */
  breached: boolean | null;
  /** Share of observed minutes within the SLO over the kept record (%), null before any. */
  attainment: Percent | null;
  /** Violated minutes over the burn window ÷ what the target allows there (1: on budget). */
  burn: number | null;
  /**
   * Tasks held while the budget burns or the attainment is below its target (null: no floor),
   * and the peak rate they absorb.
   */
  floor: TaskCount | null;
  floorRate: number | null;
}

/** How a rate-based decision sized the fleet: the figures its sentence is built from. */
export interface Sizing {
  /** Messages per second per task, and where that figure comes from. */
  perTask: number;
  capacitySource: 'learned' | 'configured';
  /**
   * The produce rate sized for: this step's (up; for a projected breach the rate at the step,
   * reaction.ts rateNow) or the peak over the down-window (down).
   */
  produceRate: number;
  headroom: number;
  /** Messages to drain within the SLO (0 when sizing down). */
  backlog: number;
  /** When set, `backlog` is the part older than this (s) once added tasks consume (scale-up). */
  olderThanS?: number;
  sloS: number;
  /** Tasks the load needs at full balance: (produce × headroom + backlog / SLO) / per task. */
  neededTasks: number;
  /** The smallest count within bounds whose busiest task carries its share of it. */
  balanced: TaskCount;
}

export interface Decision {
  action: ScaleAction | 'hold';
  /** Desired count before the step (last known when the service could not be read). */
  from: TaskCount;
  /** Desired count after the step (= from on hold). */
  to: TaskCount;
  /** The upper bound applied: min(max, partitions), never below min. */
  cap: TaskCount;
  /** What set the cap. */
  capBy: 'partitions' | 'max' | 'min';
  /** Which rule decided, with the figures it judged (explain.ts says it in sentences). */
  cause: Cause;
  /** Set when the control step overruled the rules into a hold: why, and what they chose. */
  vetoed: { veto: Veto; was: { action: ScaleAction; to: TaskCount } | null } | null;
  /** Observations that failed this step (judged without them: no scale-down). */
  unobserved: Unobserved[];
  /** The rate-based sizing behind the decision, when capacity and rates were known. */
  sizing: Sizing | null;
  diagnoses: Diagnosis[];
  measures: Measures;
}
