#!/usr/bin/env -S npx tsx
/** The `lagpilot` command line: `start` (the local system) and `simulate` (policy what-ifs). */
import { startCommand } from '../local/start-command.ts';
import { simulateCommand } from '../sim/simulate-command.ts';

const [command, ...rest] = process.argv.slice(2);

switch (command) {
  case 'start':
    process.exitCode = await startCommand(rest);
    break;
  case 'simulate':
    process.exitCode = await simulateCommand(rest);
    break;
  default:
    console.error('usage: lagpilot <start|simulate> [options]');
    process.exit(2);
}
