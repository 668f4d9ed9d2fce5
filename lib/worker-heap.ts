/**
 * The worker's V8 heap, sized from the task's memory so that the memory signal means something:
 * the old space takes what the task has beyond a fixed reserve, and the process reaches the
 * heap's end at about 84 % of the task's memory at every size (the measured 96 MB old space ran
 * at 209–218 MB RSS: about 118 MiB beside the old space, 48 of them the young generation's three
 * 16 MiB semi-spaces). The autoscaler's memory rule (LAGPILOT_MEMORY_HIGH, 80 % by default) and
 * the memory alarm must sit below that share, or they could only fire after a crash.
 */

/** The old space's share of the task memory, before the reserve. */
const HEAP_SHARE = 0.85;
/** Task memory kept outside the old space for young generation, code and socket buffers (MiB). */
const HEAP_RESERVE_MIB = 128;
/** RSS beside the old space when the old space is full, as measured (MiB). */
const OUTSIDE_OLD_SPACE_MIB = 118;
/** The young generation's semi-space cap (MiB): Node 24's default lets the heap outgrow RSS caps. */
const SEMI_SPACE_MIB = 16;
/** The old space the benchmarks ran (MiB): never below it. */
const MIN_OLD_SPACE_MIB = 96;

/** The worker's `--max-old-space-size` (MiB) for a task of `memoryMiB`. */
export function workerOldSpaceMiB(memoryMiB: number): number {
  return Math.max(MIN_OLD_SPACE_MIB, Math.floor(memoryMiB * HEAP_SHARE) - HEAP_RESERVE_MIB);
}

/** The worker container's NODE_OPTIONS for a task of `memoryMiB`. */
export function workerNodeOptions(memoryMiB: number): string {
  return `--max-old-space-size=${workerOldSpaceMiB(memoryMiB)} --max-semi-space-size=${SEMI_SPACE_MIB}`;
}

/** The task memory % (as ECS MemoryUtilization reports it) at which the worker's heap is full. */
export function heapFullPercent(memoryMiB: number): number {
  return Math.floor(((workerOldSpaceMiB(memoryMiB) + OUTSIDE_OLD_SPACE_MIB) / memoryMiB) * 100);
}
