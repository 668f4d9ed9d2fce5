/**
 * Waiting and stopping, one way for the whole project: `sleep` (abortable), `pollUntil` (a
 * check repeated until it yields a value or a deadline passes) and `stopChild` (SIGTERM, then
 * SIGKILL after a grace period).
 */
import type { ChildProcess } from 'node:child_process';
import { LagpilotError } from './errors.ts';

/** Resolves after `ms` (0 when negative), or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done);
  });
}

export interface PollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /**
   * Pause between checks.
   * @default 200
   */
  readonly everyMs?: number;
  /**
   * What was awaited, for the error: a text, or a function for one read at the deadline (a log
   * tail, the last value seen).
   * @default 'a condition'
   */
  readonly what?: string | (() => string);
}

/**
 * Repeats `check` until it returns something other than undefined, and returns that. An error
 * thrown by `check` ends the wait at once (a process that exited will never answer); the
 * deadline passing throws a transient LagpilotError naming `what`.
 */
export async function pollUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what;
      throw new LagpilotError(
        'transient',
        `timed out after ${options.timeoutMs} ms waiting for ${what ?? 'a condition'}`,
      );
    }
    await sleep(options.everyMs ?? 200);
  }
}

/** Whether the child has exited (by itself or by a signal). */
export const hasExited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

/** Resolves once the child has exited, SIGKILLing it if it still runs after `killAfterMs`. */
export async function exitOf(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, killAfterMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Stops a child process: one SIGTERM (its chance to drain: a second one may cut the drain
 * short), SIGKILL if it still runs after `graceMs`. Resolves once it has exited.
 */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  await exitOf(child, graceMs);
}
