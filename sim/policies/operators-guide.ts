/**
 * The operators' scaling guide, verbatim (StreamForge "Scaling", Scaling Triggers):
 * "Scale UP when: consumer lag > 10K messages for 5+ minutes" → double ("Scale gradually (2x at a
 * time)"); "Scale DOWN when: consumer lag < 1K messages sustained, CPU < 30 % sustained, memory
 * < 50 % sustained" → one fewer instance. "Max Instances = Number of Source Topic Partitions".
 * After a change, "Monitor rebalancing (1-5 minutes)": no new judgment for 5 minutes. Checked
 * once a minute; "sustained" is read as the same 5 minutes as the scale-up rule.
 */
import type { FleetView, Policy, PolicyFactory } from '../policy.ts';

const MINUTES = 5;
const LAG_UP = 10_000;
const LAG_DOWN = 1_000;
const CPU_DOWN = 30;
const MEMORY_DOWN = 50;

export class OperatorsGuide implements Policy {
  readonly intervalS = 60;
  private readonly lags: number[] = [];
  private quietUntilS = 0;

  evaluate(view: FleetView): number | undefined {
    this.lags.push(view.totalLag);
    if (this.lags.length > MINUTES) this.lags.shift();
    if (view.nowS < this.quietUntilS || this.lags.length < MINUTES) return undefined;
    const cap = view.partitions;
    const cpu = view.cpu.slice(-MINUTES);
    const memory = view.memory.slice(-MINUTES);
    let next: number | undefined;
    if (this.lags.every((l) => l > LAG_UP)) {
      next = Math.min(view.desired * 2, cap);
    } else if (
      this.lags.every((l) => l < LAG_DOWN) &&
      cpu.length === MINUTES &&
      memory.length === MINUTES &&
      cpu.every((p) => p.value < CPU_DOWN) &&
      memory.every((p) => p.value < MEMORY_DOWN)
    ) {
      next = view.desired - 1;
    }
    if (next === undefined || next === view.desired) return undefined;
    this.quietUntilS = view.nowS + MINUTES * 60;
    return next;
  }
}

export const operatorsGuide: PolicyFactory = {
  name: 'operators-guide',
  create: () => new OperatorsGuide(),
};
