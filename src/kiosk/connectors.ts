import { connect as netConnect, type Socket } from 'node:net';
import type { Connector } from './client.js';
import type { ServerAddress } from './server-address.js';

/**
 * Stream builders for KioskClient. TLS will be one more builder here (tls.connect with the
 * configured CA or a pinned fingerprint); the client does not care which one it gets.
 */

export interface TcpConnectorOptions {
  /** OS keep-alive probes after this idle time; our heartbeats detect a dead peer sooner. */
  keepAliveMs?: number;
  /** Injectable for tests. */
  connect?: (options: { host: string; port: number }) => Socket;
}

export function tcpConnector(options: TcpConnectorOptions = {}): Connector {
  const open = options.connect ?? ((o) => netConnect(o));
  return (server: ServerAddress) => {
    const socket = open({ host: server.host, port: server.port });
    // Votes are tiny and latency is what the voter sees: do not wait for Nagle.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, options.keepAliveMs ?? 30_000);
    return socket;
  };
}
