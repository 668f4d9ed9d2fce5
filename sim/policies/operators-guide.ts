/**
 * The operators' scaling guide (seed 004, "Scaling Triggers"), read word for word:
 *
 *   Scale UP when:   Consumer lag > 10K messages for 5+ minutes · CPU > 80% sustained ·
 *                    Memory > 80% sustained · Throughput below target
 *   Scale DOWN when: Consumer lag < 1K messages sustained · CPU < 30% sustained ·
 *                    Memory < 50% sustained · Cost optimization needed
 *
 * How the words are read (the guide gives no other numbers):
 * - "sustained" is the one duration the guide states, "for 5+ minutes": five consecutive
 *   1-minute readings (lag read each minute; CPU and memory the service's CloudWatch Average
 *   datapoints, as an alarm of 5 out of 5 datapoints would see them).
 * - UP when ANY trigger holds (each is listed as a reason to scale up); DOWN only when ALL the
 *   measurable ones hold, so a scale-down never fights an up-trigger.
 * - "Scale gradually (2x at a time)" (Scaling Checklist) is the step both ways: up ×2, down ÷2
 *   (rounded up). Halving after CPU < 30 % sustained leaves the fleet under 60 %, below the 80 %
 *   up-trigger, so the two steps do not chase each other.
 * - "Max Instances = Number of Source Topic Partitions" caps the count.
 * - "Monitor rebalancing (1-5 minutes)" after a change: the next judgment waits 5 minutes and
 *   uses only readings taken after the change.
 * - "Throughput below target" and "Cost optimization needed" name no measurable target: not
 *   modelled.
 */
import type { FleetView, MetricPoint, Policy, PolicyFactory } from '../policy.ts';

/** The guide's numbers, in the guide's words' order. */
export const GUIDE = {
  sustainedMinutes: 5,
  lagUp: 10_000,
  cpuUp: 80,
  memoryUp: 80,
  lagDown: 1_000,
  cpuDown: 30,
  memoryDown: 50,
  factor: 2,
  settleMinutes: 5,
} as const;

/** The last `count` datapoints, if they are consecutive minutes after `sinceS`. */
function sustained(points: readonly MetricPoint[], count: number, sinceS: number) {
  if (points.length < count) return undefined;
  const tail = points.slice(points.length - count);
  if (tail[0]!.atS < sinceS) return undefined;
  for (let i = 1; i < tail.length; i++)
    if (tail[i]!.atS - tail[i - 1]!.atS !== 60) return undefined;
  return tail.map((p) => p.value);
}

export class OperatorsGuide implements Policy {
  readonly intervalS = 60;
  private lags: number[] = [];
  private changedAtS = Number.NEGATIVE_INFINITY;
  private reason = '';
  private readonly lagUp: number;
  private readonly lagDown: number;

  /**
   * `lagScale` multiplies the guide's two lag thresholds (10K up, 1K down), its only knob in
   * messages: the frontier reads the guide at ½× and 2× as well as verbatim (1). CPU and memory
   * stay verbatim (a percentage cannot double). @default 1
   */
  constructor(lagScale = 1) {
    this.lagUp = GUIDE.lagUp * lagScale;
    this.lagDown = GUIDE.lagDown * lagScale;
  }

  evaluate(view: FleetView): number | undefined {
    const n = GUIDE.sustainedMinutes;
    this.lags.push(view.totalLag);
    if (this.lags.length > n) this.lags.shift();
    if (view.nowS - this.changedAtS < GUIDE.settleMinutes * 60 || this.lags.length < n) {
      return undefined;
    }
    const cpu = sustained(view.cpu, n, this.changedAtS);
    const memory = sustained(view.memory, n, this.changedAtS);
    const up: string[] = [];
    if (this.lags.every((l) => l > this.lagUp)) up.push(`lag > ${this.lagUp / 1000}K`);
    if (cpu?.every((v) => v > GUIDE.cpuUp)) up.push('CPU > 80%');
    if (memory?.every((v) => v > GUIDE.memoryUp)) up.push('memory > 80%');
    let next: number | undefined;
    if (up.length > 0) {
      next = Math.min(view.desired * GUIDE.factor, view.partitions);
      this.reason = `${up.join(', ')} for ${n} min: ×${GUIDE.factor}`;
    } else if (
      this.lags.every((l) => l < this.lagDown) &&
      cpu?.every((v) => v < GUIDE.cpuDown) &&
      memory?.every((v) => v < GUIDE.memoryDown)
    ) {
      next = Math.ceil(view.desired / GUIDE.factor);
      this.reason = `lag < ${this.lagDown / 1000}K, CPU < 30%, memory < 50% for ${n} min: ÷${GUIDE.factor}`;
    }
    if (next === undefined || next === view.desired) return undefined;
    this.changedAtS = view.nowS;
    this.lags = [];
    return next;
  }

  explain(): string {
    return this.reason;
  }
}

export const operatorsGuide: PolicyFactory = {
  name: 'operators-guide',
  create: () => new OperatorsGuide(),
};

/** The guide with its lag thresholds × `lagScale` (the frontier's sweep). */
export function operatorsGuideScaled(lagScale: number): PolicyFactory {
  return { name: 'operators-guide', create: () => new OperatorsGuide(lagScale) };
}
