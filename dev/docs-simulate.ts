/**
 * `npm run docs:simulate`: regenerates the result sections of docs/simulate.md — the per-trace
 * tables (`simulate --trace all`) and the matrix scoreboard (`simulate --matrix`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { matrixResults, SIMULATE_DOC, traceResults, withGenerated } from './simulate-docs.ts';

const path = new URL(`../${SIMULATE_DOC}`, import.meta.url);
const before = await readFile(path, 'utf8');
let after = withGenerated(before, 'simulate --trace all', traceResults());
after = withGenerated(after, 'simulate --matrix', await matrixResults());
if (before !== after) await writeFile(path, after);
console.log(`${SIMULATE_DOC}: ${before === after ? 'up to date' : 'rewritten'}`);
