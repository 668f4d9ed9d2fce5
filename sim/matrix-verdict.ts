/**
 * The matrix's verdict per cell: lagpilot's default is not dominated by any peer there (fewer or
 * equal SLO-violation minutes and instance-minutes, one strictly fewer) and costs at most
 * MATRIX_COST_VS_REFERENCE × the look-ahead reference.
 */
import { dominators } from './dominance.ts';
import type { Score } from './score.ts';
import { REFERENCE } from './table.ts';

export const MATRIX_COST_VS_REFERENCE = 1.5;

export interface CellVerdict {
  readonly met: boolean;
  /** The peers (their row names) that dominate lagpilot's default in this cell. */
  readonly dominatedBy: readonly string[];
  /** lagpilot's instance-minutes ÷ the reference's. */
  readonly costVsReference: number;
}

export function cellVerdict(scores: readonly Score[]): CellVerdict | null {
  const ours = scores.find((s) => s.policy === 'lagpilot');
  const reference = scores.find((s) => s.policy === REFERENCE);
  if (!ours || !reference) return null;
  const peers = scores.filter((s) => s !== ours && s !== reference);
  const dominatedBy = dominators(ours, peers).map((p) => p.policy);
  const costVsReference =
    reference.instanceMinutes > 0 ? ours.instanceMinutes / reference.instanceMinutes : 1;
  return {
    met: dominatedBy.length === 0 && costVsReference <= MATRIX_COST_VS_REFERENCE,
    dominatedBy,
    costVsReference: Math.round(costVsReference * 1000) / 1000,
  };
}
