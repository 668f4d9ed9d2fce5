/**
 * CloudWatch's ECS datapoints come once a minute, 1–3 minutes late: a step every 15 s would read
 * the same datapoints four times, at $0.01 per 1,000 metrics each. This source answers from the
 * last read until a period has passed since it, so an invocation reads CloudWatch once a minute
 * whatever its cadence. A failed read is not kept: the next step asks again.
 */

import {
  type EpochMs,
  type MetricsSource,
  type Millis,
  RESOURCE_PERIOD_MS,
  type ResourceSample,
} from '../core/index.ts';

export class MinuteMetricsSource implements MetricsSource {
  private last: { at: EpochMs; windowMs: Millis; samples: ResourceSample[] } | undefined;

  constructor(private readonly source: MetricsSource) {}

  async resources(now: EpochMs, windowMs: Millis): Promise<ResourceSample[]> {
    const kept = this.last;
    const fresh = kept && now >= kept.at && now - kept.at < RESOURCE_PERIOD_MS;
    if (fresh && kept.windowMs >= windowMs) return kept.samples;
    const samples = await this.source.resources(now, windowMs);
    this.last = { at: now, windowMs, samples };
    return samples;
  }
}
