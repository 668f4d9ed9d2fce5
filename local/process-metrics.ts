/**
 * The local MetricsSource: the worker processes' own CPU and memory, read from /proc (Linux),
 * as a percentage of a nominal task size — the Fargate task the service runs (1 vCPU, 1 GiB) —
 * and averaged over the workers, as ECS's service CPUUtilization/MemoryUtilization are.
 *
 * CPU is the process time used since the previous reading, over the wall time between them.
 */
import { readFileSync } from 'node:fs';
import type { EpochMs, MetricsSource, ResourceSample } from '../autoscaler/core/index.ts';

export const NOMINAL_TASK = { vcpu: 1, memoryMiB: 1024 } as const;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

interface Reading {
  at: EpochMs;
  ticks: number;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

const average = (xs: number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;

export class ProcessMetricsSource implements MetricsSource {
  private readonly previous = new Map<number, Reading>();

  constructor(private readonly pids: () => number[]) {}

  async resources(now: EpochMs): Promise<ResourceSample[]> {
    const cpu: number[] = [];
    const memory: number[] = [];
    const seen = new Set<number>();
    for (const pid of this.pids()) {
      let ticks: number;
      let rss: number;
      try {
        ticks = cpuTicks(pid);
        rss = rssMiB(pid);
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
    return [{ at: now, cpu: average(cpu), memory: average(memory) }];
  }
}
