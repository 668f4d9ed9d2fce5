/**
 * Schemas for parameters written as text (environment variables, context, a params file), each
 * failing with a message that says what to write instead.
 */
import * as z from 'zod';
import { durationProblem, parseDuration } from '../duration.ts';

/** `"90s"`, `"5m"`, `"1h"`, `"500ms"` → milliseconds, `fallback` when unset. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms !== undefined) return ms;
      ctx.addIssue({ code: 'custom', message: durationProblem(text) ?? `"${text}" is invalid` });
      return z.NEVER;
    });

/** A whole number from `min` (to `max`, when given). */
export const wholeNumber = (min: number, max?: number) => {
  const atLeast = z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`);
  return max === undefined ? atLeast : atLeast.max(max, `must be at most ${max}`);
};

export const percent = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .min(0, 'must be 0–100')
    .max(100, 'must be 0–100')
    .default(fallback);

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list of at least one value. */
export const commaList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine((xs) => xs.length > 0, 'must name at least one value (comma-separated)');

export const nonEmpty = z.string().min(1, 'must not be empty');
