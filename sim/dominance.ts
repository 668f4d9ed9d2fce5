/** Pareto dominance on the two figures a user pays for: SLO-violation minutes and instance-minutes. */

export interface CostAndSlo {
  readonly sloViolationMinutes: number;
  readonly instanceMinutes: number;
}

/** The points with no more violation minutes and no more instance-minutes than `ours`, one strictly fewer. */
export function dominators<T extends CostAndSlo>(ours: CostAndSlo, points: readonly T[]): T[] {
  return points.filter(
    (p) =>
      p.sloViolationMinutes <= ours.sloViolationMinutes &&
      p.instanceMinutes <= ours.instanceMinutes &&
      (p.sloViolationMinutes < ours.sloViolationMinutes ||
        p.instanceMinutes < ours.instanceMinutes),
  );
}
