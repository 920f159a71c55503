import type { Logger } from 'pino';
import type { PollInfo } from '../protocol/messages.js';
import type { PollRecord, VoteStore } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';
import { toPollInfo, type PollCache } from './poll-cache.js';
import type { Timers } from './timers.js';

export interface PollWatcherOptions {
  store: VoteStore;
  polls: PollCache;
  timers: Timers;
  log: Logger;
  intervalMs: number;
  /** Told after every successful read of the open poll (the cache is up to date then). */
  onRead?(): void;
  /** The open poll changed (opened, closed or replaced): `info` is what kiosks get pushed,
   *  `closed` the poll that was open before (as it is now), `opened` the one open now. */
  onChange(info: PollInfo | null, change: { closed: PollRecord | undefined; opened: PollRecord | undefined }): void;
}

/**
 * Which poll is open, as far as this server knows. Polls are opened and closed through this
 * server's HTTP API, by the CLI in another process, by another server or by the schedule, so the
 * store is re-read every `intervalMs`; `check()` re-reads now.
 */
export class PollWatcher {
  private openRecord: PollRecord | undefined;
  private info: PollInfo | null = null;
  private readonly task: PeriodicTask;

  constructor(private readonly opts: PollWatcherOptions) {
    this.task = new PeriodicTask(() => this.checkOnce(), opts.intervalMs, opts.timers, (err) =>
      opts.log.warn({ err }, 'could not read the open poll; will retry'),
    );
  }

  /** The open poll's record, as last read. */
  get record(): PollRecord | undefined {
    return this.openRecord;
  }

  /** What `welcome` and `poll` carry. */
  get current(): PollInfo | null {
    return this.info;
  }


  async start(): Promise<void> {
    this.adopt(await this.opts.store.getOpenPoll());
    this.opts.onRead?.();
    this.task.start();
  }

  check(): Promise<void> {
    return this.task.trigger();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private adopt(open: PollRecord | undefined): void {
    if (open) this.opts.polls.set(open);
    this.openRecord = open;
    this.info = toPollInfo(open);
  }

  private async checkOnce(): Promise<void> {
    const open = await this.opts.store.getOpenPoll();
    const previous = this.openRecord;
    if (previous?.id === open?.id && previous?.openedAt === open?.openedAt) {
      this.opts.onRead?.();
      return;
    }
    // The poll that was open is closed now: cache its closedAt, so late votes are judged by it.
    let closed: PollRecord | undefined;
    if (previous) {
      closed = await this.opts.store.getPoll(previous.id);
      if (closed) this.opts.polls.set(closed);
    }
    this.adopt(open);
    this.opts.onRead?.();
    this.opts.log.info({ pollId: open?.id ?? null, previousPollId: previous?.id ?? null }, 'open poll changed');
    this.opts.onChange(this.info, { closed, opened: open });
  }
}
