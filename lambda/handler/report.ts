/**
 * What a step reports: one JSON decision log line that explains itself, and one datapoint per
 * metric (the contract the alarms and the dashboard use: namespace LAGPILOT_METRICS_NAMESPACE,
 * one dimension `service`).
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { explain, type Reporter, type StepReport } from '../core/index.ts';

export type MetricUnitName = 'Count' | 'Seconds' | 'Count/Second' | 'Percent';

/**
 * Every metric a step can emit, with its unit: the one list the alarms, the dashboard and the
 * construct's `metric()` are typed against.
 */
export const METRIC_UNITS = {
  TotalLag: 'Count',
  MaxPartitionLag: 'Count',
  LagSeconds: 'Seconds',
  ProduceRate: 'Count/Second',
  ConsumeRate: 'Count/Second',
  TaskCapacity: 'Count/Second',
  TaskStartSeconds: 'Seconds',
  SloBreached: 'Count',
  SloAttainment: 'Percent',
  ErrorBudgetBurn: 'Count',
  Partitions: 'Count',
  DesiredTasks: 'Count',
  RunningTasks: 'Count',
  TaskCap: 'Count',
  ScaleUp: 'Count',
  ScaleDown: 'Count',
  Errors: 'Count',
  StalledPartitions: 'Count',
} as const satisfies Record<string, MetricUnitName>;

export type MetricName = keyof typeof METRIC_UNITS;

export interface MetricDatum {
  name: MetricName;
  unit: MetricUnitName;
  value: number;
}

/** The decision log line's headline: the decision's first sentence, marked in dry run. */
export function headline(step: StepReport, reasons = explain(step.decision)): string {
  const first = reasons[0] ?? step.decision.action;
  return step.dryRun && step.decision.action !== 'hold' ? `dry run, would ${first}` : first;
}

/**
 * The decision log line: its headline and fields (the logger adds level, timestamp, service,
 * request id). The decision carries its sentences and the cause they were built from.
 */
function decisionRecord(step: StepReport) {
  const { decision, observed } = step;
  const m = decision.measures;
  const reasons = explain(decision);
  return {
    message: headline(step, reasons),
    decision: {
      action: decision.action,
      from: decision.from,
      to: decision.to,
      cap: decision.cap,
      capBy: decision.capBy,
      acted: step.acted,
      dryRun: step.dryRun,
      reasons,
      cause: decision.cause,
      vetoed: decision.vetoed,
      unobserved: decision.unobserved,
      sizing: decision.sizing,
      diagnoses: decision.diagnoses,
    },
    observed: {
      totalLag: m.totalLag,
      scalingLag: m.scalingLag,
      maxPartitionLag: m.maxPartitionLag,
      lagSeconds: m.lagSeconds,
      produceRate: m.produceRate,
      consumeRate: m.consumeRate,
      taskCapacity: m.taskCapacity,
      capacitySample: m.capacitySample,
      partitions: m.partitions,
      cpu: m.cpu,
      memory: m.memory,
      group: observed.lag?.group ?? null,
      service: observed.service,
    },
    errors: step.errors,
  };
}

/** One datapoint per metric for this step; lag metrics only when lag was observed. */
export function metricsOf(step: StepReport): MetricDatum[] {
  const { decision, observed } = step;
  const m = decision.measures;
  const out: MetricDatum[] = [];
  const add = (name: MetricName, value: number | null) => {
    if (value !== null && Number.isFinite(value))
      out.push({ name, unit: METRIC_UNITS[name], value });
  };
  if (observed.lag) {
    add('TotalLag', m.totalLag);
    add('MaxPartitionLag', m.maxPartitionLag);
    add('Partitions', m.partitions);
    add('StalledPartitions', decision.diagnoses.filter((d) => d.kind === 'stalled').length);
  }
  add('LagSeconds', m.lagSeconds);
  // 1 when this step saw the oldest message past the SLO: its average over a window is the share
  // of the window out of SLO, which the error-budget alarms divide by what the target allows.
  add('SloBreached', m.budget.breached === null ? null : Number(m.budget.breached));
  add('SloAttainment', m.budget.attainment);
  add('ErrorBudgetBurn', m.budget.burn);
  add('ProduceRate', m.produceRate);
  add('ConsumeRate', m.consumeRate);
  add('TaskCapacity', m.taskCapacity);
  // Only a measured start: a configured one is the operator's guess, which `lagpilot tune` must not read back as fact.
  add('TaskStartSeconds', m.reaction.startSource === 'measured' ? m.reaction.startMs / 1000 : null);
  if (observed.service) {
    add('DesiredTasks', step.acted ? decision.to : observed.service.desired);
    add('RunningTasks', observed.service.running);
  }
  add('TaskCap', decision.cap);
  add('ScaleUp', step.acted && decision.action === 'up' ? 1 : 0);
  add('ScaleDown', step.acted && decision.action === 'down' ? 1 : 0);
  add('Errors', step.errors.length);
  return out;
}

/** The Lambda's reporter: the decision log line via Powertools Logger, metrics as EMF. */
export class PowertoolsReporter implements Reporter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  report(step: StepReport): void {
    const { message, ...record } = decisionRecord(step);
    if (step.errors.length > 0) this.logger.warn(message, record);
    else this.logger.info(message, record);
    for (const d of metricsOf(step)) this.metrics.addMetric(d.name, d.unit as MetricUnit, d.value);
  }
}

/** A JSON-lines reporter for running without Lambda (local system): one object per step. */
export class JsonLineReporter implements Reporter {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  report(step: StepReport): void {
    this.write(
      JSON.stringify({
        level: step.errors.length > 0 ? 'WARN' : 'INFO',
        timestamp: new Date(step.at).toISOString(),
        ...decisionRecord(step),
        metrics: Object.fromEntries(metricsOf(step).map((d) => [d.name, d.value])),
      }),
    );
  }
}
