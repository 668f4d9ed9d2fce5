/**
 * The bits of Kafka's wire format lagpilot's own requests use (ConsumerGroupDescribe,
 * ShareGroupDescribe, ListGroups v5, DescribeShareGroupOffsets): flexible versions' compact
 * strings and arrays and tagged fields, and one request sent over a broker's kafkajs connection.
 */

import type { ClusterBroker } from './kafka-cluster.ts';

export function uvarint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/** COMPACT_STRING: length + 1 as an unsigned varint, then the UTF-8 bytes. */
export function compactString(s: string): number[] {
  const bytes = Buffer.from(s, 'utf8');
  return [...uvarint(bytes.length + 1), ...bytes];
}

/** COMPACT_ARRAY of already encoded items. */
export function compactArray(items: readonly number[][]): number[] {
  return [...uvarint(items.length + 1), ...items.flat()];
}

export function int32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/**
 * A flexible request's body: kafkajs writes request header v1, so the tagged fields that
 * header v2 adds go first; the body's own tagged fields (none) close it.
 */
export function flexibleBody(fields: readonly number[]): Buffer {
  return Buffer.from([0, ...fields, 0]);
}

export class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  int16(): number {
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int64(): number {
    const v = Number(this.buf.readBigInt64BE(this.at));
    this.at += 8;
    return v;
  }
  skip(bytes: number): void {
    this.at += bytes;
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf.readUInt8(this.at++);
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  }
  /** A COMPACT_ARRAY's length (a null array reads as empty). */
  arrayLength(): number {
    return Math.max(0, this.uvarint() - 1);
  }
  /** COMPACT_NULLABLE_STRING (COMPACT_STRING is never null). */
  string(): string | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    const s = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return s;
  }
  taggedFields(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint();
      this.at += this.uvarint();
    }
  }
}

/** Versions a broker answers for an API key: the highest of `wanted` it advertises, or undefined. */
export function versionFor(broker: ClusterBroker, apiKey: number, wanted: readonly number[]) {
  const range = broker.versions?.[apiKey];
  if (!range) return undefined;
  return wanted.filter((v) => v >= range.minVersion && v <= range.maxVersion).at(-1);
}

export interface RawRequest<T> {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  body: Buffer;
  /** Reads the response after the correlation id. */
  parse: (payload: Buffer) => T;
}

/** Sends one request over the broker's kafkajs connection (its TLS and SASL), bytes as given. */
export async function sendRaw<T>(broker: ClusterBroker, request: RawRequest<T>): Promise<T> {
  const { apiKey, apiVersion, apiName, body, parse } = request;
  return (await broker.connectionPool.send({
    request: {
      apiKey,
      apiVersion,
      apiName,
      // kafkajs takes anything shaped like its Encoder.
      encode: async () => ({ buf: body, buffer: body }),
    },
    response: {
      decode: async (payload: Buffer) => payload,
      parse: async (payload: Buffer) => parse(payload),
    },
  })) as T;
}
