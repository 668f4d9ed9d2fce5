import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import '../../kit/kafkajs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIRS = ['bench', 'bin', 'dev', 'lambda', 'lib', 'kit', 'local', 'sim', 'worker/src', 'test'];

/** A request queue as a broker connection makes it; `sent` lists the correlation ids sent. */
function queue() {
  const sent: number[] = [];
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const q = new (RequestQueue as unknown as new (o: object) => RequestQueue & QueueApi)({
    instrumentationEmitter: null,
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'b:9092',
    logger: quiet,
    isConnected: () => true,
  });
  const push = (correlationId: number) =>
    q.push({
      entry: {
        correlationId,
        apiKey: 3,
        apiName: 'Metadata',
        apiVersion: 0,
        resolve: () => {},
        reject: () => {},
      },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  return { q, sent, push };
}

interface QueueApi {
  push(request: object): void;
  maybeThrottle(ms: number): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
}

describe('kafkajs request queue (kit/kafkajs.ts)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('arms no timer once an answer leaves nothing queued: no negative delay, no 1 ms wake-ups', () => {
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    const { q, sent, push } = queue();
    push(1);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    expect(timeouts).not.toHaveBeenCalled();
    q.destroy();
  });

  it('still holds requests while the broker throttles and sends them when it ends', () => {
    const { q, sent, push } = queue();
    push(1);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    q.maybeThrottle(500);
    push(2);
    push(3);
    vi.advanceTimersByTime(499);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });
});

describe('kafkajs is loaded through kit/kafkajs.ts', () => {
  it('no file imports a kafkajs value from anywhere else (types may come from kafkajs)', () => {
    const offenders = DIRS.flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
        .map((f) => join(dir, f)),
    ).filter((file) => {
      if (file === join('kit', 'kafkajs.ts')) return false;
      const text = readFileSync(join(ROOT, file), 'utf8');
      // Every import or export from 'kafkajs' that is not `import type`/`export type`.
      return /^(?:import|export)(?! type )[^;]*?from 'kafkajs';/ms.test(
        text.replace(/^(?:import|export) type [^;]*?;/gms, ''),
      );
    });
    expect(offenders).toEqual([]);
  });
});
