import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../kit/process.ts';
import { LocalFleet } from '../../local/fleet.ts';

// A stand-in worker: a process that idles until signalled (never ready: no HTTP server).
const IDLE: readonly [string, ...string[]] = [
  process.execPath,
  '-e',
  "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);",
];

describe('LocalFleet', () => {
  let fleet: LocalFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
  });

  const start = () =>
    new LocalFleet({
      brokers: '127.0.0.1:1',
      groupId: 'g',
      input: 'in',
      output: 'out',
      dlq: 'dlq',
      capacity: 100,
      logDir: mkdtempSync(join(tmpdir(), 'lagpilot-fleet-')),
      workerCommand: IDLE,
    });

  it('counts without changing the fleet; reconcile replaces a worker that died', async () => {
    fleet = start();
    await fleet.setDesired(2);
    expect(fleet.pids()).toHaveLength(2);
    const [died] = fleet.pids();
    process.kill(died!, 'SIGKILL');
    await pollUntil(() => (fleet!.pids().length === 1 ? true : undefined), {
      timeoutMs: 5000,
      everyMs: 20,
      what: 'the killed worker to exit',
    });

    const snapshot = await fleet.describe();
    expect(snapshot).toEqual({ desired: 2, running: 0, pending: 1, deploying: false });
    await fleet.describe();
    expect(fleet.history).toHaveLength(2);
    expect(fleet.pids()).toHaveLength(1);

    await fleet.reconcile();
    expect(fleet.history).toHaveLength(3);
    expect(fleet.pids()).toHaveLength(2);
    expect(fleet.pids()).not.toContain(died);
  });

  it('scales in newest first, and a stopping worker is neither running nor pending', async () => {
    fleet = start();
    await fleet.setDesired(3);
    const [first] = fleet.history.map((r) => r.pid);
    await fleet.setDesired(1);
    expect(await fleet.describe()).toMatchObject({ desired: 1, pending: 1 });
    await pollUntil(() => (fleet!.pids().length === 1 ? true : undefined), {
      timeoutMs: 5000,
      everyMs: 20,
      what: 'two workers to drain',
    });
    expect(fleet.pids()).toEqual([first]);
    expect(fleet.history.map((r) => r.stoppedAt !== null)).toEqual([false, true, true]);
  });
});
