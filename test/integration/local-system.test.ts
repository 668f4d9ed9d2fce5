import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { StepRow } from '../../dev/live-line.ts';
import type { WorkerRecord } from '../../dev/local-fleet.ts';

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
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe(`npm start smoke mode (Kafka ${inject('kafkaVersion')})`, () => {
  const out = mkdtempSync(join(tmpdir(), 'lagpilot-local-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('scales the real worker fleet up during the surge and down after it, reports the actions, leaves nothing running', async () => {
    // 100 msg/s per worker; the surge profile: 16 s at 50/s, 24 s at 500/s, 40 s at 50/s.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/lagpilot.ts',
        'start',
        '--duration',
        '80s',
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
        env: { PATH: process.env.PATH, KAFKA_BROKERS: inject('kafkaBrokers'), ...SMOKE_RULES },
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
});
