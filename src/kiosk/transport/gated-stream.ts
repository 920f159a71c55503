import { Duplex } from 'node:stream';

/**
 * A duplex that holds back everything written to it, and reads nothing, until `open()`; then it
 * passes bytes both ways to the inner stream. The kiosk writes `hello` the moment it has a
 * stream, so a TLS connector hands out one of these and opens it only after it has checked the
 * server's certificate: not one application byte reaches a server that failed the check, and
 * nothing such a server sends is read. `destroy(err)` before `open()` refuses the connection.
 */
export class GatedStream extends Duplex {
  private readonly inner: Duplex;
  private isOpen = false;
  private heldWrite: (() => void) | null = null;
  private heldFinal: (() => void) | null = null;

  /** @param mapError turns an error of the inner stream into the one this stream is destroyed with. */
  constructor(inner: Duplex, mapError: (err: Error) => Error = (err) => err) {
    // Like a socket: when the server ends its side, ours ends too.
    super({ allowHalfOpen: false });
    this.inner = inner;
    inner.on('error', (err: Error) => this.destroy(mapError(err)));
    inner.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  get opened(): boolean {
    return this.isOpen;
  }

  /** The peer is trusted: flush what was written meanwhile and start reading. */
  open(): void {
    if (this.isOpen || this.destroyed) return;
    this.isOpen = true;
    this.inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.inner.pause();
    });
    this.inner.on('end', () => this.push(null));
    const write = this.heldWrite;
    this.heldWrite = null;
    write?.();
    // Writable calls _final only after every write completed, so at most one of the two is held.
    const final = this.heldFinal;
    this.heldFinal = null;
    final?.();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const pass = (): void => {
      // Backpressure carries through: the next write waits until the inner stream drained.
      if (this.inner.write(chunk, encoding)) callback();
      else this.inner.once('drain', () => callback());
    };
    if (this.isOpen) pass();
    else this.heldWrite = pass;
  }

  override _final(callback: (err?: Error | null) => void): void {
    const pass = (): void => {
      this.inner.end();
      callback();
    };
    if (this.isOpen) pass();
    else this.heldFinal = pass;
  }

  override _read(): void {
    if (this.isOpen) this.inner.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.heldWrite = null;
    this.heldFinal = null;
    this.inner.destroy();
    callback(err);
  }
}
