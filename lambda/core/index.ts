/**
 * The autoscaler's rules, pure: no SDK, no Kafka client, no clock, no I/O (a test holds it to
 * that). Observations come in through the ports, one step() decides and records, and explain()
 * says the decision in sentences. Callers outside lambda/core import from here.
 */

export { keepStepping } from './cadence.ts';
export type * from './cause.ts';
export * from './config.ts';
export { type ControlStepDeps, controlStep } from './control-step.ts';
export * from './errors.ts';
export { describeDiagnosis, describeSizing, explain, signalText, vetoText } from './explain.ts';
export { lagSeconds, type OffsetReset, partitionLag, RESOURCE_PERIOD_MS } from './measure.ts';
export * from './parameters.ts';
export type * from './ports.ts';
export { overrule, type Readings, type StepResult, step } from './step.ts';
export * from './types.ts';
