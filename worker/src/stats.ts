/** The worker's counters and gauges, rendered as the periodic stats line (and by metrics.ts for /metrics). */
export class Stats {
  consumed = 0;
  filtered = 0;
  produced = 0;
  completed = 0;
  dlq = 0;
  skipped = 0;
  errors = 0;
  rebalances = 0;
  commitsRejected = 0;
  assignedPartitions = 0;
  lastCommitAt: number | undefined;
  readonly startedAt = Date.now();
  #previous = { at: Date.now(), consumed: 0, filtered: 0, completed: 0, errors: 0 };

  /** The stats line (and its fields) since the previous call. */
  interval(now = Date.now()): { line: string; fields: Record<string, number> } {
    const secs = Math.max((now - this.#previous.at) / 1000, 0.001);
    const rate = (k: 'consumed' | 'filtered' | 'completed' | 'errors') =>
      (this[k] - this.#previous[k]) / secs;
    const fields = {
      processed: this.consumed,
      processedPerSec: rate('consumed'),
      filtered: this.filtered,
      filteredPerSec: rate('filtered'),
      completed: this.completed,
      completedPerSec: rate('completed'),
      errors: this.errors,
      errorsPerSec: rate('errors'),
      dlq: this.dlq,
      skipped: this.skipped,
      assignedPartitions: this.assignedPartitions,
    };
    this.#previous = {
      at: now,
      consumed: this.consumed,
      filtered: this.filtered,
      completed: this.completed,
      errors: this.errors,
    };
    const r = (n: number) => n.toFixed(1);
    const line = `Stats: processed=${fields.processed} (${r(fields.processedPerSec)}/s), filtered=${fields.filtered} (${r(fields.filteredPerSec)}/s), completed=${fields.completed} (${r(fields.completedPerSec)}/s), errors=${fields.errors} (${r(fields.errorsPerSec)}/s)`;
    return { line, fields };
  }
}
