/**
 * The Lambda: its handler, the wiring of adapters and Powertools around the control steps, the
 * decision log line and metrics, and the loop of steps in one invocation. Callers outside
 * lambda/handler import from here.
 */

export {
  type AppOptions,
  type AwsClientConfig,
  createDeps,
  createHandler,
  type InvocationSummary,
  type SkippedInvocation,
  type StepSummary,
} from './app.ts';
export {
  headline,
  JsonLineReporter,
  METRIC_UNITS,
  type MetricDatum,
  type MetricName,
  type MetricUnitName,
  metricsOf,
  PowertoolsReporter,
} from './report.ts';
export {
  nextStep,
  parseStepMessage,
  type StepMessage,
  type StepQueue,
} from './step-chain.ts';
export { runSteps, SCHEDULE_PERIOD_MS, STEP_RESERVE_MS } from './step-loop.ts';
