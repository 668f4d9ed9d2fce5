import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { LagpilotError } from '../../kit/errors.ts';
import { hasExited, pollUntil, sleep, stopChild } from '../../kit/process.ts';

describe('sleep', () => {
  it('waits its time, and ends at once (its timer cleared) when its signal aborts', async () => {
    vi.useFakeTimers();
    try {
      let woke = false;
      const timed = sleep(1000).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await timed;
      expect(woke).toBe(true);

      const abort = new AbortController();
      const aborted = sleep(60_000, abort.signal);
      expect(vi.getTimerCount()).toBe(1);
      abort.abort();
      await aborted; // without the clock moving
      expect(vi.getTimerCount()).toBe(0);
      await sleep(60_000, abort.signal); // already aborted: no wait at all
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('pollUntil', () => {
  it('returns the first value that is not undefined', async () => {
    let calls = 0;
    const value = await pollUntil(() => (++calls === 3 ? 'ready' : undefined), {
      timeoutMs: 5000,
      everyMs: 1,
    });
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('gives up with a transient error naming what it waited for, read at the deadline', async () => {
    let last = 0;
    const waiting = pollUntil<string>(
      () => {
        last++;
        return undefined;
      },
      {
        timeoutMs: 20,
        everyMs: 5,
        what: () => `the answer (${last} checks)`,
      },
    );
    await expect(waiting).rejects.toThrow(
      /timed out after 20 ms waiting for the answer \(\d+ checks\)/,
    );
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LagpilotError);
    expect((error as LagpilotError).retriable).toBe(true);
  });

  it('stops at the first error the check throws', async () => {
    let calls = 0;
    await expect(
      pollUntil(
        () => {
          calls++;
          throw new Error('the process exited');
        },
        { timeoutMs: 5000 },
      ),
    ).rejects.toThrow('the process exited');
    expect(calls).toBe(1);
  });
});

describe('stopChild', () => {
  const child = (script: string) => {
    const c = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Resolves once the script has installed its handlers (it prints a line).
    return new Promise<typeof c>((resolve) => c.stdout.once('data', () => resolve(c)));
  };

  it('lets a child that honours SIGTERM exit by itself', async () => {
    const c = await child(
      "process.on('SIGTERM', () => process.exit(7)); console.log('up'); setInterval(() => {}, 1000);",
    );
    await stopChild(c, 10_000);
    expect(hasExited(c)).toBe(true);
    expect(c.exitCode).toBe(7);
  });

  it('SIGKILLs a child that ignores SIGTERM after the grace period', async () => {
    const c = await child(
      "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);",
    );
    await stopChild(c, 50);
    expect(c.signalCode).toBe('SIGKILL');
  });
});
