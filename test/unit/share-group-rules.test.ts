import { describe, expect, it } from 'vitest';
import { capacitySample } from '../../lambda/core/capacity.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { EMPTY_STATE, type GroupType } from '../../lambda/core/types.ts';
import { OPERATORS_GUIDE, repeat, run, spread, type World } from '../helpers/scaler.ts';

// A share group (KIP-932) hands a partition's records to many members: its cap is
// LAGPILOT_MAX_TASKS, not the partition count, and every count is useful. Classic and consumer
// groups keep a member per partition at most.
const rules = (overrides: Record<string, string> = {}) =>
  parseScalingRules({ ...OPERATORS_GUIDE, LAGPILOT_MAX_TASKS: '12', ...overrides });
const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
const backlog = (groupType: GroupType, partitions: number): World[] =>
  repeat(6, { lag: spread(52_310, partitions), groupType });

describe('share groups: the cap follows the group type', () => {
  it('scales a share group on 3 partitions past 3 tasks; classic and consumer groups stop at 3', () => {
    const share = last(run(rules(), backlog('share', 3), { learn: false, desired: 3 }).decisions);
    expect(share).toMatchObject({ action: 'up', from: 3, cap: 12, capBy: 'max' });
    expect(share.to).toBeGreaterThan(3);
    expect(explain(share)[0]).toMatch(/^scale 3→\d+: .*; cap 12 \(max\)$/);
    for (const type of ['classic', 'consumer'] as const) {
      const d = last(run(rules(), backlog(type, 3), { learn: false, desired: 3 }).decisions);
      expect(d).toMatchObject({ action: 'hold', to: 3, cap: 3, capBy: 'partitions' });
    }
  });

  it('a share group above the partition count is not corrected down to it', () => {
    const worlds: World[] = [{ lag: spread(5_000, 3), groupType: 'share' }];
    expect(run(rules(), worlds, { desired: 8 }).decisions[0]).toMatchObject({
      action: 'hold',
      cap: 12,
    });
    const classic = run(rules(), [{ lag: spread(5_000, 3) }], { desired: 8 }).decisions[0];
    expect(classic).toMatchObject({ action: 'down', to: 3 });
  });

  it('steps to any count for a share group: partition-balanced counts do not apply', () => {
    // ×2 from 4 wants 8; on 12 partitions the balanced step is 6, a share group takes 8.
    const to = (groupType: GroupType) =>
      last(
        run(rules({ LAGPILOT_LAG_SLO: '1h' }), backlog(groupType, 12), {
          learn: false,
          desired: 4,
        }).decisions,
      ).to;
    expect(to('classic')).toBe(6);
    expect(to('share')).toBe(8);
  });

  it("learns a share member's capacity as the consumed rate over the members (no busiest share)", () => {
    const sample = (type: GroupType) =>
      capacitySample(
        rules(),
        {
          lag: {
            ok: true,
            value: {
              topics: ['t'],
              partitions: [],
              partitionCount: 12,
              group: { state: 'Stable', members: 5, type },
            },
          },
          service: { ok: true, value: { desired: 5, running: 5, pending: 0, deploying: false } },
          resources: { ok: true, value: [] },
          state: {
            ...EMPTY_STATE,
            samples: [{ at: 0, scalingLag: 50_000 }],
          },
        } as never,
        { consumeRate: 1_000, scalingLag: 50_000 } as never,
        [],
        60_000,
      );
    // 5 members on 12 partitions: the busiest classic member owns 3, so 1,000/s is 250/s per
    // task's 3 partitions → 1,000 × 3 / 12; share members each take a fifth.
    expect(sample('classic')).toBe(250);
    expect(sample('share')).toBe(200);
  });
});
