import { readSync } from 'node:fs';
import type { ChardevAddon, Watcher } from './addon.js';
import { errnoOf } from './chardev-errors.js';
import { LINE_EVENT_SIZE, parseLineEvents, type RawLineEvent } from './line-events.js';

/**
 * Reads edge events from a line-request fd without blocking the event loop and without holding
 * a threadpool thread per line: the addon's watch() (a uv_poll_t on the event loop's epoll)
 * says when the fd is readable, and the O_NONBLOCK fd is then drained here with a synchronous
 * read until EAGAIN. Each read returns whole 48-byte events. A blocking fs.read on the
 * threadpool would park one of libuv's four threads per button until someone pressed it, and
 * net.Socket / tty.ReadStream refuse this kind of fd.
 */

export type ReadFn = (fd: number, buf: Buffer) => number;

export const defaultRead: ReadFn = (fd, buf) => readSync(fd, buf, 0, buf.length, null);

/** Reads per readiness callback: level-triggered polling calls again for the rest, so other I/O is not starved. */
const MAX_READS_PER_WAKEUP = 16;
const EVENTS_PER_READ = 16;

export interface EventReaderHandlers {
  onEvents(events: RawLineEvent[]): void;
  /** A read or poll error other than EAGAIN; the reader has stopped. */
  onError(err: unknown): void;
}

export class LineEventReader {
  private watcher: Watcher | undefined;
  private readonly buf: Buffer;
  private closed = false;

  constructor(
    private readonly fd: number,
    addon: Pick<ChardevAddon, 'watch'>,
    private readonly handlers: EventReaderHandlers,
    private readonly read: ReadFn = defaultRead,
    private readonly eventSize: number = LINE_EVENT_SIZE,
  ) {
    this.buf = Buffer.alloc(eventSize * EVENTS_PER_READ);
    this.watcher = addon.watch(fd, (errorCode) => {
      if (errorCode !== null) {
        this.fail(Object.assign(new Error(`polling the GPIO line fd failed: ${errorCode}`), { code: errorCode }));
        return;
      }
      this.drain();
    });
  }

  /** Reads whatever is queued now; also called by the watcher. */
  drain(): void {
    for (let i = 0; i < MAX_READS_PER_WAKEUP && !this.closed; i++) {
      let n: number;
      try {
        n = this.read(this.fd, this.buf);
      } catch (err) {
        if (errnoOf(err) === 'EAGAIN' || errnoOf(err) === 'EWOULDBLOCK') return;
        this.fail(err);
        return;
      }
      if (n <= 0) return;
      let events: RawLineEvent[];
      try {
        events = parseLineEvents(this.buf, n, this.eventSize);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.handlers.onEvents(events);
      if (n < this.buf.length) return;
    }
  }

  /** Stops polling. Must run before the fd is closed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const watcher = this.watcher;
    this.watcher = undefined;
    watcher?.close();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.handlers.onError(err);
  }
}
