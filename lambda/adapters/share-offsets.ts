/**
 * A share group's position per partition: DescribeShareGroupOffsets (API key 90, KIP-932) to
 * the group's coordinator. v0 gives each share-partition's start offset (every record below it
 * is acknowledged); v1 (KIP-1226, Kafka 4.2+) adds its lag as the broker counts it: the records
 * from the start offset to the end not yet acknowledged. A partition whose share state the
 * group has not initialized yet (no member fetched it) answers -1 for both.
 */

import type { Kafka } from 'kafkajs';
import { GroupNotFoundError } from '../core/index.ts';
import { GroupDescribeError } from './consumer-group-describe.ts';
import { type LazyCluster, sharedCluster } from './kafka-cluster.ts';
import {
  compactArray,
  compactString,
  flexibleBody,
  int32,
  Reader,
  sendRaw,
  versionFor,
} from './kafka-wire.ts';

const DESCRIBE_SHARE_GROUP_OFFSETS = 90;
const API_NAME = 'DescribeShareGroupOffsets';
const GROUP_ID_NOT_FOUND = 69;

export interface ShareOffset {
  /** The share-partition start offset; null when not initialized. */
  start: number | null;
  /** The broker's lag (v1); null on v0 or when not initialized. */
  lag: number | null;
}

/** Share offsets by topic, then partition. */
export type ShareOffsets = Map<string, Map<number, ShareOffset>>;

/** The request (v0 and v1 alike) for one group's partitions, by topic. */
export function encodeShareOffsets(
  groupId: string,
  topics: ReadonlyMap<string, readonly number[]>,
): Buffer {
  const topicEntries = [...topics].map(([topic, partitions]) => [
    ...compactString(topic),
    ...compactArray(partitions.map(int32)),
    0, // tagged fields
  ]);
  return flexibleBody([
    ...compactArray([[...compactString(groupId), ...compactArray(topicEntries), 0]]),
  ]);
}

const known = (n: number) => (n >= 0 ? n : null);

/** One topic's partitions (after its name and id). */
function readPartitions(r: Reader, groupId: string, version: number): Map<number, ShareOffset> {
  const byPartition = new Map<number, ShareOffset>();
  for (let n = r.arrayLength(); n > 0; n--) {
    const partition = r.int32();
    const start = r.int64();
    r.int32(); // leader_epoch
    const lag = version >= 1 ? r.int64() : -1;
    const code = r.int16();
    const message = r.string();
    r.taggedFields();
    if (code !== 0) throw new GroupDescribeError(API_NAME, groupId, code, message);
    byPartition.set(partition, {
      start: known(start),
      lag: known(start) === null ? null : known(lag),
    });
  }
  return byPartition;
}

/** A response (after the correlation id) for the one group asked about. */
export function decodeShareOffsets(
  groupId: string,
  version: number,
  payload: Buffer,
): ShareOffsets {
  const r = new Reader(payload);
  r.taggedFields(); // response header v1
  r.int32(); // throttle_time_ms
  const offsets: ShareOffsets = new Map();
  for (let g = r.arrayLength(); g > 0; g--) {
    r.string(); // group_id
    for (let t = r.arrayLength(); t > 0; t--) {
      const topic = r.string() ?? '';
      r.skip(16); // topic_id
      offsets.set(topic, readPartitions(r, groupId, version));
      r.taggedFields();
    }
    const code = r.int16();
    const message = r.string();
    r.taggedFields();
    if (code === GROUP_ID_NOT_FOUND) throw new GroupNotFoundError(groupId);
    if (code !== 0) throw new GroupDescribeError(API_NAME, groupId, code, message);
  }
  return offsets;
}

/** Reads share offsets over the cluster lagpilot's own requests share. */
export class ShareOffsetReader {
  private readonly cluster: LazyCluster;

  constructor(kafka: Kafka) {
    this.cluster = sharedCluster(kafka);
  }

  async read(
    groupId: string,
    topics: ReadonlyMap<string, readonly number[]>,
  ): Promise<ShareOffsets> {
    const cluster = await this.cluster.get();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const apiVersion = versionFor(coordinator, DESCRIBE_SHARE_GROUP_OFFSETS, [0, 1]);
    if (apiVersion === undefined) {
      throw new GroupDescribeError(
        API_NAME,
        groupId,
        35,
        'the broker does not answer it (share groups need Kafka 4.1+)',
      );
    }
    return sendRaw(coordinator, {
      apiKey: DESCRIBE_SHARE_GROUP_OFFSETS,
      apiVersion,
      apiName: API_NAME,
      body: encodeShareOffsets(groupId, topics),
      parse: (payload) => decodeShareOffsets(groupId, apiVersion, payload),
    });
  }
}
