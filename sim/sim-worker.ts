/** The pool's worker thread: runs the matrix cells and frontier points it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { runTask, type SimTask } from './tasks.ts';

parentPort?.on('message', (task: SimTask) => {
  parentPort?.postMessage(runTask(task));
});
