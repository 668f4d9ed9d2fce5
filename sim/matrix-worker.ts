/** The matrix's worker thread: runs the cells it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { type CellJob, runCell } from './matrix.ts';

parentPort?.on('message', (job: CellJob) => {
  parentPort?.postMessage(runCell(job));
});
