/**
 * ListOffsets v2 (the first version with an isolation level) written and read directly:
 * kafkajs' own codec allocates a 511-byte buffer per partition, which at 10,000 partitions
 * and three such requests a step is most of the client's CPU time and garbage.
 */

import { LagpilotError } from '../../kit/errors.ts';

/** ListOffsets' API key; v2 is answered by every Kafka from 0.11 to 4.x. */
export const LIST_OFFSETS = 2;
export const LIST_OFFSETS_VERSION = 2;

/** Error codes that fresh metadata cures, by kafkajs' type names (lag-source.ts reads them). */
const STALE: Record<number, string> = {
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_FOR_PARTITION',
};

const TOPIC_AUTHORIZATION_FAILED = 29;

export class ListOffsetsError extends LagpilotError {
  /** kafkajs' type name for a stale-metadata code, else undefined. */
  readonly type: string | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly code: number,
  ) {
    const denied = code === TOPIC_AUTHORIZATION_FAILED;
    // Stale metadata: read again; a denied topic: grant it; anything else: the broker's to fix.
    super(
      STALE[code] ? 'transient' : denied ? 'config' : 'fatal',
      `ListOffsets for ${topic}/${partition} failed with Kafka error code ${code}${denied ? `: not authorized to describe topic ${topic}; allow DESCRIBE on it (kafka-cluster:DescribeTopic with MSK IAM)` : ''}`,
    );
    this.type = STALE[code];
  }
}

/** The request body: replica -1 (a client), the isolation level, per topic its partitions. */
export function encodeListOffsets(
  isolationLevel: number,
  timestamp: number,
  topics: ReadonlyMap<string, readonly number[]>,
): Buffer {
  const entries = [...topics].map(([topic, partitions]) => ({
    name: Buffer.from(topic, 'utf8'),
    partitions,
  }));
  const size = entries.reduce((n, e) => n + 2 + e.name.length + 4 + e.partitions.length * 12, 9);
  const buf = Buffer.alloc(size);
  const at64 = BigInt(timestamp);
  let at = buf.writeInt32BE(-1, 0);
  at = buf.writeInt8(isolationLevel, at);
  at = buf.writeInt32BE(entries.length, at);
  for (const { name, partitions } of entries) {
    at = buf.writeInt16BE(name.length, at);
    at += name.copy(buf, at);
    at = buf.writeInt32BE(partitions.length, at);
    for (const partition of partitions) {
      at = buf.writeInt32BE(partition, at);
      at = buf.writeBigInt64BE(at64, at);
    }
  }
  return buf;
}

/**
 * Offsets by topic, then partition, from a v2 response (after the correlation id); the first
 * partition's error is thrown.
 */
export function decodeListOffsets(payload: Buffer): Map<string, Map<number, number>> {
  const offsets = new Map<string, Map<number, number>>();
  const topics = payload.readInt32BE(4); // after throttle_time_ms
  let at = 8;
  for (let t = 0; t < topics; t++) {
    const length = payload.readInt16BE(at);
    const topic = payload.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    const byPartition = new Map<number, number>();
    const count = payload.readInt32BE(at);
    at += 4;
    for (let p = 0; p < count; p++, at += 22) {
      const partition = payload.readInt32BE(at);
      const code = payload.readInt16BE(at + 4);
      if (code !== 0) throw new ListOffsetsError(topic, partition, code);
      // at + 6: the timestamp of the offset found, unused.
      byPartition.set(partition, Number(payload.readBigInt64BE(at + 14)));
    }
    offsets.set(topic, byPartition);
  }
  return offsets;
}
