/**
 * Steps within the minute without a Lambda that sleeps between them. The scheduled invocation
 * runs the minute's first step; while the cadence asks for another within the minute (and, with
 * LAGPILOT_STEP_WHEN=moving, something moves), each step queues the next as an SQS message
 * delayed until it is due, and that message runs it in a short invocation of its own. The function
 * is billed for its steps, not for the 45 s a minute the step loop (step-loop.ts) sleeps; a step
 * that could not be queued is logged, and the next minute's invocation starts over.
 */

import { type EpochMs, type Millis, messageOf } from '../core/index.ts';
import { SCHEDULE_PERIOD_MS } from './step-loop.ts';

/** What a queued step carries: the minute it belongs to and when it is due. */
export interface StepMessage {
  readonly minuteStart: EpochMs;
  readonly due: EpochMs;
}

/** Where the next step is queued (lambda/adapters/step-queue.ts). */
export interface StepQueue {
  send(message: StepMessage, delaySeconds: number): Promise<void>;
}

/**
 * The step after one at `due` within the minute that started at `minuteStart`, and how long its
 * message waits (whole seconds, as SQS delays count); null when the minute's last step ran.
 */
export function nextStep(
  { minuteStart, due }: StepMessage,
  intervalMs: Millis,
  now: EpochMs,
): { message: StepMessage; delaySeconds: number } | null {
  const next = due + intervalMs;
  if (next >= minuteStart + SCHEDULE_PERIOD_MS) return null;
  const delaySeconds = Math.max(0, Math.round((next - now) / 1000));
  return { message: { minuteStart, due: next }, delaySeconds };
}

/** A queued step's message, or undefined when the body is not one (it is then dropped). */
export function parseStepMessage(body: string): StepMessage | undefined {
  try {
    const m = JSON.parse(body) as Partial<StepMessage>;
    if (typeof m.minuteStart === 'number' && typeof m.due === 'number') {
      return { minuteStart: m.minuteStart, due: m.due };
    }
  } catch {
    // Not JSON: not ours.
  }
  return undefined;
}

/**
 * Where an invocation's step comes from: the scheduled minute (no `at`), or a queued message —
 * skipped when it is not one, or when it comes more than an interval after it was due (its
 * minute's successor has begun; a late step would only run next to that minute's own).
 */
export function stepOf(
  event: unknown,
  intervalMs: Millis,
  now: EpochMs,
): { at?: StepMessage } | { skipped: string } {
  const records = (event as { Records?: { body?: string }[] } | null)?.Records;
  if (!Array.isArray(records)) return {};
  const at = parseStepMessage(records[0]?.body ?? '');
  if (!at) return { skipped: 'not a step message' };
  if (now > at.due + intervalMs) return { skipped: `step due at ${at.due} came late` };
  return { at };
}

/** Queues the step after `at` if the minute has one; a failed send is warned of, not thrown. */
export async function queueNext(
  queue: StepQueue,
  at: StepMessage,
  intervalMs: Millis,
  now: EpochMs,
  warn: (text: string) => void,
): Promise<StepMessage | undefined> {
  const next = nextStep(at, intervalMs, now);
  if (!next) return undefined;
  try {
    await queue.send(next.message, next.delaySeconds);
    return next.message;
  } catch (error) {
    warn(`next step not queued, the minute's later steps are skipped: ${messageOf(error)}`);
    return undefined;
  }
}
