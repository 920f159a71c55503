import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * The link between one kiosk and the server, with faults on demand: cut the connection after a
 * given number of bytes in one direction, cut it just as an `ack` frame goes by (the server has
 * committed that vote; the kiosk will not hear of it, or hears a torn frame), add latency, stall.
 *
 * Kiosk -> server bytes are forwarded as they come (a cut can fall anywhere, mid-frame included).
 * Server -> kiosk bytes are forwarded a whole frame at a time (frames are newline-delimited JSON,
 * docs/PROTOCOL.md), which is what lets the proxy see that a frame is an ack before it passes;
 * the server writes whole frames anyway, so this holds nothing back that a real link would pass.
 *
 * Faults belong to the link, not to one connection: an armed cut waits for the bytes it needs,
 * on this connection or the kiosk's next one, until it expires. The upstream port can change
 * (`setTarget`) because a restarted server listens on a fresh port; while there is no target,
 * connections are refused, as they would be by a server that is down.
 *
 * With several servers (a cluster on one database) the proxy listens once per server — each
 * `listen()` adds a port for the next target — and the kiosk lists those ports as its servers:
 * the link's faults apply whichever server the kiosk is connected to.
 */

export type Direction = 'toServer' | 'toKiosk';

export interface FaultProxyStats {
  connections: number;
  /** Connections refused because the server was down or the link partitioned. */
  refused: number;
  /** Cuts that fired at their byte offset. */
  cuts: number;
  /** Cuts that fired on an ack frame. */
  ackCuts: number;
  /** Armed cuts that saw no traffic before they expired. */
  expired: number;
  bytesToServer: number;
  bytesToKiosk: number;
}

interface ArmedCut {
  kind: 'bytes' | 'ack';
  direction: Direction;
  /** bytes: bytes still to pass before the cut. ack: fraction of the ack frame to pass. */
  amount: number;
  reset: boolean;
  expiresAt: number;
}

interface Held {
  chunk: Buffer;
  releaseAt: number;
  isAck: boolean;
}

export interface FaultProxyOptions {
  /** Wall clock for latency and stalls (ms). */
  now?: () => number;
  /** How long an armed cut waits for traffic. */
  cutExpiryMs?: number;
}

export class FaultProxy {
  readonly stats: FaultProxyStats = { connections: 0, refused: 0, cuts: 0, ackCuts: 0, expired: 0, bytesToServer: 0, bytesToKiosk: 0 };
  private readonly listeners: Server[] = [];
  private readonly targets: (number | undefined)[];
  private readonly links = new Set<Link>();
  private readonly armed: ArmedCut[] = [];
  private latencyMs = 0;
  private latencyUntil = 0;
  private stalledUntil = 0;
  private partitionedUntil = 0;
  readonly now: () => number;
  private readonly cutExpiryMs: number;

  constructor(targetPorts: number | undefined | readonly (number | undefined)[], options: FaultProxyOptions = {}) {
    this.targets = Array.isArray(targetPorts) ? [...targetPorts] : [targetPorts as number | undefined];
    this.now = options.now ?? Date.now;
    this.cutExpiryMs = options.cutExpiryMs ?? 4000;
  }

  /** Listens for the next target (the first call for target 0, and so on); returns the port. */
  async listen(): Promise<number> {
    const index = this.listeners.length;
    const server = createServer((kiosk) => this.accept(kiosk, index));
    this.listeners.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Server `index`'s port, or undefined while it is down. */
  setTarget(port: number | undefined, index = 0): void {
    this.targets[index] = port;
  }

  /** Open connections (kiosk side). */
  get openConnections(): number {
    return this.links.size;
  }

  cutAfter(direction: Direction, afterBytes: number, reset: boolean): void {
    this.armed.push({ kind: 'bytes', direction, amount: Math.max(0, Math.floor(afterBytes)), reset, expiresAt: this.now() + this.cutExpiryMs });
    this.pumpAll();
  }

  cutAtNextAck(keepFraction: number, reset: boolean): void {
    this.armed.push({ kind: 'ack', direction: 'toKiosk', amount: Math.min(Math.max(keepFraction, 0), 0.999), reset, expiresAt: this.now() + this.cutExpiryMs });
  }

  delay(latencyMs: number, forMs: number): void {
    this.latencyMs = latencyMs;
    this.latencyUntil = this.now() + forMs;
  }

  stall(forMs: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, this.now() + forMs);
  }

  /** The kiosk's network is gone: its connection is cut and new ones are refused for `forMs`. */
  partition(forMs: number): void {
    this.partitionedUntil = Math.max(this.partitionedUntil, this.now() + forMs);
    this.cutAll(false);
  }

  /** Disarms every cut and ends latency, stalls and partitions; whatever is held is forwarded now. */
  clearFaults(): void {
    this.expire(true);
    this.latencyUntil = 0;
    this.stalledUntil = 0;
    this.partitionedUntil = 0;
    for (const link of this.links) link.releaseAll();
  }

  /** Cuts every connection now (e.g. to show a test that the kiosk reconnects). */
  cutAll(reset = false): void {
    for (const link of [...this.links]) link.cut(reset);
  }

  async close(): Promise<void> {
    this.clearFaults();
    for (const link of [...this.links]) link.cut(false);
    const listeners = this.listeners.splice(0);
    await Promise.all(listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  // ---------------------------------------------------------------- internals used by Link

  /** When a chunk arriving now may leave. */
  releaseTime(): number {
    const now = this.now();
    return now < this.latencyUntil ? now + this.latencyMs : now;
  }

  stalledFor(): number {
    return Math.max(0, this.stalledUntil - this.now());
  }

  /** The armed cut that applies to the next bytes in `direction`, if any (expired ones dropped). */
  cutFor(direction: Direction, isAck: boolean): ArmedCut | undefined {
    this.expire(false);
    return this.armed.find((c) => c.direction === direction && (c.kind === 'bytes' || isAck));
  }

  fired(cut: ArmedCut): void {
    const i = this.armed.indexOf(cut);
    if (i >= 0) this.armed.splice(i, 1);
    if (cut.kind === 'ack') this.stats.ackCuts++;
    else this.stats.cuts++;
  }

  forgetLink(link: Link): void {
    this.links.delete(link);
  }

  private expire(all: boolean): void {
    const now = this.now();
    for (let i = this.armed.length - 1; i >= 0; i--) {
      if (all || this.armed[i]!.expiresAt <= now) {
        this.armed.splice(i, 1);
        this.stats.expired++;
      }
    }
  }

  private pumpAll(): void {
    for (const link of this.links) link.pump();
  }

  private accept(kiosk: Socket, index: number): void {
    this.stats.connections++;
    kiosk.on('error', () => undefined);
    const target = this.targets[index];
    if (target === undefined || this.now() < this.partitionedUntil) {
      this.stats.refused++;
      kiosk.destroy();
      return;
    }
    const link = new Link(this, kiosk, connect({ host: '127.0.0.1', port: target }));
    this.links.add(link);
  }
}

/** One kiosk connection and its upstream connection. */
class Link {
  private readonly held: Record<Direction, Held[]> = { toServer: [], toKiosk: [] };
  private downTail = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private upstreamReady = false;
  private dead = false;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly kiosk: Socket,
    private readonly upstream: Socket,
  ) {
    upstream.on('error', () => undefined);
    upstream.once('connect', () => {
      this.upstreamReady = true;
      this.pump();
    });
    for (const s of [kiosk, upstream]) s.once('close', () => this.cut(false));
    kiosk.on('data', (chunk: Buffer) => this.hold('toServer', chunk, false));
    upstream.on('data', (chunk: Buffer) => this.onServerBytes(chunk));
  }

  private onServerBytes(chunk: Buffer): void {
    let data = this.downTail.length > 0 ? Buffer.concat([this.downTail, chunk]) : chunk;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      const frame = data.subarray(0, nl + 1);
      this.hold('toKiosk', frame, isAckFrame(frame));
      data = data.subarray(nl + 1);
    }
    this.downTail = Buffer.from(data);
  }

  private hold(direction: Direction, chunk: Buffer, isAck: boolean): void {
    if (this.dead) return;
    this.held[direction].push({ chunk, releaseAt: this.proxy.releaseTime(), isAck });
    this.pump();
  }

  /** Forwards whatever may leave now, firing armed cuts; re-arms a timer for the rest. */
  pump(): void {
    if (this.dead) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const stalled = this.proxy.stalledFor();
    let next = stalled > 0 ? stalled : Infinity;
    if (stalled === 0) {
      for (const direction of ['toServer', 'toKiosk'] as const) {
        if (direction === 'toServer' && !this.upstreamReady) continue;
        const queue = this.held[direction];
        const now = this.proxy.now();
        while (queue.length > 0 && !this.dead) {
          const head = queue[0]!;
          if (head.releaseAt > now) {
            next = Math.min(next, head.releaseAt - now);
            break;
          }
          queue.shift();
          this.forward(direction, head);
        }
      }
    }
    if (!this.dead && next !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(1, next));
  }

  releaseAll(): void {
    for (const direction of ['toServer', 'toKiosk'] as const) for (const h of this.held[direction]) h.releaseAt = 0;
    this.pump();
  }

  private forward(direction: Direction, item: Held): void {
    const to = direction === 'toServer' ? this.upstream : this.kiosk;
    const cut = this.proxy.cutFor(direction, item.isAck);
    const chunk = item.chunk;
    if (cut !== undefined) {
      const keep = cut.kind === 'ack' ? Math.floor(chunk.length * cut.amount) : cut.amount;
      if (keep < chunk.length) {
        this.proxy.fired(cut);
        if (keep > 0) this.write(direction, to, chunk.subarray(0, keep));
        // Let the torn prefix reach the socket before the cut, so the peer can see it.
        setImmediate(() => this.cut(cut.reset));
        this.dead = true;
        return;
      }
      cut.amount -= chunk.length;
    }
    this.write(direction, to, item.chunk);
  }

  private write(direction: Direction, to: Socket, bytes: Buffer): void {
    if (direction === 'toServer') this.proxy.stats.bytesToServer += bytes.length;
    else this.proxy.stats.bytesToKiosk += bytes.length;
    if (!to.destroyed) to.write(bytes);
  }

  cut(reset: boolean): void {
    this.dead = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.held.toServer = [];
    this.held.toKiosk = [];
    for (const s of [this.kiosk, this.upstream]) {
      if (s.destroyed) continue;
      if (reset && s.readyState === 'open') s.resetAndDestroy();
      else s.destroy();
    }
    this.proxy.forgetLink(this);
  }
}

function isAckFrame(frame: Buffer): boolean {
  try {
    return (JSON.parse(frame.toString('utf8')) as { type?: unknown }).type === 'ack';
  } catch {
    return false;
  }
}
