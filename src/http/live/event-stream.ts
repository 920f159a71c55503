import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveClient, LiveEvent } from './live-state.js';

/**
 * A Server-Sent Events stream (text/event-stream) on a hijacked reply. SSE rather than
 * WebSocket: the dashboard only listens, EventSource reconnects by itself and sends the cookie,
 * and proxies pass it as plain HTTP. A client that cannot keep up (its socket holds more than
 * `maxBufferedBytes`) is dropped; its browser reconnects and starts from a fresh snapshot.
 */
export interface EventStreamOptions {
  /** The first event: the whole current state. */
  snapshot: () => Promise<unknown>;
  /** Registers the stream for updates; returns how to unregister. */
  subscribe: (client: LiveClient) => () => void;
  /** Which updates this stream passes on, and how (the public stream: only the tally); `end`
   *  closes the stream after that event. */
  accept?: (e: LiveEvent) => StreamEvent | null;
  keepAliveMs?: number;
  maxBufferedBytes?: number;
}

export interface StreamEvent {
  event: string;
  data: unknown;
  end?: boolean;
}

export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** One event is sent to every open stream (and one snapshot to the streams that start
 *  together): it is encoded once, not once per stream. Keyed on the data object. */
const framed = new WeakMap<object, { event: string; text: string }>();

function frameOnce(event: string, data: unknown): string {
  if (typeof data !== 'object' || data === null) return frame(event, data);
  const hit = framed.get(data);
  if (hit?.event === event) return hit.text;
  const text = frame(event, data);
  framed.set(data, { event, text });
  return text;
}

export async function serveEventStream(request: FastifyRequest, reply: FastifyReply, opts: EventStreamOptions): Promise<void> {
  const snapshot = await opts.snapshot(); // before hijacking: a failure is still an ordinary error reply
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  let closed = false;
  const write = (text: string): void => {
    if (closed) return;
    if (res.writableLength > maxBuffered) {
      request.log.info('event stream reader too slow; dropping it');
      end();
      return;
    }
    res.write(text);
  };
  const client: LiveClient = {
    send(e) {
      const passed: StreamEvent | null = opts.accept ? opts.accept(e) : e;
      if (!passed) return;
      write(frameOnce(passed.event, passed.data));
      if (passed.end) end();
    },
  };
  write('retry: 2000\n\n');
  write(frameOnce('snapshot', snapshot));
  const unsubscribe = opts.subscribe(client);
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000);
  keepAlive.unref();
  function end(): void {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    unsubscribe();
    res.end();
  }
  request.raw.on('close', end);
  res.on('error', end);
}
