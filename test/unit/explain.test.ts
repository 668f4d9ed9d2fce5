import { describe, expect, it } from 'vitest';
import type { Cause, Hold, Veto } from '../../lambda/core/cause.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { decide } from '../../lambda/core/decide.ts';
import { explain } from '../../lambda/core/explain.ts';
import { overrule } from '../../lambda/core/step.ts';
import { type Decision, EMPTY_STATE } from '../../lambda/core/types.ts';

/** The measures of a step that observed nothing. */
const { measures: MEASURES } = decide(
  parseScalingRules({}),
  {
    lag: { ok: false, error: 'x' },
    resources: { ok: false, error: 'x' },
    service: { ok: false, error: 'x' },
    state: EMPTY_STATE,
  },
  0,
);

const decision = (cause: Cause, over: Partial<Decision> = {}): Decision => ({
  action: 'hold',
  from: 4,
  to: 4,
  cap: 12,
  capBy: 'partitions',
  cause,
  vetoed: null,
  unobserved: [],
  sizing: null,
  diagnoses: [],
  measures: MEASURES,
  ...over,
});

const holding = (hold: Hold): Decision => decision({ rule: 'hold', hold });

const BELOW_MIN = decision({ rule: 'bounds', bound: 'min', min: 6 }, { action: 'up', to: 6 });

describe('explain: the sentences built from a cause', () => {
  it('lists every wait of a hold, in order', () => {
    const d = holding({
      kind: 'waiting',
      waits: [
        { kind: 'rolling' },
        { kind: 'not-running', running: 2, desired: 4, pending: 2 },
        { kind: 'rebalancing', state: 'CompletingRebalance' },
      ],
    });
    expect(explain(d)).toEqual([
      'hold at 4: a deployment is rolling; 2 of 4 tasks running (2 pending): not adding to tasks that do not start; consumer group is rebalancing (CompletingRebalance)',
    ]);
  });

  it('says what keeps a scale-down off', () => {
    const d = holding({
      kind: 'no-signal',
      blockers: [
        { kind: 'lag', value: 2_500, threshold: 1_000 },
        { kind: 'cpu', value: null, threshold: 30 },
      ],
    });
    expect(explain(d)).toEqual([
      'hold at 4: no scale-up signal; no scale-down while lag 2,500 ≥ 1,000, cpu unknown',
    ]);
  });

  it.each<[Veto, string]>([
    [
      { kind: 'state-unreadable', error: 'timeout' },
      'state not readable (timeout): cooldowns and windows unknown',
    ],
    [{ kind: 'state-conflict', error: 'state x was changed' }, 'state x was changed'],
    [
      { kind: 'state-unsaved', error: 'throttled' },
      'state not saved (throttled): not acting without a record',
    ],
    [{ kind: 'act-failed', error: 'denied' }, 'setting the desired count failed (denied)'],
  ])('a vetoed action heads with the veto and keeps what the rules chose: %j', (veto, text) => {
    const vetoed = overrule(BELOW_MIN, veto);
    expect(vetoed).toMatchObject({ action: 'hold', from: 4, to: 4 });
    expect(vetoed.vetoed).toEqual({ veto, was: { action: 'up', to: 6 } });
    expect(explain(vetoed)).toEqual([`hold at 4: ${text}`, 'was: scale 4→6: below the minimum 6']);
  });

  it('a vetoed hold stays the same hold, the veto said last', () => {
    const hold = decision(
      { rule: 'hold', hold: { kind: 'service-unobserved', error: 'AccessDenied' } },
      { unobserved: [{ what: 'resources', error: 'throttled' }] },
    );
    const vetoed = overrule(hold, { kind: 'state-unsaved', error: 'x' });
    expect(vetoed.vetoed).toEqual({ veto: { kind: 'state-unsaved', error: 'x' }, was: null });
    expect(explain(vetoed)).toEqual([
      'hold: service not observed (AccessDenied)',
      'CPU/memory not observed (throttled): no scale-down',
      'state not saved (x): not acting without a record',
    ]);
  });
});
