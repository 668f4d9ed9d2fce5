/** The five policies compared by `lagpilot simulate`, in table order. */
import type { ScalingRules } from '../../lambda/config.ts';
import type { PolicyFactory } from '../policy.ts';
import { kedaHpa } from './keda-hpa.ts';
import { lagpilot, type ResourceStatistic } from './lagpilot.ts';
import { operatorsGuide } from './operators-guide.ts';
import { oracle } from './oracle.ts';
import { targetTracking } from './target-tracking.ts';

export interface PeerSettings {
  /** The CloudWatch statistic lagpilot's metrics source reads (maximum: as deployed). */
  readonly statistic?: ResourceStatistic;
  /** KEDA lagThreshold (lag per replica). */
  readonly kedaLagThreshold: number;
  /** Target tracking's target CPU %. */
  readonly cpuTarget: number;
}

export function allPolicies(rules: ScalingRules, peers: PeerSettings): PolicyFactory[] {
  return [
    lagpilot(rules, peers.statistic),
    kedaHpa(peers.kedaLagThreshold),
    targetTracking(peers.cpuTarget),
    operatorsGuide,
    oracle,
  ];
}
