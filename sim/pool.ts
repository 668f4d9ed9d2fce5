/**
 * Runs independent simulation tasks on this thread and one worker thread (the reference machine
 * has 2 cores), each taking the next task when free, costliest first; results keep the tasks'
 * order. Tasks are plain data: they cross to the worker thread (sim-worker.ts).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export async function runPool<T, R>(
  tasks: readonly T[],
  run: (task: T) => R,
  cost: (task: T) => number,
  /** Called after each task with the count done so far (a progress line). @default - none */
  onDone?: (done: number, total: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(tasks.length);
  let done = 0;
  const finished = () => onDone?.(++done, tasks.length);
  // Longest first, so neither thread is left with one long task at the end.
  const order = tasks.map((_, i) => i).sort((a, b) => cost(tasks[b]!) - cost(tasks[a]!));
  let next = 0;
  // A worker thread does not inherit the main thread's TypeScript loader: it loads its module
  // through tsx's API.
  const file = fileURLToPath(new URL('./sim-worker.ts', import.meta.url));
  const worker = new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true },
  );
  const remote = new Promise<void>((resolve, reject) => {
    const feed = () => {
      if (next >= order.length) {
        void worker.terminate().then(() => resolve());
        return;
      }
      const i = order[next++]!;
      worker.once('message', (result: R) => {
        results[i] = result;
        finished();
        feed();
      });
      worker.postMessage(tasks[i]);
    };
    worker.once('error', reject);
    feed();
  });
  // This thread takes tasks between the worker's, yielding so the worker's replies are handled.
  while (next < order.length) {
    const i = order[next++]!;
    results[i] = run(tasks[i]!);
    finished();
    await new Promise((r) => setImmediate(r));
  }
  await remote;
  return results;
}
