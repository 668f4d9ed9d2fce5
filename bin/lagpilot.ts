#!/usr/bin/env -S npx tsx
/** The `lagpilot` command line: `start` (the local system) and `simulate` (policy what-ifs). */
const [command] = process.argv.slice(2);

switch (command) {
  case 'start':
  case 'simulate':
    console.log(
      `lagpilot ${command}: coming soon (the local system and the simulator are being built).`,
    );
    break;
  default:
    console.error('usage: lagpilot <start|simulate> [options]');
    process.exit(2);
}
