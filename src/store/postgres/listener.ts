import pg from 'pg';
import type { Logger } from 'pino';
import type { StoreChange } from '../types.js';
import { CHANGE_CHANNEL, decodeNotice } from './changes.js';

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries). When it breaks,
 * it reports `listener-lost`, reconnects with exponential backoff and full jitter (so servers
 * do not all reconnect in the same millisecond after a database restart), and reports
 * `listening` again: notifications sent in between are lost, so the caller re-reads then.
 * A periodic `SELECT 1` finds a connection that died silently (no RST from a dead network).
 */

export interface ListenerOptions {
  config: pg.ClientConfig;
  /** `local`: committed through the store whose origin is `origin` (the listener's own). */
  onChange(change: StoreChange, local: boolean): void;
  /** The origin this store's own notifications carry (see tagOrigin in db.ts). */
  origin?: string;
  logger?: Logger;
  /** Reconnect delays: full jitter over [0, min(maxMs, minMs * 2^attempt)]. */
  backoff?: { minMs: number; maxMs: number };
  /** How often the connection proves it is alive (default 15 s). */
  heartbeatMs?: number;
}

const DEFAULT_BACKOFF = { minMs: 250, maxMs: 10_000 };

export class ChangeListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private everListened = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(private readonly opts: ListenerOptions) {}

  /** Resolves after the first attempt, whether it connected or not (the change says which). */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    await this.connecting?.catch(() => {});
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private connect(): Promise<void> {
    this.connecting = this.tryConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async tryConnect(): Promise<void> {
    const client = new pg.Client(this.opts.config);
    this.client = client;
    let lost = false;
    const onLost = (err?: Error): void => {
      if (lost) return;
      lost = true;
      this.lose(client, err?.message ?? 'the connection ended');
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.channel !== CHANGE_CHANNEL) return;
      const notice = decodeNotice(msg.payload);
      if (notice) this.emit(notice.change, notice.origin !== undefined && notice.origin === this.opts.origin);
      else this.opts.logger?.debug({ payload: msg.payload }, 'ignored a notification pivote did not write');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.stopped || lost) return;
    const reconnected = this.everListened;
    this.everListened = true;
    this.attempt = 0;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: Error) => onLost(err));
    }, this.opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    this.emit({ kind: 'listening', reconnected });
  }

  private lose(client: pg.Client, message: string): void {
    if (this.client !== client) return;
    clearInterval(this.heartbeat);
    this.client = undefined;
    client.end().catch(() => {});
    if (this.stopped) return;
    this.emit({ kind: 'listener-lost', message });
    const { minMs, maxMs } = this.opts.backoff ?? DEFAULT_BACKOFF;
    const delay = Math.random() * Math.min(maxMs, minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) void this.connect();
    }, delay);
  }

  private emit(change: StoreChange, local = false): void {
    try {
      this.opts.onChange(change, local);
    } catch (err) {
      this.opts.logger?.error({ err }, 'a store change listener threw');
    }
  }
}
