#!/usr/bin/env -S npx tsx
import { exitCodeOf, messageOf } from '../kit/errors.ts';
/**
 * The `lagpilot` command line: `start` (the local system), `simulate` (policy what-ifs),
 * `lag` (what the autoscaler sees for a group) and `tune` (parameters from the service's history).
 * An error that escapes a command exits by its kind (kit/errors.ts): 2 for what the user must
 * fix, 1 for the rest.
 */
import { startCommand } from '../local/start-command.ts';
import { simulateCommand } from '../sim/simulate-command.ts';
import { tuneCommand } from '../tune/index.ts';
import { lagCommand } from './lag/index.ts';

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  start: startCommand,
  simulate: simulateCommand,
  lag: lagCommand,
  tune: tuneCommand,
};

const [command = '', ...rest] = process.argv.slice(2);
const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (!run) {
  console.error('usage: lagpilot <start|simulate|lag|tune> [options]');
  process.exit(2);
}
try {
  process.exitCode = await run(rest);
} catch (error) {
  console.error(`lagpilot ${command}: ${messageOf(error)}`);
  process.exitCode = exitCodeOf(error);
}
