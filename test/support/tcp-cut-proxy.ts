import { connect, createServer, type AddressInfo, type NetConnectOpts, type Server, type Socket } from 'node:net';

/**
 * A plain TCP forwarder for tests, between a client and a server that speak any protocol (a
 * pivote server and its PostgreSQL): bytes pass untouched. `cut()` ends every connection now
 * (RST, or FIN); `block(forMs)` cuts and refuses new connections for a while, as a network
 * partition would; `blockUntilUnblocked()` keeps refusing until `unblock()`.
 */
export class TcpCutProxy {
  readonly stats = { connections: 0, refused: 0, cuts: 0 };
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private blockedUntil = 0;

  /** `upstream`: where to forward, e.g. `{ port }` or `{ path }` (a unix socket). */
  constructor(private readonly upstream: NetConnectOpts) {}

  async listen(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Ends every connection now; new ones are let through. */
  cut(reset = true): void {
    if (this.pairs.size > 0) this.stats.cuts++;
    for (const pair of [...this.pairs]) this.end(pair, reset);
  }

  /** Cuts, and refuses new connections for `forMs`. */
  block(forMs: number, reset = true): void {
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + forMs);
    this.cut(reset);
  }

  blockUntilUnblocked(reset = true): void {
    this.block(Number.MAX_SAFE_INTEGER / 2, reset);
  }

  unblock(): void {
    this.blockedUntil = 0;
  }

  async close(): Promise<void> {
    this.cut(false);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    client.on('error', () => undefined);
    if (Date.now() < this.blockedUntil) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    const upstream = connect(this.upstream);
    upstream.on('error', () => undefined);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of pair) s.once('close', () => this.end(pair, false));
  }

  private end(pair: [Socket, Socket], reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const s of pair) {
      if (s.destroyed) continue;
      try {
        if (reset && s.readyState === 'open') s.resetAndDestroy();
        else s.destroy();
      } catch {
        s.destroy(); // a unix socket cannot be reset
      }
    }
  }
}
