import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams, like the two ends of a socket: what one writes the other reads.
 * Backpressure is real: a write is not called back until the reader has room, so a side that
 * stops reading makes the other's write() return false once its highWaterMark is reached.
 * Ending one side ends the other's readable; allowHalfOpen is false, as for a net.Server socket.
 */
export function duplexPair(highWaterMark = 16 * 1024): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const waiting: ((() => void) | null)[] = [null, null];
  const make = (self: number): Duplex => {
    const other = 1 - self;
    return new Duplex({
      allowHalfOpen: false,
      highWaterMark,
      read() {
        // Our reader wants more: let the other side's pending write complete.
        const cb = waiting[other];
        waiting[other] = null;
        cb?.();
      },
      write(chunk: Buffer, _enc, cb) {
        const peer = ends[other]!;
        if (peer.destroyed) {
          cb();
          return;
        }
        if (peer.push(chunk)) cb();
        else waiting[self] = cb;
      },
      final(cb) {
        const peer = ends[other]!;
        if (!peer.destroyed) peer.push(null);
        cb();
      },
      destroy(err, cb) {
        // Like a reset socket: the peer sees the end of its input and closes too.
        const peer = ends[other]!;
        const pendingWrite = waiting[self];
        waiting[self] = null;
        pendingWrite?.();
        if (!peer.destroyed && !peer.readableEnded) peer.push(null);
        cb(err);
      },
    });
  };
  ends.push(make(0), make(1));
  return [ends[0]!, ends[1]!];
}
