/**
 * Why a decision is what it is, as data: which rule fired or what held it, with the signals'
 * values, thresholds and windows. explain.ts turns a cause into the decision log's sentences;
 * tests, metrics and dashboards read the cause itself.
 */

import type { GroupStateName, Millis, ScaleAction, TaskCount } from './types.ts';

/** A signal judged against a threshold: lag (messages), CPU or memory (percent). */
export interface ThresholdSignal {
  kind: 'lag' | 'cpu' | 'memory';
  value: number;
  threshold: number;
  /** Above the scale-up threshold, or below the scale-down one. */
  side: 'above' | 'below';
  /** How long it has been on that side (ms). */
  held: Millis;
  windowMs: Millis;
}

/** The rate trigger: the current count cannot carry the produce rate plus the backlog. */
export interface RateSignal {
  kind: 'rate';
  /** Messages per second needed: produce × headroom + backlog within the SLO. */
  need: number;
  /** Messages per second the current count carries. */
  carried: number;
  tasks: TaskCount;
  /**
   * The age the oldest message would reach, acting one step later, by the time added tasks
   * consume (the reaction horizon), when that alone fired it (else null).
   */
  overdueMs: Millis | null;
  /**
   * The produce rate the projection read: the last interval's, or a jump within it at its
   * height (reaction.ts rateNow). A projected breach is sized for it.
   */
  rateNow: number;
  held: Millis;
  windowMs: Millis;
}

export type Signal = ThresholdSignal | RateSignal;

/** A signal that keeps a scale-down off: unknown (value null) or not below its threshold. */
export interface Blocker {
  kind: ThresholdSignal['kind'];
  value: number | null;
  threshold: number;
}

/** The calm a scale-down needs: every signal below its threshold, and for how long. */
export interface Calm {
  signals: ThresholdSignal[];
  forMs: Millis;
  windowMs: Millis;
}

/** What a count of tasks absorbs and drains, at the per-task rate the fleet consumed. */
export interface Drain {
  tasks: TaskCount;
  produceRate: number;
  perTask: number;
  withinMs: Millis;
}

/** How a scale-up chose its count. */
export type UpStep =
  /** Rate-based sizing at a known capacity (the decision's `sizing`). */
  | { kind: 'sized' }
  /** No capacity and no consumed rate: at most ×factor. */
  | { kind: 'factor'; factor: number; limit: TaskCount }
  /** Sized on the consumed rate, limited to ×factor until the capacity is known. */
  | { kind: 'drain'; drain: Drain; factor: number; limit: TaskCount }
  /** Sized on the consumed rate without the ×factor limit: the backlog is over the SLO. */
  | { kind: 'overdue'; drain: Drain; factor: number; sloMs: Millis };

/** How a scale-down chose its count: sized on the peak produce rate, or a fixed step. */
export type DownStep =
  | { kind: 'sized' }
  | { kind: 'fixed'; step: 'one' | 'half'; capacityUnknown: boolean };

/** What keeps the rules from being judged this step. */
export type Wait =
  | { kind: 'rolling' }
  | { kind: 'not-running'; running: TaskCount; desired: TaskCount; pending: TaskCount }
  | {
      kind: 'cooldown';
      action: ScaleAction;
      from: TaskCount;
      to: TaskCount;
      sinceMs: Millis;
      cooldownMs: Millis;
    }
  | { kind: 'rebalancing'; state: GroupStateName }
  | {
      kind: 'not-settled';
      action: ScaleAction;
      from: TaskCount;
      to: TaskCount;
      members: number;
      state: GroupStateName;
      running: TaskCount;
    };

/** Why the rules hold. */
export type Hold =
  | { kind: 'service-unobserved'; error: string }
  | { kind: 'waiting'; waits: Wait[] }
  /** Signals fired, but the current count drains the lag at the consumed rate. */
  | { kind: 'drains'; signals: Signal[]; drain: Drain }
  /** Signals fired, but the sizing (the decision's `sizing`) needs no more tasks. */
  | { kind: 'sized-enough'; signals: Signal[] }
  /**
   * Signals fired and the sizing wants more, but the count in place falls short by `shortfall`
   * (a fraction), within a capacity estimate's `spread`, and the oldest message stays under
   * `olderThanS` until tasks asked for at the next step could consume (`projectedS`).
   */
  | {
      kind: 'within-spread';
      signals: Signal[];
      shortfall: number;
      spread: number;
      projectedS: number;
      olderThanS: number;
    }
  | { kind: 'no-useful-count'; signals: Signal[] }
  /** Signals above their thresholds, not yet for their whole windows. */
  | { kind: 'not-sustained'; signals: Signal[] }
  | { kind: 'calm-building'; calm: Calm }
  | { kind: 'peak-unmeasured'; calm: Calm }
  | { kind: 'at-minimum'; calm: Calm; min: TaskCount }
  | { kind: 'no-lower-count'; calm: Calm; step: DownStep }
  | { kind: 'no-signal'; blockers: Blocker[] };

/** A burst seen before: by this minute in `of` of the last `last` hours, or at this hour of the
 * week (UTC; weekday 0 = Sunday) in `of` of the last `last` weeks. */
export type Recurrence =
  | { period: 'hour'; minute: number; of: number; last: number }
  | { period: 'week'; weekday: number; hour: number; of: number; last: number };

/** Which rule decided. */
export type Cause =
  | { rule: 'bounds'; bound: 'min'; min: TaskCount }
  | { rule: 'bounds'; bound: 'cap' }
  | { rule: 'up'; signals: Signal[]; step: UpStep }
  /** Ahead of a burst that recurred at this minute of the hour or this hour of the week. */
  | { rule: 'prescale'; recurrence: Recurrence }
  /**
   * The error budget burns (`burn` × what LAGPILOT_SLO_ATTAINMENT `attainment` allows over the
   * burn window), or the running attainment `running` is below it: the floor that absorbs the
   * recent peak through a task start (the decision's `sizing`).
   */
  | { rule: 'floor'; burn: number; attainment: number; running: number | null }
  | { rule: 'down'; calm: Calm; min: TaskCount; step: DownStep }
  /**
   * The last scale-up, sized on the rate at its step, trimmed to what a whole interval's rate
   * needs (the decision's `sizing`) while `pending` of its tasks have not started (trim.ts).
   */
  | { rule: 'trim'; pending: TaskCount }
  | { rule: 'hold'; hold: Hold };

/** Why the control step overruled the rules' decision (its state or its action failed). */
export type Veto =
  | { kind: 'state-unreadable'; error: string }
  | { kind: 'state-conflict'; error: string }
  | { kind: 'state-unsaved'; error: string }
  | { kind: 'act-failed'; error: string };

/** An observation that failed: judged without it (no scale-down). */
export interface Unobserved {
  what: 'lag' | 'resources';
  error: string;
}
