/**
 * What the autoscaler sees, from two reads of the lag source `sampleMs` apart: the core's own
 * step() over them gives the group's lag seconds, rates and the cap, as the Lambda's step would;
 * each partition's age is the core's lagSeconds over its own end offsets.
 */
import {
  EMPTY_STATE,
  type GroupState,
  type LagSnapshot,
  lagSeconds,
  type ScalingRules,
  step,
} from '../../lambda/core/index.ts';

export interface Read {
  at: number;
  snapshot: LagSnapshot;
}

export interface PartitionView {
  topic: string;
  partition: number;
  end: number;
  /** The committed offset (a share group's start offset); null: none yet. */
  committed: number | null;
  lag: number;
  lagSeconds: number | null;
}

export interface LagView {
  groupId: string;
  group: Required<GroupState>;
  cap: number;
  capBy: 'partitions' | 'max' | 'min';
  partitions: PartitionView[];
  topics: { topic: string; partitions: number; end: number; lag: number }[];
  totalLag: number;
  lagSeconds: number | null;
  produceRate: number | null;
  consumeRate: number | null;
  sampledMs: number;
}

const NOT_READ = 'the service is not read by lagpilot lag';

export function viewOf(groupId: string, rules: ScalingRules, first: Read, last: Read): LagView {
  const readings = (snapshot: LagSnapshot) => ({
    lag: { ok: true as const, value: snapshot },
    resources: { ok: true as const, value: [] },
    service: { ok: false as const, error: NOT_READ },
  });
  const { state } = step(rules, EMPTY_STATE, readings(first.snapshot), first.at);
  const { decision } = step(rules, state, readings(last.snapshot), last.at);
  const before = new Map(first.snapshot.partitions.map((p) => [`${p.topic}/${p.partition}`, p]));
  const partitions = last.snapshot.partitions.map((p) => {
    const was = before.get(`${p.topic}/${p.partition}`);
    const history = was
      ? [{ at: first.at, endSum: was.end, totalLag: was.lag, scalingLag: was.lag }]
      : [];
    return {
      topic: p.topic,
      partition: p.partition,
      end: p.end,
      committed: p.committed,
      lag: p.lag,
      lagSeconds: lagSeconds(history, last.at, p.end, p.lag),
    };
  });
  const topics = last.snapshot.topics.map((topic) => {
    const own = partitions.filter((p) => p.topic === topic);
    const sum = (f: (p: PartitionView) => number) => own.reduce((s, p) => s + f(p), 0);
    return { topic, partitions: own.length, end: sum((p) => p.end), lag: sum((p) => p.lag) };
  });
  const { group } = last.snapshot;
  const m = decision.measures;
  return {
    groupId,
    group: { ...group, type: group.type ?? 'classic' },
    cap: decision.cap,
    capBy: decision.capBy,
    partitions,
    topics,
    totalLag: m.totalLag ?? topics.reduce((s, t) => s + t.lag, 0),
    lagSeconds: m.lagSeconds,
    produceRate: m.produceRate,
    consumeRate: m.consumeRate,
    sampledMs: last.at - first.at,
  };
}
