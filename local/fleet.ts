/**
 * The local fleet: real worker processes (`node --import tsx worker/src/main.ts`) standing in
 * for the ECS service, behind the autoscaler's ScalingTarget port.
 *
 * - desired: what was last set; running: live processes whose /readyz answers 200 (joined the
 *   group); pending: live processes not ready yet. Stopping workers count as neither.
 * - setDesired spawns workers, or SIGTERMs the newest first (they drain and commit, as an ECS
 *   task does on scale-in).
 * - A worker that dies on its own is replaced at the next reconcile() (the runner calls it every
 *   step), as ECS replaces a task; describe() only counts, so a read never changes the fleet.
 *
 * Each worker gets MIRROR_MAX_RATE = one worker's capacity, so the fleet's capacity grows with
 * its size on a small machine, and its own MIRROR_HTTP_PORT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../dev/cache.ts';
import { exitOf, hasExited } from '../kit/process.ts';
import type { ScalingTarget, ServiceSnapshot, TaskCount } from '../lambda/core/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 1_000;

export interface FleetOptions {
  brokers: string;
  groupId: string;
  input: string;
  output: string;
  dlq: string;
  /** Messages per second per worker. */
  capacity: number;
  /** Each worker's stdout/stderr go to <logDir>/worker-<n>.log. */
  logDir: string;
  /** Seconds a stopping worker may drain before it exits anyway. */
  shutdownTimeoutS?: number;
  /**
   * The program each worker runs, then its arguments.
   * @default the mirroring worker: node --import tsx worker/src/main.ts
   */
  workerCommand?: readonly [string, ...string[]];
}

export interface WorkerRecord {
  id: number;
  pid: number;
  port: number;
  startedAt: number;
  readyAt: number | null;
  stoppedAt: number | null;
  exitCode: number | null;
}

interface LocalWorker {
  record: WorkerRecord;
  child: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
}

export class LocalFleet implements ScalingTarget {
  private desired = 0;
  private nextId = 1;
  private live: LocalWorker[] = [];
  /** Every worker ever started, for the report. */
  readonly history: WorkerRecord[] = [];

  constructor(private readonly options: FleetOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Last resort if the caller exits without stop(): no worker outlives it. */
  private readonly killOnExit = () => {
    for (const w of this.live) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  };

  /** Process ids of workers that have not exited (stopping ones included: they still work). */
  pids(): number[] {
    return this.live.filter((w) => !hasExited(w.child)).map((w) => w.record.pid);
  }

  /** Counts the fleet as it stands: never starts or stops a worker. */
  async describe(): Promise<ServiceSnapshot> {
    const active = this.active();
    const ready = await Promise.all(active.map((w) => this.isReady(w)));
    const running = ready.filter(Boolean).length;
    return {
      desired: this.desired,
      running,
      pending: active.length - running,
      deploying: false,
    };
  }

  async setDesired(count: TaskCount): Promise<void> {
    this.desired = count;
    await this.reconcile();
  }

  /**
   * Brings the fleet to the desired count: replaces workers that died, starts new ones, and
   * stops the newest beyond the count (the longest-running keep their partitions).
   */
  async reconcile(): Promise<void> {
    this.live = this.live.filter((w) => !hasExited(w.child));
    const active = this.active();
    for (let i = active.length; i < this.desired; i++) await this.spawn();
    for (const w of active.slice(this.desired).reverse()) this.terminate(w);
  }

  private active(): LocalWorker[] {
    return this.live.filter((w) => !w.stopping && !hasExited(w.child));
  }

  /** Stops every worker (SIGTERM, drain), SIGKILL after the drain timeout plus a margin. */
  async stop(): Promise<void> {
    this.desired = 0;
    const all = [...this.live];
    for (const w of all) this.terminate(w);
    const limitMs = ((this.options.shutdownTimeoutS ?? 10) + 5) * 1000;
    // Workers scaled in earlier already have their SIGTERM: only the deadline is added.
    await Promise.all(all.map((w) => exitOf(w.child, limitMs)));
    this.live = [];
    process.removeListener('exit', this.killOnExit);
  }

  private terminate(w: LocalWorker): void {
    if (w.stopping) return;
    w.stopping = true;
    w.record.stoppedAt = Date.now();
    w.child.kill('SIGTERM');
  }

  private async isReady(w: LocalWorker): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${w.record.port}/readyz`, {
        signal: AbortSignal.timeout(READY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      if (res.ok) w.record.readyAt ??= Date.now();
      return res.ok;
    } catch {
      return false;
    }
  }

  private async spawn(): Promise<void> {
    const o = this.options;
    const id = this.nextId++;
    const port = await freePort();
    const log = createWriteStream(join(o.logDir, `worker-${id}.log`));
    const [program, ...args] = o.workerCommand ?? [
      process.execPath,
      '--import',
      'tsx',
      join(ROOT, 'worker/src/main.ts'),
    ];
    const child = spawn(program, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MIRROR_APPID: o.groupId,
        MIRROR_BOOTSTRAP: o.brokers,
        MIRROR_INPUT: o.input,
        MIRROR_OUTPUT: o.output,
        MIRROR_DLQ_TOPIC: o.dlq,
        MIRROR_PARTITION: '/userId',
        MIRROR_MAX_RATE: String(o.capacity),
        MIRROR_HTTP_PORT: String(port),
        MIRROR_SHUTDOWN_TIMEOUT: String(o.shutdownTimeoutS ?? 10),
        // Faster rebalances than the defaults: a local fleet changes size every few seconds.
        // Small fetches keep a rate-limited batch to about a second, so a member rejoins a
        // rebalance promptly instead of after working through a large backlog batch.
        MIRROR_CONSUMER_PROPERTIES: JSON.stringify({
          'auto.offset.reset': 'earliest',
          'heartbeat.interval.ms': 1000,
          'session.timeout.ms': 10000,
          'max.partition.fetch.bytes': 8192,
          'fetch.max.bytes': Math.max(16384, Math.round(o.capacity * 300)),
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches only `lagpilot start`, which drains workers in order.
      detached: true,
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const record: WorkerRecord = {
      id,
      pid: child.pid ?? -1,
      port,
      startedAt: Date.now(),
      readyAt: null,
      stoppedAt: null,
      exitCode: null,
    };
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        record.exitCode = code ?? (signal ? 128 : -1);
        record.stoppedAt ??= Date.now();
        resolve();
      }),
    );
    if (this.history.length === 0) process.once('exit', this.killOnExit);
    this.history.push(record);
    this.live.push({ record, child, exited, stopping: false });
  }
}
