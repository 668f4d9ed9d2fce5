import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { SCHEDULE_PERIOD_MS, STEP_RESERVE_MS } from '../lambda/handler/index.ts';

/** The autoscaler's cadence at synth: its schedule and its timeout against the step loop. */

/**
 * One step per invocation needs well under a minute; several (LAGPILOT_STEP_INTERVAL below a
 * minute) run until 60 s − interval, so the last one gets its reserve before the next invocation.
 */
export function defaultTimeout(stepIntervalMs: number): Duration {
  return Duration.seconds(stepIntervalMs < SCHEDULE_PERIOD_MS ? 58 : 50);
}

/** A timeout that would cut the invocation's last step short: the fix named. */
export function checkTimeout(path: string, timeout: Duration, stepIntervalMs: number): void {
  if (stepIntervalMs >= SCHEDULE_PERIOD_MS) return;
  const needS = (SCHEDULE_PERIOD_MS - stepIntervalMs + STEP_RESERVE_MS) / 1000;
  if (timeout.toSeconds() < needS) {
    throw new Error(
      `${path}: timeout ${timeout.toSeconds()} s is too short for stepInterval ${stepIntervalMs / 1000} s: the last step of an invocation starts at ${(SCHEDULE_PERIOD_MS - stepIntervalMs) / 1000} s and needs ${STEP_RESERVE_MS / 1000} s; give at least ${needS} s (or leave the default)`,
    );
  }
}

/** The step loop's cadence assumes one invocation a minute (SCHEDULE_PERIOD_MS). */
const ONE_MINUTE_SCHEDULES = ['rate(1 minute)', 'cron(* * * * ? *)'];

export function checkSchedule(path: string, schedule: events.Schedule): void {
  if (ONE_MINUTE_SCHEDULES.includes(schedule.expressionString)) return;
  throw new Error(
    `${path}: schedule ${schedule.expressionString} is not supported: the step loop runs one invocation a minute and LAGPILOT_STEP_INTERVAL sets the steps within it; remove schedule (or give Schedule.rate(Duration.minutes(1)))`,
  );
}
