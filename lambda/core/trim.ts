/**
 * A projected breach is sized for the rate at its step (reaction.ts rateNow: a jump read as
 * landing mid-interval), which overshoots when the jump came early in the interval — on every
 * jump that lands on an evaluation boundary. The next readings measure the rate over a whole
 * interval: while the scale-up's tasks are still pending, the count is trimmed to what they say.
 * A task stopped before it joins the group costs no rebalance. The trim amends the scale-up
 * (history.ts): its cooldown, its start measurement and its starting tasks stay the scale-up's.
 * Pure.
 */

import type { Bounds } from './bounds.ts';
import { type Capacity, groupCapacity } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import { rateNow } from './reaction.ts';
import { arrivingBacklog, sizeFor } from './sizing.ts';
import type {
  EpochMs,
  LagSample,
  Measures,
  Observations,
  ServiceSnapshot,
  Sizing,
} from './types.ts';

/**
 * The sizing to trim the last scale-up to, or null. Only while its tasks are pending within one
 * reaction horizon, the produce rate at least the one measured at the scale-up (the jump held),
 * every reading observed and no deployment rolling. Never below the running tasks, the minimum,
 * the error budget's floor (`held`), or the sizing for this step's rate (the higher of the
 * interval's and the rate now) plus the backlog the running tasks alone leave until the pending
 * ones consume.
 */
export function trimSizing(
  rules: ScalingRules,
  obs: Observations,
  at: {
    readonly service: ServiceSnapshot;
    readonly m: Measures;
    readonly capacity: Capacity | null;
    readonly bounds: Bounds;
    readonly held: Sizing | null;
    readonly lagSamples: readonly LagSample[];
  },
  now: EpochMs,
): Sizing | null {
  const { service, m, capacity, bounds, held, lagSamples } = at;
  const last = obs.state.lastAction;
  if (last?.sizedNow === undefined || last.settled || last.to !== service.desired) return null;
  if (now - last.at > m.reaction.horizonMs || service.deploying) return null;
  if (service.running >= service.desired || !obs.lag.ok || !obs.resources.ok) return null;
  if (!capacity || m.produceRate === null || m.scalingLag === null) return null;
  // A rate that fell since (a burst of a minute) leaves a backlog the added tasks drain faster.
  if (m.produceRate < last.sizedNow) return null;
  const produceRate = Math.max(m.produceRate, rateNow(lagSamples) ?? 0);
  const carried = groupCapacity(capacity.perTask, bounds.partitions, service.running);
  const load = { produceRate, ...arrivingBacklog(rules, { ...m, produceRate }, carried) };
  const floor = Math.max(bounds.floor, service.running, held?.balanced ?? 0);
  const sizing = sizeFor(rules, capacity, bounds.partitions, load, floor, bounds.cap);
  return sizing.balanced < service.desired ? sizing : null;
}
