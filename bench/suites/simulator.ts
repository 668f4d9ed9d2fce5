/**
 * The simulator's speed: a 7-day trace at 1-minute resolution (10,080 samples, 604,800 one-second
 * ticks) through all five policies. Target: under 5 s in total.
 */
import { parseScalingRules } from '../../lambda/config.ts';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import { allPolicies } from '../../sim/policies/all.ts';
import { score } from '../../sim/score.ts';
import { diurnal } from '../../sim/traces.ts';

export const title = 'Simulator: 7 days at 1-minute resolution through five policies';

const TARGET_MS = 5000;

export async function run(): Promise<string> {
  const trace = diurnal(7);
  const policies = allPolicies(parseScalingRules({}), {
    kedaLagThreshold: DEFAULT_FLEET.capacity,
    cpuTarget: 70,
  });
  // One warm-up pass so the figures measure steady-state code, as a repeated CLI user sees it.
  for (const policy of policies) simulate(diurnal(1), DEFAULT_FLEET, policy);
  const rows: string[] = [];
  let total = 0;
  for (const policy of policies) {
    const started = performance.now();
    const result = simulate(trace, DEFAULT_FLEET, policy);
    const ms = performance.now() - started;
    total += ms;
    const s = score(result, DEFAULT_FLEET.sloS);
    rows.push(
      `| ${policy.name} | ${ms.toFixed(0)} | ${s.instanceMinutes.toLocaleString('en-US')} | ${s.sloViolationMinutes} | ${s.actions} |`,
    );
  }
  return [
    `Trace: \`diurnal\` over 7 days (${trace.rates.length.toLocaleString('en-US')} one-minute samples), default fleet (${DEFAULT_FLEET.partitions} partitions, ${DEFAULT_FLEET.tickS} s tick), default LAGPILOT_* parameters.`,
    '',
    '| policy | time (ms) | instance-min | SLO-violation min | actions |',
    '|---|--:|--:|--:|--:|',
    ...rows,
    `| **all five** | **${total.toFixed(0)}** | | | |`,
    '',
    `Target: < ${TARGET_MS / 1000} s for all five — ${total < TARGET_MS ? 'met' : '**missed**'}.`,
  ].join('\n');
}
