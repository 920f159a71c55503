import net from 'node:net';
import type { PivoteServer } from './server.js';
import { wrapServerSocket, type ServerTls } from './tls.js';

export interface TcpListenOptions {
  host: string;
  /** 0 picks a free port; read it from `server.address()`. */
  port: number;
  backlog?: number;
  /** Speak TLS (see tls.ts); the framing inside is the same. */
  tls?: ServerTls;
}

/**
 * A thin TCP front for the core: every accepted socket is handed to `core.handleConnection`.
 * Resolves once listening. Closing the returned server stops accepting; `core.close()` ends the
 * connections it holds.
 */
export function listenTcp(core: PivoteServer, opts: TcpListenOptions): Promise<net.Server> {
  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, (socket) => {
    // Small frames (acks) must not wait for Nagle; the session already coalesces per tick.
    socket.setNoDelay(true);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    core.handleConnection(opts.tls ? wrapServerSocket(socket, opts.tls) : socket, { remote, address: socket.remoteAddress ?? null });
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host: opts.host, port: opts.port, backlog: opts.backlog ?? 1024 }, () => {
      server.off('error', onError);
      server.on('error', (err) => core.log.error({ err }, 'TCP listener error'));
      resolve(server);
    });
  });
}

/**
 * Stops accepting new connections at once; resolves when the listener has closed, which Node
 * does only after every accepted socket has closed too (so call `core.close()` meanwhile).
 */
export function stopListening(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
