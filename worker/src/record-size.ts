import type { Headers } from './kafka-port.ts';

/**
 * What a record weighs on the wire. The broker refuses a record batch over the topic's
 * max.message.bytes, and a batch adds its own header and each record's framing to the keys,
 * values and headers it carries, so a record is held to max_message_bytes with them.
 */

/** Bytes a record batch adds to its records (header of the v2 format). */
export const BATCH_OVERHEAD = 61;
/**
 * Most bytes a v2 record adds to its key and value when both are under 1 MiB and the batch
 * spans under 2^20 offsets and milliseconds: length, key and value lengths, offset and
 * timestamp deltas (3-byte varints each), attributes and the header count.
 */
const RECORD_OVERHEAD = 20;
/** Most bytes a header adds to its name and value (two varint lengths). */
const HEADER_OVERHEAD = 10;

export function headerBytes(headers: Headers): number {
  let n = 0;
  for (const [name, value] of headers) n += Buffer.byteLength(name) + (value?.length ?? 0);
  return n;
}

/** A record's bytes in a v2 batch: its key, value and headers with their framing. */
export function recordBytes(r: {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
}): number {
  const headers =
    r.headers.length === 0 ? 0 : headerBytes(r.headers) + HEADER_OVERHEAD * r.headers.length;
  return RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0) + headers;
}

/** A record's batch when it goes alone: what max.message.bytes is compared with. */
export const aloneBytes = (r: Parameters<typeof recordBytes>[0]): number =>
  BATCH_OVERHEAD + recordBytes(r);
