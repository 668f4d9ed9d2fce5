/**
 * lagpilot itself: the autoscaler's own step() with the given rules, fed what the Lambda would
 * read (lagpilot-readings.ts) and keeping the state step() returns, exactly as the Lambda
 * persists it between invocations. Faults make observations fail or whole steps go missing, so
 * the rules' hold paths run in the simulator too.
 */
import {
  type Decision,
  EMPTY_STATE,
  explain,
  keepStepping,
  type ScalerState,
  type ScalingRules,
  step,
} from '../../lambda/core/index.ts';
import type { FleetView, Policy, PolicyFactory } from '../policy.ts';
import {
  type FailedReadings,
  type ResourceStatistic,
  readingsOf,
  SIMULATION_EPOCH_MS,
} from './lagpilot-readings.ts';

/** Observation faults by simulated second. @default - none: every step observes everything */
export interface ObservationFaults {
  /** The readings that fail at this second, with their errors. */
  readonly failed?: (atS: number) => FailedReadings;
  /** No step runs at this second (a missed invocation): nothing observed, nothing kept. */
  readonly missed?: (atS: number) => boolean;
}

export interface LagpilotOptions {
  /** @default 'maximum' */
  readonly statistic?: ResourceStatistic;
  /** @default - no faults */
  readonly faults?: ObservationFaults;
  /** Sees every decision as it is made, with its simulated second. @default - none */
  readonly onDecision?: (decision: Decision, atS: number) => void;
}

/** The schedule's period: an invocation starts every minute (lambda/handler/step-loop.ts). */
const INVOCATION_S = 60;

export class Lagpilot implements Policy {
  private state: ScalerState = EMPTY_STATE;
  private last: Decision | undefined;
  /** The running invocation steps again at the next interval (see keepStepping). */
  private stepping = false;
  /** Control steps run so far: the Lambda's duration, and so its cost, follows them. */
  steps = 0;

  constructor(
    private readonly rules: ScalingRules,
    private readonly options: LagpilotOptions = {},
  ) {}

  /** Steps at the rules' LAGPILOT_STEP_INTERVAL, as the Lambda does. */
  get intervalS(): number {
    return this.rules.stepIntervalMs / 1000;
  }

  evaluate(view: FleetView): number | undefined {
    const { statistic, faults } = this.options;
    const invocation = view.nowS % INVOCATION_S === 0;
    if (!invocation && !this.stepping) return undefined;
    this.stepping = false;
    if (faults?.missed?.(view.nowS)) return undefined;
    this.steps++;
    const now = SIMULATION_EPOCH_MS + view.nowS * 1000;
    const readings = readingsOf(view, statistic, faults?.failed?.(view.nowS));
    const { decision, state } = step(this.rules, this.state, readings, now);
    this.state = state;
    this.last = decision;
    this.stepping = keepStepping(this.rules, decision);
    this.options.onDecision?.(decision, view.nowS);
    // A hold leaves the count alone, as the Lambda does: its `to` is only the last known count
    // when the service could not be read.
    return decision.action === 'hold' ? undefined : decision.to;
  }

  explain(): string {
    return this.last ? explain(this.last).join('; ') : '';
  }
}

export function lagpilot(rules: ScalingRules, options: LagpilotOptions = {}): PolicyFactory {
  return { name: 'lagpilot', create: () => new Lagpilot(rules, options) };
}
