import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { groupCapacity } from '../../lambda/core/capacity.ts';
import type { WorkerRecord } from '../../local/fleet.ts';
import type { StepRow } from '../../local/live-line.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The smoke mode's rules, explicit so the test never depends on default changes: lag alone
 * drives scaling (CPU and memory thresholds out of reach), windows of a few steps.
 */
const SMOKE_RULES = {
  LAGPILOT_MIN_TASKS: '1',
  LAGPILOT_MAX_TASKS: '12',
  LAGPILOT_BALANCED_COUNTS: 'true',
  LAGPILOT_LAG_HIGH: '1000',
  LAGPILOT_LAG_LOW: '300',
  LAGPILOT_CPU_HIGH: '100',
  LAGPILOT_CPU_LOW: '99',
  LAGPILOT_MEMORY_HIGH: '100',
  LAGPILOT_MEMORY_LOW: '99',
  LAGPILOT_UP_WINDOW: '4.5s',
  LAGPILOT_UP_FACTOR: '2',
  LAGPILOT_UP_COOLDOWN: '3s',
  LAGPILOT_DOWN_WINDOW: '6s',
  LAGPILOT_DOWN_STEP: 'one',
  LAGPILOT_DOWN_COOLDOWN: '3s',
  // Local workers start in seconds: the horizon's assumed start until one is measured.
  LAGPILOT_TASK_START: '5s',
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs `lagpilot start` on the test broker: 100 msg/s per worker, a step every 1.5 s. */
async function start(out: string, args: readonly string[], rules: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/lagpilot.ts',
      'start',
      ...args,
      '--capacity',
      '100',
      '--cadence',
      '1.5s',
      '--time-scale',
      '1',
      '--out',
      out,
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, KAFKA_BROKERS: inject('kafkaBrokers'), ...rules },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** One decision log line per step: the learned capacity and the partition count it sized on. */
function decisionsOf(out: string) {
  return readFileSync(join(out, 'decisions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          decision: { action: string; from: number; to: number };
          observed: { taskCapacity: number | null; partitions: number | null };
        },
    );
}

describe(`npm start smoke mode (Kafka ${inject('kafkaVersion')})`, () => {
  const out = mkdtempSync(join(tmpdir(), 'lagpilot-local-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('scales the real worker fleet up during the surge and down after it, reports the actions, leaves nothing running', async () => {
    // 100 msg/s per worker; the surge profile: 16 s at 50/s, 24 s at 500/s, 40 s at 50/s.
    const { code, stdout, stderr } = await start(out, ['--duration', '80s'], SMOKE_RULES);
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);

    const chart = join(out, 'chart.svg');
    expect(stdout).toContain(`report: ${chart}`);
    expect(stdout).toMatch(/produce +\d+\/s +consume +\d+\/s +lag +[\d,]+ /);

    const run = JSON.parse(readFileSync(join(out, 'steps.json'), 'utf8')) as {
      steps: StepRow[];
      workers: WorkerRecord[];
    };
    const actions = run.steps.filter((s) => s.acted);
    const why = `actions: ${JSON.stringify(actions)}\nlive lines:\n${stdout}`;
    const firstUp = actions.findIndex((s) => s.action === 'up');
    const downAfterUp = actions.findIndex((s, i) => i > firstUp && s.action === 'down');
    expect(firstUp, why).toBeGreaterThanOrEqual(0);
    expect(downAfterUp, why).toBeGreaterThan(firstUp);
    // Up while the surge runs (16–40 s, plus the up-window), down only once it is over.
    expect(actions[firstUp]!.t).toBeLessThan(45);
    expect(actions[downAfterUp]!.t).toBeGreaterThan(40);
    // While the surge produces, the fleet never drops below the count whose measured per-task
    // capacity carries the produce rate (and that capacity was measured, not configured).
    const decisions = decisionsOf(out);
    expect(decisions).toHaveLength(run.steps.length);
    expect(
      decisions.some((d) => d.observed.taskCapacity !== null),
      why,
    ).toBe(true);
    run.steps.forEach((step, i) => {
      const { decision, observed } = decisions[i]!;
      if (step.t < 16 || step.t > 40 || decision.action !== 'down') return;
      expect(observed.taskCapacity, why).not.toBeNull();
      const carried = groupCapacity(observed.taskCapacity!, observed.partitions, decision.to);
      expect(carried, `step at ${step.t} s\n${why}`).toBeGreaterThanOrEqual(step.targetRate);
    });
    const peak = Math.max(...run.steps.map((s) => s.running ?? 0));
    expect(peak).toBeGreaterThan(1);
    // Real processes did the work: more than one started, and each one joined the group.
    expect(run.workers.length).toBeGreaterThan(1);
    expect(run.workers.filter((w) => w.readyAt !== null).length).toBeGreaterThan(1);

    const svg = readFileSync(chart, 'utf8');
    for (const a of actions) {
      expect(svg).toContain(`data-action="${a.action}" data-from="${a.from}" data-to="${a.to}"`);
    }
    const md = readFileSync(join(out, 'steps.md'), 'utf8');
    expect(md).toContain(`**up ${actions[firstUp]!.from}→${actions[firstUp]!.to}**`);
    expect(md).toContain(`**down ${actions[downAfterUp]!.from}→${actions[downAfterUp]!.to}**`);
    expect(existsSync(join(out, 'decisions.jsonl'))).toBe(true);

    // Nothing left running: every worker exited (drained on SIGTERM, exit code 0).
    for (const w of run.workers) {
      expect(alive(w.pid), `worker ${w.id} (pid ${w.pid})`).toBe(false);
      expect(w.exitCode, `worker ${w.id}`).toBe(0);
    }
  }, 170_000);

  it('sizes a steady load within two actions and then holds a count that carries it', async () => {
    const steady = mkdtempSync(join(tmpdir(), 'lagpilot-local-'));
    try {
      // 1.8 workers of load (180/s at 100/s each): two tasks carry it with a margin, where the
      // built-in steady profile's exactly two workers put every noisy reading on the knife edge
      // (a late third task is then right, not a failure to settle). Windows of a few steps give
      // the rules a chance to scale down every few seconds, so a count that cannot carry it
      // would show.
      const profile = join(steady, 'steady-180.csv');
      writeFileSync(
        profile,
        'timestamp,produce_rate\n2026-01-01T00:00:00Z,180\n2026-01-01T00:00:30Z,180\n2026-01-01T00:01:00Z,180\n',
      );
      const rules = { ...SMOKE_RULES, LAGPILOT_DOWN_STEP: 'fit' };
      const args = ['--profile', profile, '--duration', '60s'];
      const { code, stdout, stderr } = await start(steady, args, rules);
      expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
      const run = JSON.parse(readFileSync(join(steady, 'steps.json'), 'utf8')) as {
        steps: StepRow[];
      };
      const actions = run.steps.filter((s) => s.acted);
      const why = `actions: ${JSON.stringify(actions)}\nlive lines:\n${stdout}`;
      // Sized by the measured capacity in one action up; at most one correction after it.
      expect(actions.length, why).toBeGreaterThanOrEqual(1);
      expect(actions.length, why).toBeLessThanOrEqual(2);
      expect(actions[0]!.cause, why).toMatchObject({ rule: 'up', step: { kind: 'sized' } });
      expect(actions[0]!.reason, why).toMatch(/^scale 1→\d+: need [\d.]+ tasks \(produce /);
      // Then it holds: the second half of the run sees one count, and it carries the load.
      const last = actions.at(-1)!;
      const settled = run.steps.filter((s) => s.t > 30);
      expect(last.t, why).toBeLessThan(30);
      expect(settled.length, why).toBeGreaterThan(10);
      expect(new Set(settled.map((s) => s.desired)), why).toEqual(new Set([last.to]));
      // Within the lag SLO (1 min) throughout: the count carries the load.
      expect(Math.max(...settled.map((s) => s.lagSeconds ?? 0)), why).toBeLessThan(60);
    } finally {
      rmSync(steady, { recursive: true, force: true });
    }
  }, 170_000);
});
