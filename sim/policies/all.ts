/** The policies compared by `lagpilot simulate`, in table order. */
import type { ScalingRules } from '../../lambda/core/index.ts';
import type { PolicyFactory } from '../policy.ts';
import { KEDA_DEFAULT_LAG_THRESHOLD, kedaHpa } from './keda-hpa.ts';
import { lagpilot } from './lagpilot.ts';
import type { ResourceStatistic } from './lagpilot-readings.ts';
import { operatorsGuide } from './operators-guide.ts';
import { reference } from './reference.ts';
import { targetTracking } from './target-tracking.ts';

export interface PeerSettings {
  /** The CloudWatch statistic lagpilot's metrics source reads (maximum: as deployed). */
  readonly statistic?: ResourceStatistic;
  /** KEDA lagThreshold tuned for the fleet (lag per replica); KEDA also runs at its default 10. */
  readonly kedaLagThreshold: number;
  /** Target tracking's target CPU %. */
  readonly cpuTarget: number;
}

/**
 * The tuned KEDA threshold for a fleet: one worker's capacity × a quarter of the SLO. The HPA
 * settles where each replica holds lagThreshold of lag while the group keeps up, i.e. where the
 * backlog is lagThreshold / capacity seconds of production: 15 s on a 60 s SLO, which leaves room
 * for a rebalance pause and a start delay's growth before the oldest message passes the SLO.
 */
export function tunedKedaThreshold(capacity: number, sloS: number): number {
  return Math.max(1, Math.round((capacity * sloS) / 4));
}

export function allPolicies(rules: ScalingRules, peers: PeerSettings): PolicyFactory[] {
  return [
    lagpilot(rules, { statistic: peers.statistic }),
    kedaHpa('default', KEDA_DEFAULT_LAG_THRESHOLD),
    kedaHpa('tuned', peers.kedaLagThreshold),
    targetTracking(peers.cpuTarget),
    operatorsGuide,
    reference,
  ];
}
