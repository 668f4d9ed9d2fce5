/**
 * `npm run docs:simulate [-- traces|frontier|matrix …]`: regenerates the result sections of
 * docs/simulate.md — the per-trace tables (`simulate --trace all`), every real trace's frontier
 * (`simulate --frontier`, charts in docs/frontier/) and the matrix scoreboard (`simulate
 * --matrix`); all three unless some are named (each takes minutes on the real traces).
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  frontierResults,
  matrixResults,
  SIMULATE_DOC,
  traceResults,
  withGenerated,
} from './simulate-docs.ts';

const root = new URL('../', import.meta.url);
const BLOCKS: Record<string, [string, () => string | Promise<string>]> = {
  traces: ['simulate --trace all', traceResults],
  frontier: ['simulate --frontier', () => frontierResults(root)],
  matrix: ['simulate --matrix', matrixResults],
};
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!BLOCKS[name]) {
    throw new Error(`unknown block "${name}": give any of ${Object.keys(BLOCKS).join(', ')}`);
  }
}
const path = new URL(SIMULATE_DOC, root);
const before = await readFile(path, 'utf8');
let after = before;
for (const name of asked.length > 0 ? asked : Object.keys(BLOCKS)) {
  const [marker, generate] = BLOCKS[name]!;
  after = withGenerated(after, marker, await generate());
}
if (before !== after) await writeFile(path, after);
console.log(`${SIMULATE_DOC}: ${before === after ? 'up to date' : 'rewritten'}`);
