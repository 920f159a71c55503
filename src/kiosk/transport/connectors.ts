import { connect as netConnect, type Socket } from 'node:net';
import type { Connector } from '../connection/client.js';
import type { KioskTlsConfig } from '../config/config.js';
import type { ServerAddress } from './server-address.js';
import { loadTlsConnector } from './tls-connector.js';

/**
 * Stream builders for KioskClient: plain TCP here, TLS in tls-connector.ts (the configured CA
 * or a pinned fingerprint); the client does not care which one it gets.
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

/** The connector a kiosk config asks for: TLS when it has a `tls` section (PV_TLS_CONFIG if its CA file is unusable), else TCP. */
export function connectorForConfig(config: { tls: KioskTlsConfig | undefined }, options: { keepAliveMs?: number } = {}): Connector {
  return config.tls ? loadTlsConnector(config.tls, options) : tcpConnector(options);
}
