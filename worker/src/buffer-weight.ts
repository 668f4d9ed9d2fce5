import type { InRecord } from './kafka-port.ts';
import { headerBytes } from './record-size.ts';

/**
 * What one buffered record costs beside its key and value: the record object, its header
 * list and the client's message it came from.
 */
const RECORD_OVERHEAD = 512;

/**
 * Weight of records held before the stream is paused (backpressure): 10,000 small records, or
 * a handful near max_message_bytes. A bound by count alone let a backlog of 1 MB records grow
 * past the worker's heap.
 */
export const MAX_BUFFERED_WEIGHT = 8 * 1024 * 1024;

/** A record's weight in the stream's buffer: its key, value and headers plus the overhead. */
export function recordWeight(r: InRecord): number {
  return RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0) + headerBytes(r.headers);
}

export function weightOf(records: readonly InRecord[]): number {
  let weight = 0;
  for (const r of records) weight += recordWeight(r);
  return weight;
}
