import type { FleetParams } from './fleet.ts';

/** The fleet in one line (chart titles, matrix rows, JSON). */
export function fleetLabel(f: FleetParams): string {
  const parts = [
    `${f.partitions} partitions`,
    `${f.capacity} msg/s per worker at ${f.cpuAtCapacity} % CPU`,
    `rebalance ${f.rebalanceS} s`,
    `start ${f.startDelayS} s`,
  ];
  if (f.capacityNoise > 0) parts.push(`capacity ±${Math.round(f.capacityNoise * 100)} %`);
  if (f.rebalanceSpread > 0) parts.push(`pause ±${Math.round(f.rebalanceSpread * 100)} %`);
  if (f.skew > 0) parts.push(`skew ${f.skew}`);
  return parts.join(', ');
}
