/** The worker's counters and gauges, rendered as the periodic stats line and as Prometheus text. */
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

  prometheus(now = Date.now()): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
      lines.push(
        `# HELP lagpilot_worker_${name} ${help}`,
        `# TYPE lagpilot_worker_${name} ${type}`,
        `lagpilot_worker_${name} ${value}`,
      );
    };
    metric(
      'messages_consumed_total',
      'counter',
      'Records read from the input topics.',
      this.consumed,
    );
    metric(
      'messages_produced_total',
      'counter',
      'Records acknowledged by the output topics.',
      this.produced,
    );
    metric(
      'messages_filtered_total',
      'counter',
      'Records dropped by the filter or routes.',
      this.filtered,
    );
    metric('messages_dlq_total', 'counter', 'Records sent to the dead-letter topic.', this.dlq);
    metric(
      'messages_skipped_total',
      'counter',
      'Bad records skipped (on_error=skip).',
      this.skipped,
    );
    metric('errors_total', 'counter', 'Bad records (dead-lettered or skipped).', this.errors);
    metric('rebalances_total', 'counter', 'Group joins after the first.', this.rebalances);
    metric(
      'commits_rejected_total',
      'counter',
      'Commits refused because the partition moved.',
      this.commitsRejected,
    );
    metric(
      'assigned_partitions',
      'gauge',
      'Partitions assigned to this instance.',
      this.assignedPartitions,
    );
    const since = this.lastCommitAt === undefined ? -1 : (now - this.lastCommitAt) / 1000;
    metric(
      'time_since_last_commit_seconds',
      'gauge',
      'Seconds since the last offset commit (-1: none yet).',
      since,
    );
    metric('uptime_seconds', 'gauge', 'Seconds since start.', (now - this.startedAt) / 1000);
    return `${lines.join('\n')}\n`;
  }
}
