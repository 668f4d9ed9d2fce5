/** Formatting for decision sentences: numbers with thousands separators, short durations. */

import { formatDuration, unitOf } from '../../kit/duration.ts';
import type { Millis } from './types.ts';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 52310 → "52,310". */
export const count = (n: number): string => INTEGER.format(n);

/** 91.26 → "91%". */
export const percent = (n: number): string => `${INTEGER.format(n)}%`;

/** 1234.5 → "1,234.5/s". */
export const rate = (n: number): string => `${DECIMAL.format(n)}/s`;

/** 300000 → "5 min", 90000 → "1.5 min", 2000 → "2 s". */
export const duration = formatDuration;

/** How long of how long, in the window's unit: (299000, 300000) → "5/5 min". */
export function heldOf(heldMs: Millis, windowMs: Millis): string {
  const { size, name } = unitOf(windowMs);
  const held = Math.min(heldMs, windowMs) / size;
  return `${DECIMAL.format(Math.round(held * 10) / 10)}/${DECIMAL.format(windowMs / size)} ${name}`;
}

/** "1 task projects", "4 tasks project": a task count with its verb agreeing. */
export const tasksThat = (n: number, verb: string): string =>
  n === 1 ? `1 task ${verb}s` : `${count(n)} tasks ${verb}`;

/** 52310 → "52k", 1_250_000 → "1.3M", 950 → "950": a backlog at a glance. */
export function compact(n: number): string {
  if (n >= 1_000_000) return `${DECIMAL.format(n / 1_000_000)}M`;
  if (n >= 10_000) return `${INTEGER.format(n / 1000)}k`;
  if (n >= 1_000) return `${DECIMAL.format(n / 1000)}k`;
  return INTEGER.format(n);
}
