import net from 'node:net';
import tls from 'node:tls';
import { Admin } from '@platformatic/kafka';
import type { ISocketFactory } from 'kafkajs';
import type { PlatformaticBase } from './platformatic-options.ts';

/** As kafkajs's own socket factory. */
const KEEP_ALIVE_MS = 60_000;

/**
 * The kafkajs consumer's sockets, closable for good: once closed, each connection the consumer
 * opens fails at once, so none of its requests (a JoinGroup retry above all) reaches a broker
 * again. kafkajs has no public way to abandon a consumer whose stop() waits on a pending join.
 */
export class SocketGate {
  readonly #open = new Set<net.Socket>();
  #closed = false;

  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    if (this.#closed) {
      const refused = new net.Socket();
      process.nextTick(() => refused.destroy(new Error('the consumer has left the group')));
      return refused;
    }
    const socket = ssl
      ? tls.connect(
          { host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl },
          onConnect,
        )
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_MS);
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
    return socket;
  };

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    for (const socket of this.#open) socket.destroy();
  }
}

/**
 * Sends LeaveGroup for `memberId` on a connection of its own. The broker answers one request per
 * connection at a time, so a LeaveGroup queued behind the member's own pending JoinGroup would
 * wait as long as the join does.
 */
export async function leaveGroup(
  base: PlatformaticBase,
  groupId: string,
  memberId: string,
): Promise<void> {
  const admin = new Admin({ ...base, retries: 2 });
  try {
    await admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId }] });
  } finally {
    await admin.close();
  }
}
