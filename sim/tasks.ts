/** What the pool's threads run: a matrix cell or a frontier point, as plain data. */
import { type PointJob, runPoint } from './frontier.ts';
import { type CellJob, type MatrixCell, runCell } from './matrix.ts';
import type { Score } from './score.ts';

export type SimTask =
  | { readonly kind: 'cell'; readonly job: CellJob }
  | { readonly kind: 'point'; readonly job: PointJob };

export function runTask(task: SimTask): MatrixCell | Score {
  return task.kind === 'cell' ? runCell(task.job) : runPoint(task.job);
}
