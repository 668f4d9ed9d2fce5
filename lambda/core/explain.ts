/**
 * The decision log's sentences, built from a decision's cause: the one place the rules speak
 * English. The first sentence is the headline ("scale 4→8: …", "hold at 4: …"); the rest give
 * the sizing, the step taken, failed observations and partition diagnoses.
 */

import type {
  Blocker,
  Calm,
  Cause,
  DownStep,
  Drain,
  Hold,
  Recurrence,
  Signal,
  ThresholdSignal,
  UpStep,
  Veto,
  Wait,
} from './cause.ts';
import { compact, count, duration, heldOf, percent, rate, tasksThat } from './format.ts';
import { ATTAINMENT_HOURS, budgetWindowHours } from './slo-budget.ts';
import type { Decision, Diagnosis, Reaction, Sizing } from './types.ts';

const show = (kind: ThresholdSignal['kind'], n: number): string =>
  kind === 'lag' ? count(n) : percent(n);

/** "lag 52,310 > 10,000", "cpu 12% < 30%", "produce and backlog need 900/s > 600/s that 2 tasks carry". */
export function signalText(s: Signal): string {
  if (s.kind === 'rate') {
    const text = `produce and backlog need ${rate(s.need)} > ${rate(s.carried)} that ${tasksThat(s.tasks, 'carry')}`;
    return s.overdueMs === null
      ? text
      : `${text}, oldest message ${duration(s.overdueMs)} old by the time tasks added a step later consume`;
  }
  const op = s.side === 'above' ? '>' : '<';
  return `${s.kind} ${show(s.kind, s.value)} ${op} ${show(s.kind, s.threshold)}`;
}

/** "lag 52,310 > 10,000 for 5/5 min". */
export const signalSentence = (s: Signal): string =>
  `${signalText(s)} for ${heldOf(s.held, s.windowMs)}`;

/** 0.0213 → "2.1%": a fraction as a percentage to a tenth. */
const tenths = (f: number): string => `${(Math.round(f * 1000) / 10).toFixed(1)}%`;

const signalsSentence = (signals: readonly Signal[]): string =>
  signals.map(signalSentence).join(', ');

const calmText = (c: Calm): string =>
  `${c.signals.map(signalText).join(', ')} for ${heldOf(c.forMs, c.windowMs)}`;

const blockerText = (b: Blocker): string =>
  b.value === null
    ? `${b.kind} unknown`
    : `${b.kind} ${show(b.kind, b.value)} ≥ ${show(b.kind, b.threshold)}`;

/** "4 tasks absorb 200/s and drain the lag within 1 min at 112.5/s per task". */
const drains = (d: Drain): string =>
  `${tasksThat(d.tasks, 'absorb')} ${rate(d.produceRate)} and drain the lag within ${duration(d.withinMs)} at ${rate(d.perTask)} per task`;

/**
 * "need 5.4 tasks (produce 4,100/s × 1.2 + backlog 52k older than 30 s within 1 min at 1,020/s
 * per task); balanced 6".
 */
export function describeSizing(s: Sizing, produce = 'produce'): string {
  // A scale-up drains within the SLO the part of the backlog older than `olderThanS` by then.
  const older = s.olderThanS === undefined ? '' : ` older than ${duration(s.olderThanS * 1000)}`;
  const backlog =
    s.backlog > 0
      ? ` + backlog ${compact(s.backlog)}${older} within ${duration(s.sloS * 1000)}`
      : '';
  const source = s.capacitySource === 'configured' ? ' (configured)' : '';
  const needed = s.neededTasks.toFixed(1);
  return `need ${needed} tasks (${produce} ${rate(s.produceRate)} × ${s.headroom}${backlog} at ${rate(s.perTask)} per task${source}); balanced ${count(s.balanced)}`;
}

/** A diagnosis as the decision log says it. */
export function describeDiagnosis(d: Diagnosis): string {
  const where = `partition ${d.topic}/${d.partition}`;
  if (d.kind === 'stalled') {
    return `${where} stalled: lag ${count(d.lag)}, committed offset unchanged for ${d.steps} steps (poison message or stuck consumer); its lag no longer counts toward scale-up`;
  }
  const share = `${Math.round(d.share * 100)}%`;
  return d.ownWorker
    ? `${where} is hot: ${share} of the lag (${count(d.lag)}) and it already has a worker of its own; more workers cannot drain it`
    : `${where} is hot: ${share} of the lag (${count(d.lag)}); more workers help only until it has a worker of its own`;
}

const capNote = (d: Decision): string =>
  `cap ${d.cap} (${d.capBy === 'min' ? 'min, above the partition count' : d.capBy})`;

function waitText(w: Wait): string {
  switch (w.kind) {
    case 'rolling':
      return 'a deployment is rolling';
    case 'not-running':
      return `${w.running} of ${w.desired} tasks running (${w.pending} pending): not adding to tasks that do not start`;
    case 'cooldown':
      return `cooldown after scale ${w.action} ${w.from}→${w.to} ${duration(w.sinceMs)} ago (${duration(w.cooldownMs)})`;
    case 'rebalancing':
      return `consumer group is rebalancing (${w.state})`;
    case 'not-settled':
      return `group not settled since scale ${w.action} ${w.from}→${w.to}: ${w.members} members (${w.state}) for ${w.running} running tasks`;
  }
}

const fixedStep = (s: Extract<DownStep, { kind: 'fixed' }>): string =>
  `step down by ${s.step}${s.capacityUnknown ? ': per-task capacity not known yet' : ''}`;

/** How a scale-down sized its count: the sizing (peak produce), or the fixed step. */
function downHow(d: Decision, step: DownStep): string {
  if (step.kind === 'fixed') return fixedStep(step);
  return d.sizing ? describeSizing(d.sizing, 'peak produce') : 'sized on the peak produce rate';
}

/** Why the rules held, after "hold at N: ". */
function holdText(d: Decision, h: Hold): string {
  switch (h.kind) {
    case 'service-unobserved':
      return `service not observed (${h.error})`;
    case 'waiting':
      return h.waits.map(waitText).join('; ');
    case 'drains':
      return `${signalsSentence(h.signals)}, but ${drains(h.drain)}`;
    case 'sized-enough':
      return `${signalsSentence(h.signals)}, but ${d.sizing ? describeSizing(d.sizing) : 'the sizing needs no more'}`;
    case 'within-spread':
      return `${signalsSentence(h.signals)}, but ${tasksThat(d.from, 'fall')} short by ${tenths(h.shortfall)}, within the capacity estimate's spread (${percent(h.spread * 100)}), and the oldest message is ${duration(h.projectedS * 1000)} old by the time tasks added a step later consume, under ${duration(h.olderThanS * 1000)}`;
    case 'no-useful-count':
      return `${signalsSentence(h.signals)}, but no useful count above ${d.from} within the ${capNote(d)}`;
    case 'not-sustained':
      return signalsSentence(h.signals);
    case 'calm-building':
      return `calm for ${heldOf(h.calm.forMs, h.calm.windowMs)} (${h.calm.signals.map(signalText).join(', ')})`;
    case 'peak-unmeasured':
      return `${calmText(h.calm)}; produce rate over the down-window not measured`;
    case 'at-minimum':
      return `${calmText(h.calm)}; at the minimum ${h.min}`;
    case 'no-lower-count':
      return `${calmText(h.calm)}; ${downHow(d, h.step)}`;
    case 'no-signal':
      return `no scale-up signal; no scale-down while ${h.blockers.map(blockerText).join(', ')}`;
  }
}

function upStepText(s: UpStep): string {
  switch (s.kind) {
    case 'sized':
      return '';
    case 'factor':
      return `step up to ×${s.factor} (${s.limit}): per-task capacity not known yet`;
    case 'drain':
      return `rate-based step: ${drains(s.drain)}; limit ×${s.factor} (${s.limit}) until the per-task capacity is known`;
    case 'overdue':
      return `rate-based step: ${drains(s.drain)}; no ×${s.factor} limit: the backlog is more than ${duration(s.sloMs)} of the fleet's consumption`;
  }
}

/** "reaction horizon 1 min 30 s: step 15 s + task start 1 min 15 s (measured)". */
export const reactionText = (r: Reaction): string =>
  `reaction horizon ${duration(r.horizonMs)}: step ${duration(r.detectMs)} + task start ${duration(r.startMs)} (${r.startSource})`;

/** A scale-up's sizing (or its trim's), naming a jump within the last interval sized at its height. */
const upSizing = (d: Decision, s: Sizing): string =>
  describeSizing(s, s.produceRate > (d.measures.produceRate ?? 0) ? 'produce now' : 'produce');

/** The rules' own sentences for the cause, headline first. */
function causeSentences(d: Decision, c: Cause): string[] {
  const scale = `scale ${d.from}→${d.vetoed?.was?.to ?? d.to}`;
  switch (c.rule) {
    case 'bounds':
      return c.bound === 'min'
        ? [`${scale}: below the minimum ${c.min}`]
        : [`${scale}: above the ${capNote(d)}`];
    case 'up': {
      const why = `${signalsSentence(c.signals)}; ${capNote(d)}`;
      if (c.step.kind === 'sized' && d.sizing) {
        return [`${scale}: ${upSizing(d, d.sizing)}`, why, reactionText(d.measures.reaction)];
      }
      return [`${scale}: ${why}`, upStepText(c.step)];
    }
    case 'floor': {
      const sizing = d.sizing
        ? `; ${describeSizing(d.sizing, 'peak this time of day × share a start cannot absorb')}`
        : '';
      const why =
        c.burn >= 1 || c.running === null
          ? `error budget burning ${c.burn.toFixed(1)}× what ${c.attainment} % allows (last ${budgetWindowHours(c.attainment)} h)`
          : `SLO held in ${c.running.toFixed(3)} % of minutes, below the ${c.attainment} % target (last ${ATTAINMENT_HOURS / 24} days)`;
      return [`${scale}: ${why}${sizing}`, reactionText(d.measures.reaction)];
    }
    case 'prescale': {
      const sizing = d.sizing ? `; ${describeSizing(d.sizing, 'recurring produce')}` : '';
      return [`${scale}: ahead of a burst recurring ${recurrenceText(c.recurrence)}${sizing}`];
    }
    case 'down': {
      const why = `${calmText(c.calm)}; min ${c.min}`;
      // The sizing is the headline when there is one; otherwise the calm that allowed the step.
      return c.step.kind === 'sized'
        ? [`${scale}: ${downHow(d, c.step)}`, why]
        : [`${scale}: ${why}`, downHow(d, c.step)];
    }
    case 'trim': {
      const sizing = d.sizing ? `: ${upSizing(d, d.sizing)}` : '';
      const pending = `${c.pending} of the scale-up's tasks not started yet`;
      return [`${scale}${sizing}`, `the rate over a whole interval needs fewer; ${pending}`];
    }
    case 'hold':
      return c.hold.kind === 'service-unobserved'
        ? [`hold: ${holdText(d, c.hold)}`]
        : [`hold at ${d.from}: ${holdText(d, c.hold)}`];
  }
}

/** Why the control step overruled the rules. */
export function vetoText(v: Veto): string {
  switch (v.kind) {
    case 'state-unreadable':
      return `state not readable (${v.error}): cooldowns and windows unknown`;
    case 'state-conflict':
      return v.error;
    case 'state-unsaved':
      return `state not saved (${v.error}): not acting without a record`;
    case 'act-failed':
      return `setting the desired count failed (${v.error})`;
  }
}

const unobservedText = (u: Decision['unobserved'][number]): string =>
  u.what === 'lag'
    ? `lag not observed (${u.error}): no scale-down; scale-up on CPU/memory only`
    : `CPU/memory not observed (${u.error}): no scale-down`;

/** The decision as sentences, headline first. */
export function explain(d: Decision): string[] {
  const reasons = [
    ...causeSentences(d, d.cause),
    ...d.unobserved.map(unobservedText),
    ...d.diagnoses.map(describeDiagnosis),
  ];
  if (!d.vetoed) return reasons;
  const why = vetoText(d.vetoed.veto);
  if (!d.vetoed.was) return [...reasons, why];
  return [`hold at ${d.from}: ${why}`, `was: ${reasons[0] ?? ''}`, ...reasons.slice(1)];
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const twoDigits = (n: number): string => String(n).padStart(2, '0');

/** "by :05 (3 of the last 4 hours)", "at Mon 09:00 UTC (3 of the last 4 weeks)". */
function recurrenceText(r: Recurrence): string {
  return r.period === 'hour'
    ? `by :${twoDigits(r.minute)} (${r.of} of the last ${r.last} hours)`
    : `at ${WEEKDAYS[r.weekday]} ${twoDigits(r.hour)}:00 UTC (${r.of} of the last ${r.last} weeks)`;
}
