import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between kiosks and the server that can swallow the server's `ack` frames, so a
 * test gets "stored on the server, but the kiosk never heard" deterministically. Frames are
 * newline-delimited JSON (docs/PROTOCOL.md), so the server-to-kiosk direction is split on "\n".
 */
export class AckHoldingProxy {
  holdAcks = false;
  /** Acks swallowed so far. */
  readonly held: Record<string, unknown>[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    this.server = createServer((kiosk) => this.pipe(kiosk));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return (this.server.address() as AddressInfo).port;
  }

  private pipe(kiosk: Socket): void {
    const upstream = connect(this.target);
    for (const s of [kiosk, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    kiosk.on('close', () => upstream.destroy());
    upstream.on('close', () => kiosk.destroy());
    kiosk.on('data', (chunk) => upstream.write(chunk));
    let tail = '';
    upstream.on('data', (chunk: Buffer) => {
      tail += chunk.toString('utf8');
      const lines = tail.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        if (this.holdAcks && isAck(line)) {
          this.held.push(JSON.parse(line) as Record<string, unknown>);
          continue;
        }
        kiosk.write(`${line}\n`);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

function isAck(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === 'ack';
  } catch {
    return false;
  }
}
