/**
 * Which kind of group a group id is, as its coordinator lists it: ListGroups v5 (Kafka 4.0+,
 * KIP-848) names each group's type — classic, consumer, share or streams. kafkajs (2.2.4) sends
 * ListGroups v2, which has no type, so this request is lagpilot's own. A broker without v5
 * (Kafka 3.x) runs classic groups only: the type is then undefined, and the lag source reads
 * the group as it always did.
 */

import type { Kafka } from 'kafkajs';
import type { GroupType } from '../core/index.ts';
import { GroupDescribeError } from './consumer-group-describe.ts';
import { type LazyCluster, sharedCluster } from './kafka-cluster.ts';
import { compactArray, flexibleBody, Reader, sendRaw, versionFor } from './kafka-wire.ts';

const LIST_GROUPS = 16;
const TYPES: Record<string, GroupType> = {
  classic: 'classic',
  consumer: 'consumer',
  share: 'share',
};

/** ListGroups v5 with no state and no type filter: every group the broker coordinates. */
export function encodeListGroups(): Buffer {
  return flexibleBody([...compactArray([]), ...compactArray([])]);
}

/**
 * The type of `groupId` in a v5 response (after the correlation id): undefined when the broker
 * does not list it (no such group) or lists a type lagpilot does not scale on (streams).
 */
export function decodeListGroups(groupId: string, payload: Buffer): GroupType | undefined {
  const r = new Reader(payload);
  r.taggedFields(); // response header v1
  r.int32(); // throttle_time_ms
  const code = r.int16();
  if (code !== 0) throw new GroupDescribeError('ListGroups', groupId, code, null);
  let found: GroupType | undefined;
  for (let n = r.arrayLength(); n > 0; n--) {
    const id = r.string();
    r.string(); // protocol_type
    r.string(); // group_state
    const type = r.string() ?? '';
    r.taggedFields();
    if (id === groupId) found = TYPES[type.toLowerCase()];
  }
  return found;
}

/** Reads group types from their coordinators, over the cluster lagpilot's own requests share. */
export class GroupTypeReader {
  private readonly cluster: LazyCluster;

  constructor(kafka: Kafka) {
    this.cluster = sharedCluster(kafka);
  }

  /** The group's type, or undefined on a broker without ListGroups v5 or for a group it does not list. */
  async typeOf(groupId: string): Promise<GroupType | undefined> {
    const cluster = await this.cluster.get();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const apiVersion = versionFor(coordinator, LIST_GROUPS, [5]);
    if (apiVersion === undefined) return undefined;
    return sendRaw(coordinator, {
      apiKey: LIST_GROUPS,
      apiVersion,
      apiName: 'ListGroups',
      body: encodeListGroups(),
      parse: (payload) => decodeListGroups(groupId, payload),
    });
  }
}
