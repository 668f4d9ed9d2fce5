/**
 * The local MetricsSource: the worker processes' own CPU and memory, read from /proc (Linux),
 * as a percentage of a nominal task size — the Fargate task the service runs (1 vCPU, 1 GiB) —
 * and the busiest worker's, as the Lambda reads the service's CPUUtilization/MemoryUtilization
 * (statistic Maximum): one hot worker is what scaling must see.
 *
 * CPU is the process time used since the previous reading, over the wall time between them.
 */
import { readFileSync } from 'node:fs';
import type { EpochMs, MetricsSource, ResourceSample } from '../lambda/core/index.ts';

export const NOMINAL_TASK = { vcpu: 1, memoryMiB: 1024 } as const;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

interface Reading {
  at: EpochMs;
  ticks: number;
}

/** One process's CPU time so far (clock ticks) and resident memory; throws once it has exited. */
export interface ProcessUsage {
  readonly ticks: number;
  readonly rssMiB: number;
}

/** Reads a process's usage from /proc. */
export function procUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return { ticks: Number(fields[11]) + Number(fields[12]), rssMiB: kb ? Number(kb) / 1024 : 0 };
}

const maximum = (xs: number[]): number | null => (xs.length === 0 ? null : Math.max(...xs));

export class ProcessMetricsSource implements MetricsSource {
  private readonly previous = new Map<number, Reading>();

  constructor(
    private readonly pids: () => number[],
    private readonly usage: (pid: number) => ProcessUsage = procUsage,
  ) {}

  async resources(now: EpochMs): Promise<ResourceSample[]> {
    const cpu: number[] = [];
    const memory: number[] = [];
    const seen = new Set<number>();
    for (const pid of this.pids()) {
      let ticks: number;
      let rss: number;
      try {
        ({ ticks, rssMiB: rss } = this.usage(pid));
      } catch {
        continue; // exited between listing and reading
      }
      seen.add(pid);
      const before = this.previous.get(pid);
      this.previous.set(pid, { at: now, ticks });
      memory.push((100 * rss) / NOMINAL_TASK.memoryMiB);
      if (before && now > before.at) {
        const usedS = (ticks - before.ticks) / TICKS_PER_S;
        cpu.push((100 * usedS) / ((now - before.at) / 1000) / NOMINAL_TASK.vcpu);
      }
    }
    for (const pid of this.previous.keys()) if (!seen.has(pid)) this.previous.delete(pid);
    return [{ at: now, cpu: maximum(cpu), memory: maximum(memory) }];
  }
}
