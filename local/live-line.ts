/** The live view: one line per control step, and the row the report keeps of it. */

import type { Cause, StepReport } from '../lambda/core/index.ts';
import { headline } from '../lambda/handler/index.ts';

/** One control step as the report keeps it. */
export interface StepRow {
  /** Seconds since the start. */
  t: number;
  at: string;
  /** The profile's rate at this time (msg/s). */
  targetRate: number;
  produceRate: number | null;
  consumeRate: number | null;
  totalLag: number | null;
  lagSeconds: number | null;
  desired: number | null;
  running: number | null;
  cpu: number | null;
  memory: number | null;
  action: 'up' | 'down' | 'hold';
  acted: boolean;
  from: number;
  to: number;
  reason: string;
  /** The rule behind the decision, as data (the reason is its headline). */
  cause: Cause;
  /** A scale-up: seconds from the first step that saw the backlog (LAGPILOT_LAG_LOW) to it. */
  reactionS?: number;
  errors: string[];
}

export function stepRow(step: StepReport, startedAt: number, targetRate: number): StepRow {
  const { decision, observed } = step;
  const m = decision.measures;
  return {
    t: Math.round((step.at - startedAt) / 100) / 10,
    at: new Date(step.at).toISOString(),
    targetRate: Math.round(targetRate),
    produceRate: m.produceRate,
    consumeRate: m.consumeRate,
    totalLag: m.totalLag,
    lagSeconds: m.lagSeconds,
    desired: step.acted ? decision.to : (observed.service?.desired ?? null),
    running: observed.service?.running ?? null,
    cpu: m.cpu,
    memory: m.memory,
    action: decision.action,
    acted: step.acted,
    from: decision.from,
    to: decision.to,
    reason: headline(step),
    cause: decision.cause,
    errors: step.errors.map((e) => `${e.source}: ${e.error}`),
  };
}

const num = (v: number | null, width: number, digits = 0): string =>
  (v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits })).padStart(width);

export function liveLine(row: StepRow): string {
  const mark = row.acted ? (row.action === 'up' ? '▲' : '▼') : ' ';
  return [
    `${num(row.t, 5)}s`,
    `produce ${num(row.produceRate, 5)}/s`,
    `consume ${num(row.consumeRate, 5)}/s`,
    `lag ${num(row.totalLag, 7)} (${num(row.lagSeconds, 5, 1)} s)`,
    `tasks ${num(row.desired, 2)}/${num(row.running, 0)}`,
    `cpu ${num(row.cpu, 3)}%`,
    `${mark} ${row.reason}`,
    ...(row.reactionS === undefined
      ? []
      : [`(reacted ${num(row.reactionS, 0, 1)} s after the backlog showed)`]),
  ].join('  ');
}
