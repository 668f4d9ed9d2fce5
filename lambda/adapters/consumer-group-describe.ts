/**
 * A group of the consumer rebalance protocol (KIP-848, GA in Kafka 4.0) is not a "classic"
 * group: DescribeGroups answers it as Dead with no members. Its state and members come from
 * ConsumerGroupDescribe (API key 69), which kafkajs (2.2.4, its last release) does not have.
 * This sends that one request over kafkajs' own connection to the group coordinator, so TLS
 * and SASL (MSK IAM included) are the ones the admin client uses (see kafka-cluster.ts).
 */

import type { Kafka } from 'kafkajs';
import { LagpilotError } from '../../kit/errors.ts';
import type { GroupState, GroupStateName } from '../core/index.ts';
import { type LazyCluster, sharedCluster } from './kafka-cluster.ts';

const CONSUMER_GROUP_DESCRIBE = 69;
/** Not a consumer-protocol group, or none at all. */
const GROUP_ID_NOT_FOUND = 69;
/** The broker lists the API but has the consumer protocol off (Kafka 3.x). */
const UNSUPPORTED_VERSION = 35;

/**
 * A consumer group's states, as the classic names the rest of lagpilot reads: Assigning (the
 * coordinator computes a new target assignment) and Reconciling (members are still moving to
 * it) are both a rebalance in progress.
 */
const STATES: Record<string, GroupStateName> = {
  Empty: 'Empty',
  Assigning: 'PreparingRebalance',
  Reconciling: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
};

export class ConsumerGroupDescribeError extends LagpilotError {
  constructor(
    readonly groupId: string,
    readonly code: number,
    message: string | null,
  ) {
    // Coordinator moving or loading (14, 15, 16): the next step asks again.
    super(
      code === 14 || code === 15 || code === 16 ? 'transient' : 'fatal',
      `ConsumerGroupDescribe for group ${groupId} failed with Kafka error code ${code}${message ? `: ${message}` : ''}`,
    );
  }
}

function uvarint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/** The request body (v0) for one group, behind the request header's empty tagged fields. */
export function encodeRequest(groupId: string): Buffer {
  const id = Buffer.from(groupId, 'utf8');
  return Buffer.from([
    // kafkajs writes request header v1; a flexible request's header v2 adds tagged fields here.
    0,
    ...uvarint(2), // compact array of one group id
    ...uvarint(id.length + 1),
    ...id,
    0, // include_authorized_operations = false
    0, // tagged fields
  ]);
}

class Reader {
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
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf.readUInt8(this.at++);
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
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

/**
 * The group's state and member count from a v0 response (after the correlation id), or
 * undefined when the group is not a consumer-protocol group (or does not exist, or the broker
 * does not run the protocol).
 */
export function decodeResponse(groupId: string, payload: Buffer): GroupState | undefined {
  const r = new Reader(payload);
  r.taggedFields(); // response header v1
  r.int32(); // throttle_time_ms
  if (r.uvarint() - 1 < 1) return undefined;
  const code = r.int16();
  const message = r.string();
  if (code === GROUP_ID_NOT_FOUND || code === UNSUPPORTED_VERSION) return undefined;
  if (code !== 0) throw new ConsumerGroupDescribeError(groupId, code, message);
  r.string(); // group_id
  const state = r.string() ?? '';
  r.int32(); // group_epoch
  r.int32(); // assignment_epoch
  r.string(); // assignor_name
  // Only the count is needed: the members themselves are not read.
  const members = Math.max(0, r.uvarint() - 1);
  return { state: STATES[state] ?? 'Unknown', members };
}

/** Describes consumer-protocol groups over the cluster lagpilot's own requests share. */
export class ConsumerGroupDescriber {
  private readonly cluster: LazyCluster;

  constructor(kafka: Kafka) {
    this.cluster = sharedCluster(kafka);
  }

  /** The group's state, or undefined when the broker or the group does not speak KIP-848. */
  async describe(groupId: string): Promise<GroupState | undefined> {
    const cluster = await this.cluster.get();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    if (!coordinator.versions?.[CONSUMER_GROUP_DESCRIBE]) return undefined;
    const body = encodeRequest(groupId);
    return (await coordinator.connectionPool.send({
      request: {
        apiKey: CONSUMER_GROUP_DESCRIBE,
        apiVersion: 0,
        apiName: 'ConsumerGroupDescribe',
        // kafkajs takes anything shaped like its Encoder.
        encode: async () => ({ buf: body, buffer: body }),
      },
      response: {
        decode: async (payload: Buffer) => payload,
        parse: async (payload: Buffer) => decodeResponse(groupId, payload),
      },
    })) as GroupState | undefined;
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}
